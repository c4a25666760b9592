"""Checks on a change request's head: front matter, book.yml, standards alignment."""
from __future__ import annotations

from materials import OVERWRITE, Delete, Write
from review_library import (BOOK, CHECK_BODY, EDITOR, OLD_STD, STD, TEACHER, TEST_BODY, book_yml, chapter,
                            chapter_path, standard_yml)

from review.checks import CheckResult, Finding, register_check, registered_checks, run_check, run_checks


def branch_with(lib, changes, name="cr/1"):
    lib.create_branch(name, "main")
    return lib.commit(name, changes, TEACHER, "Edit", base=OVERWRITE).sha


def codes(result: CheckResult) -> list[str]:
    return [f.code for f in result.findings]


def test_a_clean_book_passes_both_checks(lib):
    results = run_checks(lib, BOOK, "main", "main", names=["front-matter", "alignment"])
    assert [(r.name, r.status, r.findings) for r in results] == [("front-matter", "passed", ()), ("alignment", "passed", ())]
    assert results[0].head == lib.resolve("main")


def test_broken_front_matter_fails_with_file_and_line(lib):
    text = "---\ntitle: 制动装置检查\nteacher: 王老师\n---\n" + CHECK_BODY
    head = branch_with(lib, [Write(chapter_path("01-check.md"), text)])
    result = run_check("front-matter", lib, BOOK, head)
    assert result.status == "failed"
    [finding] = result.findings
    assert (finding.path, finding.line, finding.code) == (chapter_path("01-check.md"), 3, "front_matter.invalid")
    assert finding.params["key"] == "teacher"


def test_chapter_without_title_and_broken_book_yml_are_both_reported(lib):
    head = branch_with(lib, [
        Write(chapter_path("02-test.md"), "---\nstandards: [L4.S.1.1.1]\n---\n" + TEST_BODY),
        Write(f"books/{BOOK}/book.yml", book_yml() + "colour: red\n"),
    ])
    result = run_check("front-matter", lib, BOOK, head)
    assert result.status == "failed"
    assert sorted((f.path, f.code) for f in result.findings) == [
        (f"books/{BOOK}/book.yml", "book.invalid"),
        (chapter_path("02-test.md"), "front_matter.invalid"),
    ]


def test_review_policy_naming_an_unknown_side_fails(lib):
    review = "review:\n  required: {school: 1, factory: 1}\n"
    head = branch_with(lib, [Write(f"books/{BOOK}/book.yml", book_yml(review=review))])
    result = run_check("front-matter", lib, BOOK, head)
    assert codes(result) == ["policy.unknown_side"]
    lines = book_yml(review=review).splitlines()
    assert lines[result.findings[0].line - 1] == "  required: {school: 1, factory: 1}"


def test_navigation_naming_a_missing_chapter_fails_and_unlisted_chapter_warns(lib):
    head = branch_with(lib, [Delete(chapter_path("02-test.md")),
                             Write(chapter_path("03-extra.md"), chapter("附录", "", "正文\n"))])
    result = run_check("front-matter", lib, BOOK, head)
    assert result.status == "failed"
    found = {(f.code, f.severity, f.params["chapter"]) for f in result.findings}
    assert found == {("book.missing_chapter", "error", "02-test.md"),
                     ("book.chapter_not_in_navigation", "warning", "03-extra.md")}


def test_unknown_item_key_fails_alignment_on_its_line(lib):
    text = "---\ntitle: 制动装置检查\nstandards:\n  - L5.S.1.1.1\n  - L5.S.9.9.9\n---\n" + CHECK_BODY
    head = branch_with(lib, [Write(chapter_path("01-check.md"), text)])
    result = run_check("alignment", lib, BOOK, head, "main")
    assert result.status == "failed"
    unknown = [f for f in result.findings if f.code == "standard.unknown_item"]
    assert [(f.path, f.line, f.params["key"]) for f in unknown] == [(chapter_path("01-check.md"), 5, "L5.S.9.9.9")]


def test_item_of_an_undeclared_standard_fails_alignment(lib):
    head = branch_with(lib, [Write(chapter_path("02-test.md"),
                                   chapter("五步闸试验", "L4.S.1.1.1, other-std@2020:X.1", TEST_BODY))])
    result = run_check("alignment", lib, BOOK, head)
    assert codes(result) == ["standard.undeclared"]
    assert result.findings[0].params["standard"] == "other-std@2020"


