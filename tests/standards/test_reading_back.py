"""An import reads back the file it is about to save in one pass of the parser; the text it writes is the form the
library has always written, and what the reader refuses stays refused."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from materials.errors import UnsafeYAML
from materials.standards.case import check_case
from materials.standards.errors import StandardUnsafeYAML
from materials.standards.reading import parse_standard
from materials.standards.writing import _represent_str, dump_standard, standard_to_data

PACKAGES = sorted((Path(__file__).parent / "packages").glob("*.json"))
STARTER = Path(__file__).resolve().parents[2] / "materials/starter/library/standards/sample-noss-locomotive-maintenance@2026.yml"


class _PlainDumper(yaml.SafeDumper):
    """PyYAML's own pure-Python dumper with the writer's string style: the form standard files have."""


_PlainDumper.add_representer(str, _represent_str)


def plain_dump(std) -> str:
    return yaml.dump(standard_to_data(std), Dumper=_PlainDumper, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=100)


def standards(small):
    yield small
    yield parse_standard(STARTER.read_text(encoding="utf-8"), f"standards/{STARTER.stem}.yml")
    for package in PACKAGES:
        report = check_case(json.loads(package.read_text(encoding="utf-8")))
        if report.standard is not None:
            yield report.standard


def test_the_text_written_is_byte_for_byte_the_plain_dumpers_and_reads_back_equal_in_one_pass(small):
    seen = 0
    for std in standards(small):
        text = dump_standard(std)
        assert text == plain_dump(std), std.id
        path = f"standards/{std.id}.yml"
        assert parse_standard(text, path, written_here=True) == parse_standard(text, path) == std
        seen += 1
    assert seen == 2 + len(PACKAGES)  # the small standard, the starter's, and the CASE package of the whole model


def test_reading_back_still_refuses_what_the_reader_refuses(small):
    deep: dict = {}
    node = deep
    for _ in range(45):
        node["x"] = {}
        node = node["x"]
    std = dataclasses.replace(small, case={"extensions": deep})
    text = dump_standard(std)
    for written_here in (False, True):
        with pytest.raises(StandardUnsafeYAML) as caught:
            parse_standard(text, "standards/cn-noss-6-23-01-03@2019.yml", written_here=written_here)
        assert caught.value.params.get("reason") == "too_deep" or "deeper" in caught.value.message
    aliased = dump_standard(small).replace("kinds:", "kinds: &k", 1) + "weights_again: *k\n"
    with pytest.raises((StandardUnsafeYAML, UnsafeYAML)):
        parse_standard(aliased, "standards/cn-noss-6-23-01-03@2019.yml", written_here=True)
