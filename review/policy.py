"""The review policy of a book and the pure rule that decides "can this merge?".

Joint development means a chapter changes only when the people the book
names have approved it: usually one college teacher and one enterprise
expert. Everything here is plain data in, plain data out, so the server can
store reviews, check results and overrides in SQL rows and hand them back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from review.errors import PolicyInvalid, ReviewError

VERDICTS = ("approve", "request_changes", "comment")
CHECK_STATUSES = ("passed", "failed", "warning", "pending")
MERGE_METHODS = ("merge", "squash")
STATES = ("draft", "open", "merged", "closed")

DEFAULT_REQUIRED = {"school": 1, "enterprise": 1}
DEFAULT_CHECKS = ("front-matter", "alignment")
POLICY_KEYS = ("required", "self_approval", "dismiss_stale_approvals", "checks", "direct_commits", "merge_method")


@dataclass(frozen=True)
class ReviewPolicy:
    """``review:`` of book.yml, validated. Defaults are the strict ones."""

    required: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_REQUIRED))
    self_approval: bool = False
    dismiss_stale_approvals: bool = True
    checks: tuple[str, ...] = DEFAULT_CHECKS
    direct_commits: bool = False
    merge_method: str = "merge"

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any] | None,
        *,
        sides: Iterable[str] | None = None,
        known_checks: Iterable[str] | None = None,
    ) -> "ReviewPolicy":
        """Validate the ``review:`` dict of book.yml (None or {} gives the defaults).

        ``sides`` (from library.yml) and ``known_checks`` (the registered check
        names) are checked when given. Raises PolicyInvalid with codes
        ``policy.not_a_mapping``, ``policy.unknown_key``, ``policy.unknown_side``,
        ``policy.bad_count``, ``policy.not_a_bool``, ``policy.bad_checks``,
        ``policy.unknown_check``, ``policy.bad_merge_method``.
        """
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            raise PolicyInvalid("review: must be a mapping", code="policy.not_a_mapping")
        for key in config:
            if key not in POLICY_KEYS:
                raise PolicyInvalid(f"unknown key review.{key}", code="policy.unknown_key", key=str(key))

        required = config.get("required", DEFAULT_REQUIRED)
        if not isinstance(required, Mapping):
            raise PolicyInvalid("review.required must map side -> count", code="policy.not_a_mapping", key="required")
        side_set = set(sides) if sides is not None else None
        clean_required: dict[str, int] = {}
        for side, count in required.items():
            if not isinstance(side, str) or (side_set is not None and side not in side_set):
                raise PolicyInvalid(f"unknown side {side!r}", code="policy.unknown_side", side=str(side))
            if isinstance(count, bool) or not isinstance(count, int) or count < 0 or count > 20:
                raise PolicyInvalid(
                    f"review.required.{side} must be a whole number 0..20", code="policy.bad_count", side=side, value=repr(count)
                )
            clean_required[side] = count

        flags = {}
        for key, default in (("self_approval", False), ("dismiss_stale_approvals", True), ("direct_commits", False)):
            value = config.get(key, default)
            if not isinstance(value, bool):
                raise PolicyInvalid(f"review.{key} must be true or false", code="policy.not_a_bool", key=key, value=repr(value))
            flags[key] = value

        checks = config.get("checks", list(DEFAULT_CHECKS))
        if not isinstance(checks, (list, tuple)) or not all(isinstance(c, str) and c for c in checks):
            raise PolicyInvalid("review.checks must be a list of check names", code="policy.bad_checks", value=repr(checks))
        if len(set(checks)) != len(checks):
            raise PolicyInvalid("review.checks lists a check twice", code="policy.bad_checks", value=repr(checks))
        if known_checks is not None:
            known = set(known_checks)
            for name in checks:
                if name not in known:
                    raise PolicyInvalid(f"unknown check {name!r}", code="policy.unknown_check", check=name)

        merge_method = config.get("merge_method", "merge")
        if merge_method not in MERGE_METHODS:
            raise PolicyInvalid(
                "review.merge_method must be merge or squash", code="policy.bad_merge_method", value=repr(merge_method)
            )
        return cls(
            required=clean_required,
            self_approval=flags["self_approval"],
            dismiss_stale_approvals=flags["dismiss_stale_approvals"],
            checks=tuple(checks),
            direct_commits=flags["direct_commits"],
            merge_method=merge_method,
        )

    def to_config(self) -> dict[str, Any]:
        """The inverse of from_config: a dict fit for book.yml."""
        return {
            "required": dict(self.required),
            "self_approval": self.self_approval,
            "dismiss_stale_approvals": self.dismiss_stale_approvals,
            "checks": list(self.checks),
            "direct_commits": self.direct_commits,
            "merge_method": self.merge_method,
        }


@dataclass(frozen=True)
class AuthoredCommit:
    """One commit of a change request and the e-mail addresses of everyone who wrote it:
    its author and each ``Co-authored-by`` (how the library records who wrote what)."""

    sha: str
    writers: frozenset[str]


@dataclass(frozen=True)
class CRFacts:
    """What the policy needs to know about a change request.

    ``commits`` are the change request's own commits (not those it has from main);
    ``co_authors`` the accounts asked to write it with its author: they are writers
    of the change from the moment they join, before their first commit.
    """

    author: str
    author_side: str
    head: str
    state: str = "open"
    commits: tuple[AuthoredCommit, ...] = ()
    co_authors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Review:
    """One review on one head commit; ``at`` orders a reviewer's reviews."""

    reviewer: str
    reviewer_side: str
    reviewer_is_maintainer: bool
    verdict: str  # approve | request_changes | comment
    head: str
    at: datetime
    reviewer_addresses: frozenset[str] = frozenset()  # the addresses their commits carry

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ReviewError(f"verdict must be one of {VERDICTS}", code="review.bad_verdict", verdict=str(self.verdict))


