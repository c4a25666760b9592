"""A small two-level standard whose coverage figures can be checked by hand."""
from __future__ import annotations

from pathlib import Path

import pytest

from materials.standards.reading import parse_standard

SMALL_ID = "cn-noss-6-23-01-03@2019"
SMALL_PATH = f"standards/{SMALL_ID}.yml"

# L5 (五级, cumulative): F.1 → C.1.1 → S.1.1.1, S.1.1.2, K.1.1.1
# L4 (四级, cumulative): F.2 → C.2.1 → S.2.1.1, K.2.1.1, K.2.1.2 ; F.3 → C.3.1 → S.3.1.1
SMALL_YAML = (Path(__file__).resolve().parents[1] / "small_standard.yml").read_text(encoding="utf-8")


@pytest.fixture
def small():
    return parse_standard(SMALL_YAML, SMALL_PATH)
