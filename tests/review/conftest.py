"""Fixtures for review tests: a small real library (see review_library.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules (and the processes the race test starts) import the helpers by name.
sys.path.insert(0, str(Path(__file__).parent))

from review_library import make_library  # noqa: E402
from materials import Library  # noqa: E402


@pytest.fixture
def lib(library_path) -> Library:
    return make_library(library_path)
