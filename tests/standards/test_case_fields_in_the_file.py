"""The CASE fields of a standard file are checked like every other field: a teacher's edit that breaks them
is refused at its line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from materials.standards.case import from_case
from materials.standards.errors import (StandardFieldType, StandardUnknownField, StandardValueInvalid,
                                        UnknownAssociationEnd)
from materials.standards.reading import parse_standard
from materials.standards.writing import dump_standard

FULL = json.loads((Path(__file__).parent / "packages" / "full_model.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def std():
    return from_case(FULL)


def parse(text: str, std):
    return parse_standard(text, f"standards/{std.id}.yml")


def test_an_association_to_a_removed_item_is_refused_at_its_line(std):
    text = dump_standard(std)
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines) if line.strip() == "origin: 13.S.A.1.1")
    lines[n] = lines[n].replace("13.S.A.1.1", "13.S.A.9.9")
    with pytest.raises(UnknownAssociationEnd) as info:
        parse("\n".join(lines) + "\n", std)
    assert info.value.line == n + 1 and info.value.params["key"] == "13.S.A.9.9"


def test_an_unknown_association_type_is_refused(std):
    text = dump_standard(std).replace("type: isPeerOf", "type: isCousinOf", 1)
    with pytest.raises(StandardValueInvalid) as info:
        parse(text, std)
    assert info.value.params["value"] == "isCousinOf"


def test_a_field_case_does_not_define_is_refused_in_an_items_case(std):
    text = dump_standard(std).replace("    abbreviatedStatement: Operate robots", "    colour: red", 1)
    with pytest.raises(StandardUnknownField) as info:
        parse(text, std)
    assert info.value.params["field"] == "colour"


def test_case_data_holds_plain_values_only(std):
    text = dump_standard(std).replace("    abbreviatedStatement: Operate robots",
                                      "    abbreviatedStatement: 2023-01-01 10:00:00", 1)
    assert parse(text, std).items[0].case["abbreviatedStatement"] == "2023-01-01 10:00:00"  # kept as text
    bad = dump_standard(std).replace("    abbreviatedStatement: Operate robots", "    abbreviatedStatement: .nan", 1)
    with pytest.raises(StandardFieldType):
        parse(bad, std)
