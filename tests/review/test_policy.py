"""The review policy as a table: who approved what, on which head, decides the merge."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from review.errors import PolicyInvalid
from review.policy import (
    CRFacts,
    Missing,
    Override,
    Review,
    ReviewPolicy,
    describe,
    evaluate,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
HEAD = "c" * 40
OLD = "a" * 40


@dataclass
class Check:
    """A check result as the server stores it (the policy only reads these three fields)."""

    name: str
    status: str
    head: str = HEAD


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


# who: (name, side, is_maintainer)
TEACHER = ("wang", "school", False)  # the author
TEACHER2 = ("li", "school", False)
TEACHER3 = ("zhao", "school", False)
ENGINEER = ("chen", "enterprise", False)
ENGINEER2 = ("sun", "enterprise", False)
EDITOR = ("zhou", "school", True)  # maintainer / editor-in-chief


def rv(who, verdict, minute, head=HEAD) -> Review:
    name, side, maintainer = who
    return Review(name, side, maintainer, verdict, head, at(minute))


def ov(reviewer, minute, by=EDITOR) -> Override:
    return Override(reviewer=reviewer[0], by=by[0], by_is_maintainer=by[2], at=at(minute), reason="checked in person")


PASSING = [Check("front-matter", "passed"), Check("alignment", "passed")]
DEFAULT = {}
BOTH_SIDES_APPROVE = [rv(TEACHER2, "approve", 1), rv(ENGINEER, "approve", 2)]

CASES = [
    # id, policy config, reviews, checks, overrides, expected missing
    ("no-reviews-needs-both-sides", DEFAULT, [], PASSING, [],
     [Missing("approvals", side="school", count=1), Missing("approvals", side="enterprise", count=1)]),
    ("one-approval-per-side-merges", DEFAULT, BOTH_SIDES_APPROVE, PASSING, [], []),
    ("two-school-approvals-do-not-replace-enterprise", DEFAULT,
     [rv(TEACHER2, "approve", 1), rv(TEACHER3, "approve", 2)], PASSING, [],
     [Missing("approvals", side="enterprise", count=1)]),
    ("two-enterprise-required-one-given", {"required": {"school": 1, "enterprise": 2}}, BOTH_SIDES_APPROVE, PASSING, [],
     [Missing("approvals", side="enterprise", count=1)]),
    ("two-enterprise-required-two-given", {"required": {"school": 1, "enterprise": 2}},
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "approve", 3)], PASSING, [], []),
    ("same-reviewer-twice-counts-once", {"required": {"enterprise": 2}},
     [rv(ENGINEER, "approve", 1), rv(ENGINEER, "approve", 2)], PASSING, [],
     [Missing("approvals", side="enterprise", count=1)]),
    ("zero-required-needs-nobody", {"required": {"school": 0, "enterprise": 0}}, [], PASSING, [], []),
    ("self-approval-not-counted", DEFAULT,
     [rv(TEACHER, "approve", 1), rv(ENGINEER, "approve", 2)], PASSING, [],
     [Missing("approvals", side="school", count=1)]),
    ("self-approval-counted-when-allowed", {"self_approval": True},
     [rv(TEACHER, "approve", 1), rv(ENGINEER, "approve", 2)], PASSING, [], []),
    ("stale-approval-dismissed", DEFAULT,
     [rv(TEACHER2, "approve", 1, head=OLD), rv(ENGINEER, "approve", 2)], PASSING, [],
     [Missing("approvals", side="school", count=1)]),
    ("stale-approval-kept-when-not-dismissing", {"dismiss_stale_approvals": False},
     [rv(TEACHER2, "approve", 1, head=OLD), rv(ENGINEER, "approve", 2)], PASSING, [], []),
    ("stale-approval-renewed-on-new-head", DEFAULT,
     [rv(TEACHER2, "approve", 1, head=OLD), rv(TEACHER2, "approve", 5), rv(ENGINEER, "approve", 2)], PASSING, [], []),
    ("comment-does-not-approve", DEFAULT,
     [rv(TEACHER2, "comment", 1), rv(ENGINEER, "approve", 2)], PASSING, [],
     [Missing("approvals", side="school", count=1)]),
    ("comment-after-approval-keeps-it", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER, "comment", 3)], PASSING, [], []),
    ("changes-requested-blocks", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3)], PASSING, [],
     [Missing("changes_requested", reviewer="sun")]),
    ("changes-requested-then-same-reviewer-approves", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3), rv(ENGINEER2, "approve", 4)], PASSING, [], []),
    ("changes-requested-then-other-reviewer-approves-still-blocks", DEFAULT,
     [rv(ENGINEER2, "request_changes", 1), rv(TEACHER2, "approve", 2), rv(ENGINEER, "approve", 3)], PASSING, [],
     [Missing("changes_requested", reviewer="sun")]),
    ("changes-requested-survives-new-commits", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3, head=OLD)], PASSING, [],
     [Missing("changes_requested", reviewer="sun")]),
    ("approve-then-request-changes-withdraws-approval", DEFAULT,
     [rv(TEACHER2, "approve", 1), rv(ENGINEER, "approve", 2), rv(ENGINEER, "request_changes", 3)], PASSING, [],
     [Missing("approvals", side="enterprise", count=1), Missing("changes_requested", reviewer="chen")]),
    ("changes-requested-overridden-by-maintainer", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3)], PASSING, [ov(ENGINEER2, 4)], []),
    ("override-by-non-maintainer-ignored", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3)], PASSING, [ov(ENGINEER2, 4, by=TEACHER2)],
     [Missing("changes_requested", reviewer="sun")]),
    ("request-after-override-blocks-again", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3), rv(ENGINEER2, "request_changes", 6)], PASSING,
     [ov(ENGINEER2, 4)], [Missing("changes_requested", reviewer="sun")]),
    ("override-of-other-reviewer-does-not-lift", DEFAULT,
     BOTH_SIDES_APPROVE + [rv(ENGINEER2, "request_changes", 3)], PASSING, [ov(ENGINEER, 4)],
     [Missing("changes_requested", reviewer="sun")]),
    ("failing-check-blocks", DEFAULT, BOTH_SIDES_APPROVE,
     [Check("front-matter", "failed"), Check("alignment", "passed")], [],
     [Missing("check", name="front-matter", state="failed")]),
    ("warning-check-does-not-block", DEFAULT, BOTH_SIDES_APPROVE,
     [Check("front-matter", "passed"), Check("alignment", "warning")], [], []),
    ("check-on-old-head-does-not-count", DEFAULT, BOTH_SIDES_APPROVE,
     [Check("front-matter", "passed"), Check("alignment", "passed", head=OLD)], [],
     [Missing("check", name="alignment", state="missing")]),
    ("pending-check-blocks", DEFAULT, BOTH_SIDES_APPROVE,
     [Check("front-matter", "passed"), Check("alignment", "pending")], [],
     [Missing("check", name="alignment", state="pending")]),
    ("latest-result-of-a-check-wins", DEFAULT, BOTH_SIDES_APPROVE,
     [Check("front-matter", "failed"), Check("front-matter", "passed"), Check("alignment", "passed")], [], []),
    ("unrequired-failing-check-ignored", {"checks": ["front-matter"]}, BOTH_SIDES_APPROVE,
     [Check("front-matter", "passed"), Check("alignment", "failed")], [], []),
    ("build-check-required-and-missing", {"checks": ["front-matter", "alignment", "build"]}, BOTH_SIDES_APPROVE,
     PASSING, [], [Missing("check", name="build", state="missing")]),
    ("maintainer-approval-counts-for-their-side", DEFAULT,
     [rv(EDITOR, "approve", 1), rv(ENGINEER, "approve", 2)], PASSING, [], []),
    ("everything-missing-listed-in-order", DEFAULT,
     [rv(ENGINEER2, "request_changes", 1)], [Check("front-matter", "failed")], [],
     [Missing("approvals", side="school", count=1), Missing("approvals", side="enterprise", count=1),
      Missing("changes_requested", reviewer="sun"), Missing("check", name="front-matter", state="failed"),
      Missing("check", name="alignment", state="missing")]),
]


@pytest.mark.parametrize("config,reviews,checks,overrides,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_table(config, reviews, checks, overrides, expected):
    policy = ReviewPolicy.from_config(config)
    verdict = evaluate(policy, CRFacts(author="wang", author_side="school", head=HEAD), reviews, checks, overrides)
    assert verdict.missing == expected
    assert verdict.mergeable is (expected == [])


def test_reviews_are_ordered_by_time_not_by_list_order():
    policy = ReviewPolicy()
    reviews = [rv(ENGINEER, "approve", 5), rv(ENGINEER, "request_changes", 1), rv(TEACHER2, "approve", 2)]
    verdict = evaluate(policy, CRFacts("wang", "school", HEAD), reviews, PASSING, [])
    assert verdict.mergeable


def test_verdict_explains_which_approvals_count_and_which_not():
    reviews = [rv(TEACHER, "approve", 1), rv(TEACHER2, "approve", 2, head=OLD), rv(ENGINEER, "approve", 3)]
    verdict = evaluate(ReviewPolicy(), CRFacts("wang", "school", HEAD), reviews, PASSING, [])
    assert verdict.approvals == {"school": [], "enterprise": ["chen"]}
    assert [(i.reviewer, i.reason) for i in verdict.ignored] == [("li", "stale"), ("wang", "self")]


@pytest.mark.parametrize("state", ["draft", "merged", "closed"])
def test_only_open_change_requests_are_mergeable(state):
    verdict = evaluate(ReviewPolicy(), CRFacts("wang", "school", HEAD, state=state), BOTH_SIDES_APPROVE, PASSING, [])
    assert verdict.missing == [Missing("state", state=state)]


# --- describe ----------------------------------------------------------------

DESCRIBE = [
    (Missing("approvals", side="enterprise", count=1), "en", "needs 1 approval from an enterprise reviewer"),
    (Missing("approvals", side="enterprise", count=1), "zh-CN", "还需要 1 位企业方审核人批准"),
    (Missing("approvals", side="school", count=2), "en", "needs 2 approvals from school reviewers"),
    (Missing("approvals", side="school", count=2), "zh-CN", "还需要 2 位学校方审核人批准"),
    (Missing("changes_requested", reviewer="sun"), "zh-CN", "sun 要求修改：需其本人批准，或由维护者否决"),
    (Missing("check", name="build", state="failed"), "en", "check “build” failed"),
    (Missing("check", name="build", state="missing"), "zh-CN", "检查“build”尚未运行"),
    (Missing("state", state="draft"), "en", "the change request is still a draft"),
]


@pytest.mark.parametrize("missing,lang,text", DESCRIBE, ids=[f"{m.code}-{lang}-{i}" for i, (m, lang, _) in enumerate(DESCRIBE)])
def test_describe_says_what_is_missing(missing, lang, text):
    assert describe(missing, lang) == text


def test_describe_uses_the_library_side_labels():
    labels = {"enterprise": {"zh-CN": "行业企业", "en": "Industry"}}
    assert describe(Missing("approvals", side="enterprise", count=1), "zh", labels) == "还需要 1 位行业企业方审核人批准"
    assert describe(Missing("approvals", side="enterprise", count=1), "en", labels) == "needs 1 approval from an industry reviewer"


def test_missing_round_trips_through_a_plain_dict():
    m = Missing("approvals", side="enterprise", count=1)
    assert m.to_dict() == {"code": "approvals", "side": "enterprise", "count": 1}
    assert Missing.from_dict(m.to_dict()) == m
    assert m.side == "enterprise"


# --- policy validation --------------------------------------------------------

def test_policy_defaults_are_strict():
    policy = ReviewPolicy.from_config(None)
    assert policy.required == {"school": 1, "enterprise": 1}
    assert not policy.self_approval and policy.dismiss_stale_approvals and not policy.direct_commits
    assert policy.merge_method == "merge"


def test_policy_reads_the_book_yml_example():
    config = {
        "required": {"school": 1, "enterprise": 1},
        "self_approval": False,
        "dismiss_stale_approvals": True,
        "checks": ["front-matter", "alignment", "build"],
        "direct_commits": False,
        "merge_method": "squash",
    }
    policy = ReviewPolicy.from_config(config, sides=["school", "enterprise"], known_checks=["front-matter", "alignment", "build"])
    assert policy.checks == ("front-matter", "alignment", "build")
    assert policy.merge_method == "squash"
    assert policy.to_config() == config


BAD = [
    ("not-a-mapping", ["school"], "policy.not_a_mapping"),
    ("unknown-key", {"required_approvals": 2}, "policy.unknown_key"),
    ("negative-count", {"required": {"school": -1}}, "policy.bad_count"),
    ("bool-count", {"required": {"school": True}}, "policy.bad_count"),
    ("text-count", {"required": {"school": "1"}}, "policy.bad_count"),
    ("unknown-side", {"required": {"factory": 1}}, "policy.unknown_side"),
    ("flag-as-text", {"self_approval": "no"}, "policy.not_a_bool"),
    ("checks-not-list", {"checks": "build"}, "policy.bad_checks"),
    ("checks-repeated", {"checks": ["build", "build"]}, "policy.bad_checks"),
    ("unknown-check", {"checks": ["lint"]}, "policy.unknown_check"),
    ("bad-merge-method", {"merge_method": "rebase"}, "policy.bad_merge_method"),
]


@pytest.mark.parametrize("config,code", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_policy_is_refused_with_a_code(config, code):
    with pytest.raises(PolicyInvalid) as err:
        ReviewPolicy.from_config(config, sides=["school", "enterprise"], known_checks=["front-matter", "alignment", "build"])
    assert err.value.code == code


def test_a_review_must_approve_request_changes_or_comment():
    from review.errors import ReviewError

    with pytest.raises(ReviewError) as err:
        Review("li", "school", False, "lgtm", HEAD, T0)
    assert err.value.code == "review.bad_verdict"


# --- four eyes per side: who wrote part of the change ------------------------

from review.policy import AuthoredCommit, IgnoredReview, describe_ignored, wrote_part  # noqa: E402

ZHOU_MAIL = "zhou@college.edu.cn"
WANG_COMMIT = AuthoredCommit("1" * 40, frozenset({"wang@college.edu.cn"}))
ZHOU_COMMIT = AuthoredCommit("2" * 40, frozenset({ZHOU_MAIL}))
SUGGESTED_BY_ZHOU = AuthoredCommit("3" * 40, frozenset({"wang@college.edu.cn", ZHOU_MAIL}))  # Co-authored-by


def approve_as_zhou(minute: int = 1) -> Review:
    return Review("zhou", "school", True, "approve", HEAD, at(minute), reviewer_addresses=frozenset({ZHOU_MAIL}))


def evaluate_with(commits, reviews, config=None):
    facts = CRFacts("wang", "school", HEAD, commits=tuple(commits))
    return evaluate(ReviewPolicy.from_config(config), facts, reviews, PASSING, [])


def test_a_reviewer_who_wrote_a_commit_of_the_change_does_not_count_for_their_side():
    verdict = evaluate_with([WANG_COMMIT, ZHOU_COMMIT], [approve_as_zhou(), rv(ENGINEER, "approve", 2)])
    assert verdict.missing == [Missing("approvals", side="school", count=1)]
    assert verdict.ignored == [IgnoredReview("zhou", "wrote")]
    assert not verdict.mergeable


def test_a_reviewer_credited_as_co_author_does_not_count_either():
    verdict = evaluate_with([SUGGESTED_BY_ZHOU], [approve_as_zhou(), rv(ENGINEER, "approve", 2)])
    assert verdict.ignored == [IgnoredReview("zhou", "wrote")]


def test_a_colleague_of_the_same_side_who_wrote_nothing_completes_the_side():
    reviews = [approve_as_zhou(), rv(TEACHER2, "approve", 2), rv(ENGINEER, "approve", 3)]
    verdict = evaluate_with([WANG_COMMIT, ZHOU_COMMIT], reviews)
    assert verdict.mergeable and verdict.approvals["school"] == ["li"]


def test_a_reviewer_who_wrote_nothing_of_the_change_counts():
    verdict = evaluate_with([WANG_COMMIT], [approve_as_zhou(), rv(ENGINEER, "approve", 2)])
    assert verdict.mergeable and verdict.approvals["school"] == ["zhou"]


def test_writing_after_an_approval_takes_the_approval_back_even_when_approvals_are_kept():
    """The approval was on an earlier head; the reviewer's own commit came after it."""
    earlier = Review("zhou", "school", True, "approve", OLD, at(1), reviewer_addresses=frozenset({ZHOU_MAIL}))
    verdict = evaluate_with([WANG_COMMIT, ZHOU_COMMIT], [earlier, rv(ENGINEER, "approve", 2)],
                            {"dismiss_stale_approvals": False})
    assert verdict.ignored == [IgnoredReview("zhou", "wrote")]


