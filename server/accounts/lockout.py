"""The sign-in lockout: failed attempts counted where every worker process sees them.

Each attempt counts against the user name as typed (normalised) and against the
address it comes from. Once either has its number of failures within its window
(``LOGIN_FAILURES_PER_ACCOUNT``, ``LOGIN_FAILURES_PER_ADDRESS``, written like
"10 per 15 minutes"), further attempts are refused without a look at the
password until enough of those failures have left the window. A name that is no
account locks exactly like one that is, so the refusal tells nothing about who
exists. A successful sign-in clears the name's failures (not the address's).

The counters are in the database (table ``login_failures``) by default and in
Redis when ``REDIS_URL`` is set. They are written here rather than with
flask-limiter: its storages are Redis, Memcached and MongoDB, not the database
every instance already has. An attempt takes its place before the password is
checked and is counted among those taken before it, so attempts racing in
several processes are still checked at most N times.
"""


from __future__ import annotations
import hashlib
import hmac
import ipaddress
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Protocol
import limits
import redis
from flask import Flask, current_app
from sqlalchemy import delete, func, select
from server.database import new_session, utcnow
from server.accounts.models import LoginFailure


@dataclass(frozen=True)
class Limit:
    """At most ``failures`` failed sign-ins within ``window``."""

    failures: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> Limit:
        """``"10 per 15 minutes"``, in the notation of the ``limits`` library (as flask-limiter's settings)."""
        item = limits.parse(text)
        return cls(item.amount, timedelta(seconds=item.get_expiry()))


class LockedOut(Exception):
    """Too many failures with this name or from this address; ``retry_after`` in whole seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class FailureCounter(Protocol):
    def take_places(self, keys: list[tuple[str, datetime]], now: datetime) -> list[tuple[str, int]]:
        """Record one attempt under each key; return its token and its place among the key's attempts since then."""

    def give_back(self, key: str, token: str) -> None:
        """Forget one attempt (refused, or not a failure)."""

    def clear(self, key: str) -> None:
        """Forget every attempt under the key."""

    def nth_newest(self, key: str, since: datetime, n: int) -> datetime | None:
        """When the ``n``-th most recent attempt since ``since`` was made."""


class DatabaseCounter:
    """Attempts as rows of ``login_failures``, in sessions of their own (committed at once, seen by all)."""

    def __init__(self, app: Flask, keep: timedelta):
        self.app = app
        self.keep = keep  # rows older than the longest window count for nobody

    def take_places(self, keys: list[tuple[str, datetime]], now: datetime) -> list[tuple[str, int]]:
        with new_session(self.app) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - self.keep))
            rows = [LoginFailure(key=key, at=now) for key, _since in keys]
            session.add_all(rows)
            session.commit()
            return [
                (str(row.id), session.scalar(
                    select(func.count()).select_from(LoginFailure)
                    .where(LoginFailure.key == key, LoginFailure.at > since, LoginFailure.id <= row.id)) or 0)
                for row, (key, since) in zip(rows, keys)
            ]

    def give_back(self, key: str, token: str) -> None:
        with new_session(self.app) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.id == int(token)))
            session.commit()

    def clear(self, key: str) -> None:
        with new_session(self.app) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == key))
            session.commit()

    def nth_newest(self, key: str, since: datetime, n: int) -> datetime | None:
        with new_session(self.app) as session:
            return session.scalar(
                select(LoginFailure.at).where(LoginFailure.key == key, LoginFailure.at > since)
                .order_by(LoginFailure.at.desc(), LoginFailure.id.desc()).offset(n - 1).limit(1))


