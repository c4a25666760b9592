"""A state machine over create / commit / comment / review / check / update / merge / close.

Invariants, after every step: nothing merges unless the policy holds (checked
against an independent reading of the rules), nothing acknowledged is lost
(every saved line is on main or on its change request's branch until the CR
is closed), main moves only by merges, and inline comments either follow
their line or are outdated.
"""
from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from materials import EditConflict, Write
from review_library import BOOK, EDITOR, ENGINEER, TEACHER, chapter_path, make_library

from review.anchors import OUTDATED, Anchor, reanchor
from review.checks import run_check
from review.errors import IllegalTransition, PolicyNotSatisfied, ReviewError, StaleVerdict
from review.policy import Override, Review, ReviewPolicy, evaluate
from review.workflow import (close, commit_to, commit_to_main, facts, merge, open_change_request, reopen,
                             update_from_main)

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
CHAPTERS = [chapter_path("01-check.md"), chapter_path("02-test.md")]
# (account, side, maintainer, git author)
PEOPLE = {
    "wang": ("school", False, TEACHER),
    "li": ("school", False, TEACHER),
    "chen": ("enterprise", False, ENGINEER),
    "sun": ("enterprise", False, ENGINEER),
    "zhou": ("school", True, EDITOR),
}
AUTHORS = ["wang", "chen"]


def policy_holds(policy: ReviewPolicy, cr, reviews, overrides) -> bool:
    """The rules read independently of review.policy: the oracle for "may this merge?"."""
    last: dict[str, Review] = {}
    for r in sorted(reviews, key=lambda r: r.at):
        if r.verdict != "comment":
            last[r.reviewer] = r
    for name, r in last.items():
        if r.verdict == "request_changes" and not any(o.reviewer == name and o.at >= r.at for o in overrides):
            return False
    for side, count in policy.required.items():
        approvers = {n for n, r in last.items() if r.verdict == "approve" and r.reviewer_side == side
                     and r.head == cr.head and n != cr.author}
        if len(approvers) < count:
            return False
    return True