@dataclass(frozen=True)
class Override:
    """A maintainer overruling the "changes requested" of ``reviewer`` (audited by the server).

    It lifts that reviewer's requests made up to ``at``; a later request for
    changes blocks again.
    """

    reviewer: str
    by: str
    by_is_maintainer: bool
    at: datetime
    reason: str = ""


class Missing:
    """One thing lacking before a merge: a machine ``code`` plus ``params``.

    Codes: ``approvals`` (side, count), ``changes_requested`` (reviewer),
    ``check`` (name, state: missing|pending|failed), ``state`` (state).
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params

    def __getattr__(self, name: str) -> Any:
        try:
            return self.params[name]
        except KeyError:
            raise AttributeError(name) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Missing) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash((self.code, tuple(sorted(self.params.items()))))

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Missing({self.code!r}{args})"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, **self.params}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Missing":
        params = dict(data)
        return cls(params.pop("code"), **params)


@dataclass(frozen=True)
class IgnoredReview:
    """An approval that exists but does not count, and why (``self`` | ``wrote`` | ``stale``)."""

    reviewer: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`evaluate` for one head of one change request."""

    head: str
    missing: list[Missing]
    approvals: dict[str, list[str]]  # side -> reviewers whose approval counts
    ignored: list[IgnoredReview]
    blocking: list[str]  # reviewers whose "changes requested" still stands

    @property
    def mergeable(self) -> bool:
        return not self.missing


def wrote_part(addresses: Iterable[str], commits: Iterable[AuthoredCommit]) -> bool:
    """Did the person known by ``addresses`` write, or co-write, any of ``commits``?

    Four eyes per side: every line that merges was read by someone of each
    side who did not write it. A reviewer who wrote part of a change request
    (a maintainer committing into someone's change request, a reviewer whose
    suggestion was applied with a ``Co-authored-by`` credit) therefore does
    not count for their side on it. The rule covers all of the change
    request's commits, not only those since the reviewer's last counted
    approval: an approval counts only while its reviewer has written nothing,
    so both readings name the same commits, and this one needs no history of
    earlier verdicts. Addresses compare case-insensitively (git keeps them as
    typed); an empty address matches nothing.
    """
    mine = {a.strip().lower() for a in addresses if a and a.strip()}
    return any(w.strip().lower() in mine for commit in commits for w in commit.writers)