class RedisCounter:
    """Attempts as members of one sorted set per key, scored by time; each step is one MULTI transaction."""

    PREFIX = "jointbook:login-failures:"

    def __init__(self, url: str, keep: timedelta):
        self.redis = redis.Redis.from_url(url)
        self.keep = keep

    def take_places(self, keys: list[tuple[str, datetime]], now: datetime) -> list[tuple[str, int]]:
        token = f"{now.timestamp():.6f}:{secrets.token_hex(6)}"
        pipe = self.redis.pipeline(transaction=True)
        for key, since in keys:
            pipe.zremrangebyscore(self.PREFIX + key, "-inf", since.timestamp())
            pipe.zadd(self.PREFIX + key, {token: now.timestamp()})
            pipe.zcard(self.PREFIX + key)
            pipe.expire(self.PREFIX + key, math.ceil(self.keep.total_seconds()))
        answers = pipe.execute()
        return [(token, int(answers[4 * i + 2])) for i in range(len(keys))]

    def give_back(self, key: str, token: str) -> None:
        self.redis.zrem(self.PREFIX + key, token)

    def clear(self, key: str) -> None:
        self.redis.delete(self.PREFIX + key)

    def nth_newest(self, key: str, since: datetime, n: int) -> datetime | None:
        found = self.redis.zrevrangebyscore(self.PREFIX + key, "+inf", f"({since.timestamp()}", start=n - 1, num=1,
                                            withscores=True)
        return datetime.fromtimestamp(found[0][1], timezone.utc) if found else None


def account_name(typed: str) -> str:
    """The name as the lookup matches it, and a little more: look-alike forms and case count as one."""
    return unicodedata.normalize("NFKC", typed).strip().casefold()


def address_block(address: str | None) -> str:
    """The address; for IPv6 its /64, which one person usually holds whole."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass
class Attempt:
    """A sign-in admitted for a password check. A failure needs no call: its place, taken on
    admission, stays counted; a success calls ``succeeded``."""

    lockout: LoginLockout
    places: list[tuple[str, str]]  # (key, token): the account name's, then the address's

    def succeeded(self) -> None:
        (account, _token), (address, token) = self.places
        self.lockout.counter.clear(account)
        self.lockout.counter.give_back(address, token)


class LoginLockout:
    """The two limits over one counter; keys are keyed hashes, so the counter never holds a typed name."""

    def __init__(self, counter: FailureCounter, secret: str, per_account: Limit, per_address: Limit):
        self.counter = counter
        self.secret = secret.encode()
        self.per_account = per_account
        self.per_address = per_address

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def admit(self, username: str, address: str | None) -> Attempt:
        """Take this attempt's place, or raise ``LockedOut`` (and count nothing) if it is beyond a limit."""
        now = utcnow()
        watched = [(self._key("account", account_name(username)), self.per_account),
                   (self._key("address", address_block(address)), self.per_address)]
        places = self.counter.take_places([(key, now - limit.window) for key, limit in watched], now)
        beyond = [(key, limit) for (key, limit), (_token, place) in zip(watched, places) if place > limit.failures]
        if not beyond:
            return Attempt(self, [(key, token) for (key, _limit), (token, _place) in zip(watched, places)])
        for (key, _limit), (token, _place) in zip(watched, places):
            self.counter.give_back(key, token)
        waits = []
        for key, limit in beyond:
            freeing = self.counter.nth_newest(key, now - limit.window, limit.failures)
            waits.append((freeing + limit.window - now).total_seconds() if freeing else 1)
        raise LockedOut(max(1, math.ceil(max(waits))))


def init_login_lockout(app: Flask) -> None:
    """Read the limits (a wrong setting stops the start) and choose where failures are counted."""
    per_account = Limit.parse(app.config["LOGIN_FAILURES_PER_ACCOUNT"])
    per_address = Limit.parse(app.config["LOGIN_FAILURES_PER_ADDRESS"])
    keep = max(per_account.window, per_address.window)
    url = app.config.get("REDIS_URL")
    counter: FailureCounter = RedisCounter(url, keep) if url else DatabaseCounter(app, keep)
    app.extensions["jointbook.login_lockout"] = LoginLockout(counter, app.config["SECRET_KEY"], per_account, per_address)


def login_lockout() -> LoginLockout:
    return current_app.extensions["jointbook.login_lockout"]