def test_declaring_a_standard_missing_from_the_library_fails(lib):
    head = branch_with(lib, [Write(f"books/{BOOK}/book.yml", book_yml(standards=f"{STD}, nowhere@2020"))])
    result = run_check("alignment", lib, BOOK, head)
    assert "standard.not_in_library" in codes(result)


def test_newly_declared_superseded_edition_fails_but_an_inherited_one_only_warns(lib):
    # The library gets the old 2019 edition, which 2026 supersedes.
    lib.commit("main", [
        Write(f"standards/{OLD_STD}.yml", standard_yml(OLD_STD, status="superseded")),
        Write(f"standards/{STD}.yml", standard_yml(STD, supersedes=OLD_STD)),
    ], EDITOR, "Add the 2019 edition", base=OVERWRITE)
    refs = f"{OLD_STD}:L5.S.1.1.1, {STD}:L4.S.1.1.1"
    head = branch_with(lib, [
        Write(f"books/{BOOK}/book.yml", book_yml(standards=f"{STD}, {OLD_STD}")),
        Write(chapter_path("01-check.md"), chapter("制动装置检查", f"{STD}:L5.S.1.1.1, {STD}:L5.K.1.1.1", CHECK_BODY)),
        Write(chapter_path("02-test.md"), chapter("五步闸试验", refs, TEST_BODY)),
    ])
    result = run_check("alignment", lib, BOOK, head, "main")
    [superseded] = [f for f in result.findings if f.code == "standard.superseded"]
    assert superseded.severity == "error" and result.status == "failed"
    assert superseded.params == {"standard": OLD_STD, "status": "superseded", "replaced_by": STD}
    assert superseded.line == 5

    # Once main declares it, later change requests are warned, not blocked.
    lib.merge("cr/1", "main", EDITOR, "Merge")
    lib.create_branch("cr/2", "main")
    later = lib.commit("cr/2", [Write(chapter_path("02-test.md"), chapter("五步闸试验", refs, TEST_BODY + "补充。\n"))],
                       TEACHER, "Edit", base=OVERWRITE).sha
    result = run_check("alignment", lib, BOOK, later, "main")
    assert result.status == "warning"
    assert [f.code for f in result.findings] == ["standard.superseded"]


def test_lowering_coverage_warns_and_lists_the_items_lost(lib):
    head = branch_with(lib, [Write(chapter_path("01-check.md"), chapter("制动装置检查", "L5.S.1.1.1", CHECK_BODY))])
    result = run_check("alignment", lib, BOOK, head, "main")
    assert result.status == "warning"
    [finding] = result.findings
    assert finding.code == "coverage.lowered"
    assert finding.path == chapter_path("01-check.md")
    assert finding.params["level"] == "L5"
    assert finding.params["lost"] == ["L5.K.1.1.1"]
    assert (finding.params["before"], finding.params["after"]) == (100.0, 50.0)


def test_deleting_a_chapter_warns_per_level_it_covered(lib):
    head = branch_with(lib, [
        Delete(chapter_path("02-test.md")),
        Write(f"books/{BOOK}/book.yml", book_yml().replace(", 02-test.md", "")),
    ])
    result = run_check("alignment", lib, BOOK, head, "main")
    assert [(f.code, f.params["level"], f.params["lost"]) for f in result.findings] == [
        ("coverage.lowered", "L4", ["L4.S.1.1.1"])]


def test_raising_coverage_is_silent(lib):
    head = branch_with(lib, [Write(chapter_path("02-test.md"), chapter("五步闸试验", "L4.S.1.1.1, L4.K.1.1.1", TEST_BODY))])
    assert run_check("alignment", lib, BOOK, head, "main").status == "passed"


def test_a_registered_check_runs_by_name_and_an_unknown_one_fails(lib):
    def build(ctx):
        return [Finding(f"books/{ctx.book}/book.yml", 1, "build.failed", {}, "mkdocs failed")]

    register_check("build-test-only", build)
    try:
        assert "build-test-only" in registered_checks()
        assert run_check("build-test-only", lib, BOOK, "main").status == "failed"
    finally:
        from review import checks
        checks._RUNNERS.pop("build-test-only")
    assert codes(run_check("nope", lib, BOOK, "main")) == ["check.unknown"]


def test_check_result_round_trips_through_plain_data(lib):
    head = branch_with(lib, [Write(chapter_path("01-check.md"), chapter("制动装置检查", "L5.S.1.1.1", CHECK_BODY))])
    result = run_check("alignment", lib, BOOK, head, "main")
    assert CheckResult.from_dict(result.to_dict()) == result