def evaluate(
    policy: ReviewPolicy,
    change_request: CRFacts,
    reviews: list[Review],
    checks: list,
    overrides: list[Override] = (),
) -> Verdict:
    """Decide whether ``change_request`` may merge at its current head.

    A reviewer's latest decisive review (approve / request changes) is their
    position; comments never change it. ``checks`` are CheckResult-like
    objects (``name``, ``status``, ``head``); only results on the current head
    count, and the last one listed for a name wins. An approval by someone who
    wrote part of the change (:func:`wrote_part`), or is one of its
    co-authors, does not count, unless the book allows self-approval.
    """
    cr = change_request
    missing: list[Missing] = []
    if cr.state != "open":
        missing.append(Missing("state", state=cr.state))

    latest: dict[str, Review] = {}
    for review in sorted(reviews, key=lambda r: r.at):
        if review.verdict != "comment":
            latest[review.reviewer] = review

    approvals: dict[str, list[str]] = {side: [] for side in policy.required}
    ignored: list[IgnoredReview] = []
    blocking: list[str] = []
    for reviewer, review in latest.items():
        if review.verdict == "request_changes":
            lifted = any(
                o.reviewer == reviewer and o.by_is_maintainer and o.at >= review.at for o in overrides
            )
            if not lifted:
                blocking.append(reviewer)
            continue
        if reviewer == cr.author and not policy.self_approval:
            ignored.append(IgnoredReview(reviewer, "self"))
            continue
        if not policy.self_approval and (reviewer in cr.co_authors
                                         or wrote_part(review.reviewer_addresses, cr.commits)):
            ignored.append(IgnoredReview(reviewer, "wrote"))
            continue
        if policy.dismiss_stale_approvals and review.head != cr.head:
            ignored.append(IgnoredReview(reviewer, "stale"))
            continue
        if review.reviewer_side in approvals:
            approvals[review.reviewer_side].append(reviewer)

    for side, count in policy.required.items():
        lacking = count - len(approvals[side])
        if lacking > 0:
            missing.append(Missing("approvals", side=side, count=lacking))
    for reviewer in sorted(blocking):
        missing.append(Missing("changes_requested", reviewer=reviewer))

    current = {c.name: c for c in checks if c.head == cr.head}
    for name in policy.checks:
        result = current.get(name)
        if result is None:
            missing.append(Missing("check", name=name, state="missing"))
        elif result.status in ("failed", "pending"):
            missing.append(Missing("check", name=name, state=result.status))

    return Verdict(
        head=cr.head,
        missing=missing,
        approvals={side: sorted(names) for side, names in approvals.items()},
        ignored=sorted(ignored, key=lambda i: i.reviewer),
        blocking=sorted(blocking),
    )


# --- human text -------------------------------------------------------------

SIDE_LABELS = {
    "zh-CN": {"school": "学校", "enterprise": "企业"},
    "en": {"school": "school", "enterprise": "enterprise"},
}

_STATE_TEXT = {
    "zh-CN": {"draft": "变更请求仍是草稿", "merged": "变更请求已合并", "closed": "变更请求已关闭"},
    "en": {
        "draft": "the change request is still a draft",
        "merged": "the change request is already merged",
        "closed": "the change request is closed",
    },
}

_CHECK_TEXT = {
    "zh-CN": {"missing": "检查“{name}”尚未运行", "pending": "检查“{name}”正在运行", "failed": "检查“{name}”未通过"},
    "en": {
        "missing": "check “{name}” has not run on the latest commit",
        "pending": "check “{name}” is still running",
        "failed": "check “{name}” failed",
    },
}


def _language(lang: str) -> str:
    return "zh-CN" if lang.lower().startswith("zh") else "en"


def describe(missing: Missing, lang: str = "en", side_labels: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Human text for one Missing, in zh-CN or en.

    ``side_labels`` is library.yml's ``sides`` ({side: {lang: label}}) when the
    library names its own sides.
    """
    lang = _language(lang)
    p = missing.params
    if missing.code == "approvals":
        side = p["side"]
        label = (side_labels or {}).get(side, {}).get(lang) or SIDE_LABELS[lang].get(side, side)
        count = p["count"]
        if lang == "zh-CN":
            return f"还需要 {count} 位{label}方审核人批准"
        label = label.lower()
        if count == 1:
            article = "an" if label[:1] in "aeiou" else "a"
            return f"needs 1 approval from {article} {label} reviewer"
        return f"needs {count} approvals from {label} reviewers"
    if missing.code == "changes_requested":
        if lang == "zh-CN":
            return f"{p['reviewer']} 要求修改：需其本人批准，或由维护者否决"
        return f"{p['reviewer']} requested changes: they must approve, or a maintainer must override"
    if missing.code == "check":
        return _CHECK_TEXT[lang][p["state"]].format(name=p["name"])
    if missing.code == "state":
        return _STATE_TEXT[lang].get(p["state"], p["state"])
    return missing.code


_IGNORED_TEXT = {
    "zh-CN": {"self": "{reviewer}的批准不计入：这是其本人的变更请求",
              "wrote": "{reviewer}的批准不计入：其本人写了这项变更的一部分",
              "stale": "{reviewer}的批准不计入：批准之后又有了新的提交"},
    "en": {"self": "{reviewer}'s approval does not count: it is their own change request",
           "wrote": "{reviewer}'s approval does not count: they wrote part of this change",
           "stale": "{reviewer}'s approval does not count: it was given before the latest commits"},
}


def describe_ignored(ignored: IgnoredReview, lang: str = "en") -> str:
    """Why an approval does not count, in zh-CN or en."""
    text = _IGNORED_TEXT[_language(lang)].get(ignored.reason)
    return text.format(reviewer=ignored.reviewer) if text else ignored.reason


def describe_all(missing: list[Missing], lang: str = "en", side_labels=None) -> list[str]:
    """describe() for each, in order."""
    return [describe(m, lang, side_labels) for m in missing]
