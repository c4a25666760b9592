"""Signed textbook-review records: written once beside the release, never changed by a commit, merge or push."""
from __future__ import annotations

import os
import subprocess

import pytest

from materials import Delete, Rename, Write
from materials.review_records import (SignedRecordChanged, digest, dump, read_record, record_path, record_text,
                                      split_record, verify, write_record)

from .conftest import CRAFTSMAN, TEACHER

SIGNED = dump({"book": "loco", "version": "1.0", "conclusion": "passed", "opinion": "同意通过"})
PATH = "books/loco/reviews/1.0/1.yml"


def signed_record() -> str:
    return record_text(SIGNED, [{"account": "zhang", "name": "张专家", "signed_at": "2026-03-12T08:00:00Z",
                                 "sha256": digest(SIGNED)}])


@pytest.fixture
def recorded(lib):
    write_record(lib, "loco", "1.0", 1, signed_record(), TEACHER, "Record the review of 1.0")
    return lib


def test_a_record_is_written_beside_the_release_and_its_signatures_check(recorded):
    text = read_record(recorded, "loco", "1.0", 1)
    assert text == signed_record() and verify(text)
    signed, signatures = split_record(text)
    assert signed == SIGNED and signatures[0]["sha256"] == digest(SIGNED)
    assert record_path("loco", "1.0", 1) == PATH


def test_a_signature_of_other_text_does_not_verify():
    forged = record_text(SIGNED.replace("同意通过", "不予通过"),
                         [{"account": "zhang", "sha256": digest(SIGNED)}])
    assert not verify(forged)


@pytest.mark.parametrize("change", [Write(PATH, "conclusion: rejected\n"), Delete(PATH),
                                    Rename(PATH, "books/loco/reviews/1.0/2.yml")])
def test_no_commit_changes_deletes_or_moves_a_record(recorded, change):
    head = recorded.resolve("main")
    with pytest.raises(SignedRecordChanged):
        recorded.commit("main", [change], CRAFTSMAN, "Tidy the reviews", base=head)
    assert recorded.resolve("main") == head and recorded.read_text("main", PATH) == signed_record()


def test_writing_the_record_again_with_other_text_is_refused(recorded):
    with pytest.raises(SignedRecordChanged):
        write_record(recorded, "loco", "1.0", 1, signed_record().replace("张专家", "李专家"), TEACHER, "again")
    assert read_record(recorded, "loco", "1.0", 1) == signed_record()


def test_other_files_and_new_records_are_still_written(recorded):
    head = recorded.resolve("main")
    recorded.commit("main", [Write("books/loco/chapters/01-intro.md", "---\ntitle: 概述\n---\n新的\n")],
                    TEACHER, "Edit", base=head)
    write_record(recorded, "loco", "1.1", 1, signed_record(), TEACHER, "Record the review of 1.1")
    assert recorded.exists("main", "books/loco/reviews/1.1/1.yml")


def test_merging_a_branch_that_altered_a_record_is_refused(recorded, tmp_path):
    """A branch pushed with an altered record (git's hook lets a new branch in) cannot reach main by a merge."""
    work = clone(recorded, tmp_path)
    (work / PATH).write_text("conclusion: rejected\n")
    git(work, "commit", "-qam", "rewrite")
    git(work, "push", "-q", "origin", "HEAD:refs/heads/rewrite")
    head = recorded.resolve("main")
    with pytest.raises(SignedRecordChanged):
        recorded.merge("rewrite", "main", TEACHER, "Merge rewrite")
    assert recorded.resolve("main") == head


@pytest.mark.parametrize("how", ["edit", "delete"])
def test_a_push_to_main_that_alters_a_record_is_refused_by_the_library(recorded, tmp_path, how):
    work = clone(recorded, tmp_path)
    if how == "edit":
        (work / PATH).write_text("conclusion: rejected\n")
    else:
        git(work, "rm", "-q", PATH)
    git(work, "commit", "-qam", "rewrite the record")
    head = recorded.resolve("main")
    pushed = git(work, "push", "origin", "HEAD:main", check=False)
    assert pushed.returncode != 0 and "signed review record" in pushed.stderr
    assert recorded.resolve("main") == head


def test_a_push_that_leaves_records_alone_is_accepted(recorded, tmp_path):
    work = clone(recorded, tmp_path)
    (work / "books/loco/chapters/02-brake.md").write_text("---\ntitle: 制动机\n---\n改过\n")
    git(work, "commit", "-qam", "edit a chapter")
    assert git(work, "push", "-q", "origin", "HEAD:main", check=False).returncode == 0


def git(work, *args, check=True) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(work.parent), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_CONFIG_GLOBAL": "/dev/null", "LC_ALL": "C", "GIT_AUTHOR_NAME": "Someone",
           "GIT_AUTHOR_EMAIL": "someone@example.com", "GIT_COMMITTER_NAME": "Someone",
           "GIT_COMMITTER_EMAIL": "someone@example.com"}
    return subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, text=True, check=check)


def clone(lib, tmp_path):
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(lib.path), str(work))
    return work
