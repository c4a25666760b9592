"""Review and feedback figures on constructed records, against hand-computed values."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from review.metrics import (ChapterHelpfulness, CRRecord, Durations, FeedbackRecord, ReviewRecord, durations,
                            feedback_by_kind, feedback_figures, helpfulness_by_chapter, period_bounds,
                            review_figures, share_resolved, time_to_answer, time_to_first_review, time_to_merge)

H = timedelta(hours=1)
D = timedelta(days=1)
T0 = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)  # a Monday of the spring term

# Five change requests opened in March, one in August (outside the March period), one draft.
CRS = [
    CRRecord(1, "school", T0, merged_at=T0 + 2 * D, state="merged"),
    CRRecord(2, "enterprise", T0 + D, merged_at=T0 + D + 5 * D, state="merged"),
    CRRecord(3, "school", T0 + 2 * D, closed_at=T0 + 4 * D, state="closed"),
    CRRecord(4, "enterprise", T0 + 3 * D, merged_at=T0 + 3 * D + 12 * H, state="merged"),
    CRRecord(5, None, T0 + 4 * D, state="open"),  # no review yet
    CRRecord(6, "school", datetime(2026, 8, 3, tzinfo=timezone.utc), merged_at=datetime(2026, 8, 4, tzinfo=timezone.utc),
             state="merged"),
    CRRecord(7, "school", T0 + 5 * D, state="draft"),
]
# First reviews: #1 after 2 h, #2 after 10 h, #3 after 1 h, #4 after 4 h; #6 after 30 h (August).
REVIEWS = [
    ReviewRecord(1, "enterprise", "comment", T0 + 2 * H),
    ReviewRecord(1, "enterprise", "approve", T0 + 20 * H),
    ReviewRecord(1, "school", "approve", T0 + 30 * H),
    ReviewRecord(2, "school", "request_changes", T0 + D + 10 * H),
    ReviewRecord(2, "school", "approve", T0 + 3 * D),
    ReviewRecord(2, "enterprise", "approve", T0 + 4 * D),
    ReviewRecord(3, "enterprise", "request_changes", T0 + 2 * D + H),
    ReviewRecord(4, "school", "approve", T0 + 3 * D + 4 * H),
    ReviewRecord(4, "enterprise", "approve", T0 + 3 * D + 6 * H),
    ReviewRecord(6, "enterprise", "approve", datetime(2026, 8, 4, 6, tzinfo=timezone.utc)),
]
MARCH = (datetime(2026, 3, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc))


def test_time_to_first_review_median_and_p90_of_the_periods_change_requests():
    # March: waits 1 h, 2 h, 4 h, 10 h -> median (2 + 4) / 2 = 3 h; p90 rank ceil(3.6) = 4 -> 10 h.
    # #5 is still waiting; #7 is a draft and not in review; #6 is August.
    first, awaiting = time_to_first_review(CRS, REVIEWS, *MARCH)
    assert first == Durations(4, 3 * H, 10 * H)
    assert awaiting == 1
    # The whole history adds #6's 30 h: 1, 2, 4, 10, 30 -> median 4 h, p90 rank ceil(4.5) = 5 -> 30 h.
    assert time_to_first_review(CRS, REVIEWS)[0] == Durations(5, 4 * H, 30 * H)


def test_time_to_merge_counts_change_requests_merged_in_the_period():
    # March merges: #1 48 h, #2 120 h, #4 12 h -> median 48 h, p90 rank ceil(2.7) = 3 -> 120 h
    assert time_to_merge(CRS, *MARCH) == Durations(3, 48 * H, 120 * H)
    assert time_to_merge(CRS, *MARCH).median_hours == 48


def test_review_figures_by_side():
    figures = review_figures(CRS, REVIEWS, *MARCH)
    # opened in March: #1 school, #2 enterprise, #3 school, #4 enterprise, #5 no side, #7 school (a draft is opened too)
    assert figures.change_requests_by_side == {"school": 3, "enterprise": 2, "unknown": 1}
    # March reviews: enterprise 5 (comment, approve, approve, request_changes, approve), school 4
    assert figures.reviews_by_side == {"enterprise": 5, "school": 4}
    assert figures.approvals_by_side == {"enterprise": 3, "school": 3}
    assert figures.changes_requested_by_side == {"enterprise": 1, "school": 1}
    assert figures.awaiting_first_review == 1


def test_the_end_of_a_period_is_excluded_and_its_start_included():
    # A review exactly at #1's opening plus 2 h, with a period ending there, is left out.
    until = T0 + 2 * H
    assert review_figures(CRS, REVIEWS, T0, until).reviews_by_side == {}
    assert review_figures(CRS, REVIEWS, until, until + H).reviews_by_side == {"enterprise": 1}


def test_empty_periods_give_no_figure_rather_than_zero():
    empty = review_figures([], [], *MARCH)
    assert empty.time_to_first_review == Durations(0, None, None)
    assert empty.time_to_merge.median_hours is None
    assert feedback_figures([], *MARCH).share_resolved is None


def test_p90_is_the_nearest_rank():
    # ten values 1..10 h: rank ceil(9.0) = 9 -> 9 h; median (5 + 6) / 2 = 5.5 h
    assert durations([n * H for n in range(10, 0, -1)]) == Durations(10, 5.5 * H, 9 * H)
    assert durations([7 * H]) == Durations(1, 7 * H, 7 * H)


# -- feedback ---------------------------------------------------------------------------------------
F0 = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)
FEEDBACK = [
    FeedbackRecord("error", "01.md", F0, answered_at=F0 + 2 * H, state="accepted"),
    FeedbackRecord("question", "01.md", F0, answered_at=F0 + 6 * H, state="answered"),
    FeedbackRecord("question", "02.md", F0, answered_at=F0 + 30 * H, state="answered"),
    FeedbackRecord("question", "02.md", F0, state="new"),
    FeedbackRecord("suggestion", "02.md", F0, answered_at=F0 + 50 * H, state="declined"),
    FeedbackRecord("suggestion", None, F0, state="new"),
    FeedbackRecord("rating", "01.md", F0, rating=5),
    FeedbackRecord("rating", "01.md", F0, rating=2),
    FeedbackRecord("rating", "01.md", F0, helpful=True),
    FeedbackRecord("rating", "02.md", F0, helpful=False),
    FeedbackRecord("rating", "02.md", F0, rating=4),
    FeedbackRecord("question", "01.md", datetime(2026, 5, 1, tzinfo=timezone.utc), answered_at=datetime(
        2026, 5, 9, tzinfo=timezone.utc), state="answered"),  # outside March
]


def test_feedback_volume_by_kind_lists_every_kind():
    assert feedback_by_kind(FEEDBACK, *MARCH) == {"error": 1, "suggestion": 2, "question": 3, "rating": 5}
    assert feedback_by_kind([], *MARCH) == {"error": 0, "suggestion": 0, "question": 0, "rating": 0}


def test_median_time_to_answer_of_answered_items():
    # March answered: 2 h, 6 h, 30 h, 50 h -> median (6 + 30) / 2 = 18 h; p90 rank 4 -> 50 h
    assert time_to_answer(FEEDBACK, *MARCH) == Durations(4, 18 * H, 50 * H)


def test_share_resolved_leaves_ratings_out():
    # March answerable items: 6; resolved: accepted, answered, answered, declined -> 4 / 6
    assert share_resolved(FEEDBACK, *MARCH) == pytest.approx(200 / 3)


def test_helpfulness_per_chapter_counts_yes_votes_and_ratings_of_four_or_five():
    # 01.md: 5 (helpful), 2 (not), yes -> 3 votes, 2 helpful, mean rating (5 + 2) / 2 = 3.5 over 2 ratings
    # 02.md: no, 4 (helpful) -> 2 votes, 1 helpful, mean 4.0 over 1 rating
    rows = helpfulness_by_chapter(FEEDBACK, *MARCH)
    assert rows == [ChapterHelpfulness("01.md", 3, 2, 3.5, 2), ChapterHelpfulness("02.md", 2, 1, 4.0, 1)]
    assert rows[0].helpful_share == pytest.approx(200 / 3)
    assert rows[1].helpful_share == 50


def test_feedback_figures_bundle_the_same_numbers():
    figures = feedback_figures(FEEDBACK, *MARCH)
    assert figures.by_kind == feedback_by_kind(FEEDBACK, *MARCH)
    assert figures.time_to_answer == Durations(4, 18 * H, 50 * H)
    assert figures.share_resolved == pytest.approx(200 / 3)
    assert [r.chapter for r in figures.helpfulness] == ["01.md", "02.md"]


# -- periods ----------------------------------------------------------------------------------------
CST = timezone(timedelta(hours=8))


@pytest.mark.parametrize("kind, today, start, end", [
    ("term", date(2026, 4, 15), date(2026, 3, 1), date(2026, 9, 1)),      # spring term
    ("term", date(2026, 10, 8), date(2026, 9, 1), date(2027, 3, 1)),      # autumn term
    ("term", date(2027, 1, 20), date(2026, 9, 1), date(2027, 3, 1)),      # autumn term, after new year
    ("year", date(2026, 6, 30), date(2026, 1, 1), date(2027, 1, 1)),
    ("academic-year", date(2026, 6, 30), date(2025, 9, 1), date(2026, 9, 1)),
    ("academic-year", date(2026, 9, 1), date(2026, 9, 1), date(2027, 9, 1)),
])
def test_period_bounds(kind, today, start, end):
    since, until = period_bounds(kind, today, CST)
    assert since == datetime(start.year, start.month, start.day, tzinfo=CST)
    assert until == datetime(end.year, end.month, end.day, tzinfo=CST)


def test_custom_period_and_bad_kinds():
    assert period_bounds("custom", date(2026, 1, 1), since=date(2026, 2, 1), until=date(2026, 2, 8)) == (
        datetime(2026, 2, 1, tzinfo=timezone.utc), datetime(2026, 2, 8, tzinfo=timezone.utc))
    with pytest.raises(ValueError):
        period_bounds("custom", date(2026, 1, 1), since=date(2026, 2, 8), until=date(2026, 2, 1))
    with pytest.raises(ValueError):
        period_bounds("decade", date(2026, 1, 1))
