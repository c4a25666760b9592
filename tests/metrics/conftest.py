"""Fixtures for the dashboard-figure tests: the constructed history of metrics_history.py."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from materials import Library, authorship, contributions  # noqa: E402
from metrics_history import build_history  # noqa: E402


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """(library, commit ids) of the constructed history, shared by a module's read-only tests."""
    authorship.clear_caches()
    contributions.clear_caches()
    path = tmp_path_factory.mktemp("metrics") / "library.git"
    ids = build_history(path)
    lib = Library(path)
    yield lib, ids
    lib.close()


@pytest.fixture
def fresh_history(tmp_path):
    """The same history in a library of the test's own, for tests that write."""
    authorship.clear_caches()
    contributions.clear_caches()
    ids = build_history(tmp_path / "library.git")
    lib = Library(tmp_path / "library.git")
    yield lib, ids
    lib.close()