def test_a_book_that_allows_self_approval_lets_writers_approve_too():
    verdict = evaluate_with([ZHOU_COMMIT], [approve_as_zhou(), rv(ENGINEER, "approve", 2)], {"self_approval": True})
    assert verdict.mergeable


WROTE = [
    ("author", {"zhou@college.edu.cn"}, [ZHOU_COMMIT], True),
    ("co-author", {"zhou@college.edu.cn"}, [WANG_COMMIT, SUGGESTED_BY_ZHOU], True),
    ("address-case-differs", {"Zhou@College.EDU.cn"}, [ZHOU_COMMIT], True),
    ("any-of-several-addresses", {"zhou@users.jointbook.invalid", ZHOU_MAIL}, [ZHOU_COMMIT], True),
    ("someone-else", {"li@college.edu.cn"}, [WANG_COMMIT, ZHOU_COMMIT], False),
    ("no-commits", {ZHOU_MAIL}, [], False),
    ("no-address-known", set(), [AuthoredCommit("4" * 40, frozenset({""}))], False),
]


@pytest.mark.parametrize("addresses,commits,expected", [w[1:] for w in WROTE], ids=[w[0] for w in WROTE])
def test_wrote_part(addresses, commits, expected):
    assert wrote_part(addresses, commits) is expected


DESCRIBE_IGNORED = [
    (IgnoredReview("李老师", "wrote"), "en", "李老师's approval does not count: they wrote part of this change"),
    (IgnoredReview("李老师", "wrote"), "zh-CN", "李老师的批准不计入：其本人写了这项变更的一部分"),
    (IgnoredReview("wang", "self"), "en", "wang's approval does not count: it is their own change request"),
    (IgnoredReview("li", "stale"), "en", "li's approval does not count: it was given before the latest commits"),
    (IgnoredReview("li", "stale"), "zh-CN", "li的批准不计入：批准之后又有了新的提交"),
]


@pytest.mark.parametrize("ignored,lang,text", DESCRIBE_IGNORED,
                         ids=[f"{i.reason}-{lang}" for i, lang, _ in DESCRIBE_IGNORED])
def test_describe_ignored_says_why_an_approval_does_not_count(ignored, lang, text):
    assert describe_ignored(ignored, lang) == text