class ChangeRequestLife(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="jb-review-"))
        self.lib = make_library(self.dir / "library.git")
        self.main = self.lib.resolve("main")
        self.crs: dict[int, object] = {}
        self.branch_kept: dict[int, bool] = {}
        self.reviews: dict[int, list[Review]] = {}
        self.overrides: dict[int, list[Override]] = {}
        self.checks: dict[int, list] = {}
        self.comments: dict[int, list[tuple[Anchor, str]]] = {}  # anchor, text it was made on
        self.saved: list[tuple[int, str, str]] = []  # (cr number, path, unique line) acknowledged
        self.clock = 0
        self.counter = 0

    def teardown(self):
        self.lib.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(method=st.sampled_from(["merge", "squash"]), author=st.sampled_from(AUTHORS))
    def choose_policy_and_open_a_first_change_request(self, method, author):
        self.policy = ReviewPolicy.from_config({"merge_method": method, "checks": ["front-matter"]})
        self.create(author, False)

    def tick(self) -> datetime:
        self.clock += 1
        return T0 + timedelta(minutes=self.clock)

    def pick(self, data, states=None):
        numbers = sorted(n for n, cr in self.crs.items() if states is None or cr.state in states)
        return self.crs[data.draw(st.sampled_from(numbers))] if numbers else None

    # --- rules ------------------------------------------------------------------------
    @rule(author=st.sampled_from(AUTHORS), draft=st.sampled_from([False, False, True]))
    def create(self, author, draft):
        self.counter += 1
        side = PEOPLE[author][0]
        cr = open_change_request(self.lib, number=self.counter, book=BOOK, title=f"修改 {self.counter}",
                                 author=author, author_side=side, draft=draft)
        assert cr.head == self.main
        self.crs[cr.number] = cr
        for store in (self.reviews, self.overrides, self.checks, self.comments):
            store[cr.number] = []

    @rule(data=st.data(), which=st.sampled_from(CHAPTERS), where=st.integers(5, 30), stale=st.booleans())
    def commit(self, data, which, where, stale):
        self.save(self.pick(data), which, where, stale)

    def save(self, cr, which, where, stale):
        self.counter += 1
        token = f"第 {self.counter} 条修改。"
        author = PEOPLE[cr.author][2]
        if cr.state not in ("draft", "open"):
            try:
                commit_to(self.lib, cr, [Write(which, "x")], author, "late")
            except IllegalTransition:
                return
            raise AssertionError("committed to a finished change request")
        base = cr.base if stale else cr.head
        lines = self.lib.read(base, which).decode().splitlines(keepends=True)
        where = min(where, len(lines))
        text = "".join(lines[:where] + [token + "\n"] + lines[where:])
        before = self.lib.branch_head(cr.branch)
        try:
            new, saved = commit_to(self.lib, cr, [Write(which, text)], author, f"Save {self.counter}", base=base)
        except EditConflict:
            assert self.lib.branch_head(cr.branch) == before, "a refused save wrote something"
            return
        assert token in self.lib.read(saved.sha, which).decode()
        self.crs[cr.number] = new
        self.saved.append((cr.number, which, token))

    @rule(data=st.data(), which=st.sampled_from(CHAPTERS), line=st.integers(1, 30))
    def comment(self, data, which, line):
        cr = self.pick(data, ("draft", "open"))
        if cr is None:
            return
        text = self.lib.read(cr.head, which).decode()
        lines = text.splitlines()
        line = min(line, len(lines))
        self.comments[cr.number].append((Anchor(which, line, lines[line - 1], cr.head), text))

    @rule(data=st.data(), reviewer=st.sampled_from(sorted(PEOPLE)),
          verdict=st.sampled_from(["approve", "approve", "request_changes", "comment"]))
    def review(self, data, reviewer, verdict):
        cr = self.pick(data, ("open",))
        if cr is None:
            return
        side, maintainer, _ = PEOPLE[reviewer]
        self.reviews[cr.number].append(Review(reviewer, side, maintainer, verdict, cr.head, self.tick()))

    @rule(data=st.data())
    def override(self, data):
        cr = self.pick(data, ("open",))
        if cr is None:
            return
        blocking = evaluate(self.policy, facts(cr), self.reviews[cr.number], [], self.overrides[cr.number]).blocking
        for name in blocking:
            self.overrides[cr.number].append(Override(name, "zhou", True, self.tick(), "audited"))

    @rule(data=st.data())
    def check(self, data):
        cr = self.pick(data, ("draft", "open"))
        if cr is None:
            return
        result = run_check("front-matter", self.lib, BOOK, cr.head)
        assert result.status == "passed", result.findings
        self.checks[cr.number].append(result)

    @rule(data=st.data())
    def update(self, data):
        cr = self.pick(data, ("draft", "open"))
        if cr is None:
            return
        before = self.lib.branch_head(cr.branch)
        try:
            self.crs[cr.number] = update_from_main(self.lib, cr, PEOPLE[cr.author][2])
        except EditConflict:
            assert self.lib.branch_head(cr.branch) == before

    @rule(data=st.data(), merger=st.sampled_from(["chen", "zhou"]), which=st.sampled_from(CHAPTERS),
          where=st.integers(5, 30))
    def edit_approve_check_and_merge(self, data, merger, which, where):
        """The common path: the author edits, one reviewer per side approves, the check runs, someone merges."""
        cr = self.pick(data, ("open",))
        if cr is None:
            return
        self.save(cr, which, where, False)
        cr = self.crs[cr.number]
        for reviewer in ("li", "zhou", "chen", "sun"):
            side, maintainer, _ = PEOPLE[reviewer]
            if reviewer != cr.author:
                self.reviews[cr.number].append(Review(reviewer, side, maintainer, "approve", cr.head, self.tick()))
        self.checks[cr.number].append(run_check("front-matter", self.lib, BOOK, cr.head))
        self.try_merge(cr, merger)

    @rule(data=st.data(), merger=st.sampled_from(["chen", "zhou"]), edit_first=st.booleans(),
          which=st.sampled_from(CHAPTERS))
    def merge(self, data, merger, edit_first, which):
        """Whatever the reviews say so far: the merge goes through only if the policy holds."""
        cr = self.pick(data)
        if edit_first and cr.state in ("draft", "open"):
            self.save(cr, which, 8, False)
            cr = self.crs[cr.number]
        self.try_merge(cr, merger)

    def try_merge(self, cr, merger):
        verdict = evaluate(self.policy, facts(cr), self.reviews[cr.number], self.checks[cr.number],
                           self.overrides[cr.number])
        try:
            outcome = merge(self.lib, cr, self.policy, verdict, PEOPLE[merger][2])
        except (PolicyNotSatisfied, IllegalTransition, EditConflict) as exc:
            event(f"merge refused: {type(exc).__name__}")
            assert self.lib.resolve("main") == self.main
            return
        event("merged")
        assert cr.state == "open"
        assert policy_holds(self.policy, cr, self.reviews[cr.number], self.overrides[cr.number]), \
            "merged without the policy holding"
        assert any(c.head == cr.head and c.status == "passed" for c in self.checks[cr.number])
        new_main = outcome.change_request.merged_sha
        parents = self.lib.objects.commit(new_main).parents
        assert parents[0] == self.main and len(parents) == (1 if self.policy.merge_method == "squash" else 2)
        self.main = new_main
        self.crs[cr.number] = outcome.change_request
        self.branch_kept[cr.number] = not outcome.branch_deleted

    @rule(data=st.data())
    def merge_with_an_old_verdict(self, data):
        """A verdict computed for an earlier head never merges a later one."""
        cr = self.pick(data, ("open",))
        if cr is None or cr.head == cr.base:
            return
        old = facts(cr.__class__(**{**cr.__dict__, "head": cr.base}))
        verdict = evaluate(ReviewPolicy.from_config({"required": {}, "checks": []}), old, [], [], [])
        try:
            merge(self.lib, cr, self.policy, verdict, EDITOR)
        except StaleVerdict:
            return
        raise AssertionError("merged on a verdict for another head")

    @rule(data=st.data())
    def close_or_reopen(self, data):
        cr = self.pick(data)
        if cr.state in ("draft", "open"):
            self.crs[cr.number] = close(cr)
        elif cr.state == "closed":
            self.crs[cr.number] = reopen(self.lib, cr)
        else:
            try:
                close(cr)
            except IllegalTransition:
                return
            raise AssertionError("closed a merged change request")

    @rule()
    def direct_commit_to_main_is_refused(self):
        path = CHAPTERS[0]
        try:
            commit_to_main(self.lib, BOOK, self.policy, True, [Write(path, "x\n")], EDITOR, "Direct",
                           base=self.lib.resolve("main"))
        except ReviewError as exc:
            assert exc.code == "change_request.direct_commit_forbidden"
            return
        raise AssertionError("a direct commit reached main")

    # --- invariants -------------------------------------------------------------------
    @invariant()
    def main_moves_only_by_merges(self):
        assert self.lib.resolve("main") == self.main

    @invariant()
    def nothing_acknowledged_is_lost(self):
        main_text = {p: self.lib.read("main", p).decode() for p in CHAPTERS}
        for number, path, token in self.saved:
            cr = self.crs[number]
            if token in main_text[path]:
                continue
            assert cr.state in ("draft", "open", "closed"), f"merged #{number} lost {token}"
            if cr.state == "closed":
                continue
            assert token in self.lib.read(cr.branch, path).decode(), f"#{number} lost {token}"

    @invariant()
    def branches_exist_until_merged(self):
        branches = self.lib.branches()
        for number, cr in self.crs.items():
            if cr.state == "merged":
                assert (cr.branch in branches) == self.branch_kept[number]
            else:
                assert branches.get(cr.branch) == cr.head

    @invariant()
    def comments_follow_their_line_or_are_outdated(self):
        for number, anchors in self.comments.items():
            cr = self.crs[number]
            if cr.state not in ("draft", "open"):
                continue
            for anchor, text in anchors:
                new_text = self.lib.read(cr.head, anchor.path).decode()
                line = reanchor(anchor, text, new_text)
                if line is not OUTDATED:
                    assert new_text.splitlines()[line - 1] == anchor.text


ChangeRequestLife.TestCase.settings = settings(
    max_examples=25, stateful_step_count=15, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_change_request_life = ChangeRequestLife.TestCase
