"""People who sign in, and the personal access tokens they use for the API.

Who may do what on which book: one role per person per book.

Failed sign-ins, kept where every worker process sees them (the lockout counts them).
"""


from __future__ import annotations
import enum
import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from server.database import Base, UTCDateTime, utcnow


SIDES = ("school", "enterprise")
TOKEN_PREFIX = "jb_"


class User(UserMixin, Base):
    """An account. Every account belongs to one side; joint authorship is the point."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    side: Mapped[str] = mapped_column(String(32), default="school")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    memberships = relationship("Membership", back_populates="user", cascade="all, delete-orphan")
    tokens = relationship("ApiToken", back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive (disabled) accounts
        return self.active

    def get_id(self) -> str:
        """The session id: changes with the password or the account state, ending other sessions."""
        stamp = hashlib.sha256(f"{self.password_hash}|{self.active}".encode()).hexdigest()[:12]
        return f"{self.id}.{stamp}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def hash_token(secret: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(Base):
    """A personal access token (``Authorization: Bearer jb_...``); only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    hint: Mapped[str] = mapped_column(String(16))  # first characters, to recognise a token in a list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    user = relationship("User", back_populates="tokens")

    @classmethod
    def issue(cls, user: User, name: str) -> tuple["ApiToken", str]:
        """A new token and its secret; the secret is shown once and never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=hash_token(secret), hint=secret[:7]), secret


class Role(str, enum.Enum):
    """A member's role on a book (what each may do is decided in ``server.permissions``)."""

    reader = "reader"
    author = "author"
    reviewer = "reviewer"
    maintainer = "maintainer"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "book", name="uq_membership_user_book"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    book: Mapped[str] = mapped_column(String(64), index=True)  # the book's slug in the library
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", back_populates="memberships")


class LoginFailure(Base):
    """One attempt against an account name or from an address, counted until its window ends.

    ``key`` is a keyed hash of "account:<name as typed>" or "address:<ip>": a password
    typed into the user name field never lands in the database in clear.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
