"""A release version is a number like 2026.1 or 1.2.0(-rc.1), never something git reads as a revision."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from build.errors import VersionInvalid
from build.publish import release, validate_version
from materials import Author, Library

BOOK = "locomotive-maintenance"
RELEASER = Author("主编 刘", "liu@college.example", "school")

GOOD = ["2026.1", "1.2.0", "1.0", "10.20.30", "1.2.0-rc.1", "2026.1-beta.2", "1.2-alpha.10"]
# git revisions (HEAD, branches, reflog, ancestry, ranges, abbreviated commits), paths and look-alikes
BAD = ["HEAD", "head", "main", "latest", "FETCH_HEAD", "@", "@{-1}", "HEAD~1", "1.0^", "1.0~2", "1.0..2.0",
       "1.0...2.0", "abcdef1", "1234567", "2026", "v1.0", "-1.0", "1.0/x", "../x", "1.0.", ".1", "1..2",
       "1.0-rc", "1.0-rc.x", "1.0-foo.1", "1.0-rc.1-rc.2", "1.0+build", "1.0 ", "１.０", "1.0\n", "1" * 50 + ".0"]


@pytest.mark.parametrize("version", GOOD)
def test_numbered_versions_are_accepted(version):
    assert validate_version(version) == version


@pytest.mark.parametrize("version", BAD)
def test_names_git_could_read_as_a_revision_are_not_versions(version):
    with pytest.raises(VersionInvalid) as refused:
        validate_version(version)
    assert refused.value.params["version"] == version


@pytest.fixture
def library(tmp_path, monkeypatch):
    Library.init(tmp_path / "instance" / "library.git", starter=True)
    monkeypatch.chdir(tmp_path)
    return Library(tmp_path / "instance" / "library.git")


def test_releasing_head_tags_nothing_and_publishes_nothing(library, tmp_path):
    with pytest.raises(VersionInvalid):
        release(library, BOOK, "HEAD", tmp_path / "sites", RELEASER)
    assert library.tags() == {}
    assert not (tmp_path / "sites" / BOOK / "HEAD").exists()


def test_the_release_command_refuses_head_with_a_clear_message(library, tmp_path):
    from server.cli import main

    result = CliRunner().invoke(main, ["--instance", "instance", "release", BOOK, "HEAD", "--library",
                                       "instance/library.git", "--sites", "instance/sites"])
    assert result.exit_code == 1
    assert "“HEAD” is not a valid version" in result.output and "2026.1" in result.output
    assert library.tags() == {}
