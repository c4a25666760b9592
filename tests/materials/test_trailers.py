"""Commit trailers: who else wrote a commit and the author's side, read and written one way."""
from __future__ import annotations

import subprocess

from materials import Write
from materials.trailers import co_authored_by, person, trailer, trailer_values, trailers, with_trailers

from .conftest import CRAFTSMAN

INTRO = "books/loco/chapters/01-intro.md"


def test_trailers_are_the_key_value_lines_of_the_last_paragraph_only():
    message = "Apply a suggestion\n\nCo-authored-by: early <e@x>\n\nCo-authored-by: 李师傅 <li@example.com>\nJointbook-Side: school\n"
    assert trailers(message) == [("Co-authored-by", "李师傅 <li@example.com>"), ("Jointbook-Side", "school")]
    assert trailer_values(message, "co-authored-by") == ["李师傅 <li@example.com>"]


def test_trailer_keys_compare_without_case_and_a_missing_one_is_none():
    message = "Fix\n\njointbook-side: enterprise\n"
    assert trailer(message, "Jointbook-Side") == "enterprise"
    assert trailer(message, "Co-authored-by") is None
    assert trailer("Fix a typo: in chapter 2\n", "Jointbook-Side") is None


def test_a_person_trailer_gives_the_name_and_address():
    assert person("李师傅 <li@example.com>") == ("李师傅", "li@example.com")
    assert person("Only A Name") == ("Only A Name", "")
    assert person("<nobody@example.com>") is None


def test_a_written_co_author_line_is_one_line_with_an_address_git_reads(lib):
    line = co_authored_by("Li\nShifu <x>", "li@example.com\n")
    assert line == "Co-authored-by: Li Shifu x <li@example.com>"
    message = with_trailers("Apply a suggestion\n\n" + line, {"Jointbook-Side": "enterprise"})
    assert message.endswith(line + "\nJointbook-Side: enterprise\n")  # joins the existing block
    saved = lib.commit("main", [Write(INTRO, "---\ntitle: 概述\n---\n新\n")], CRAFTSMAN, message,
                       base=lib.resolve("main"))
    parsed = subprocess.run(["git", "--git-dir", str(lib.path), "log", "-1", "--format=%(trailers:key=Co-authored-by,valueonly)",
                             saved.sha], capture_output=True, text=True, check=True).stdout.strip()
    assert parsed == "Li Shifu x <li@example.com>"
    assert trailer(lib.objects.commit(saved.sha).message, "Jointbook-Side") == "enterprise"
