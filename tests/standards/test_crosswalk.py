"""Crosswalks between standards (书证融通): the file, a sheet of pairs, CASE, coverage and migration through them."""
from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest

from materials.coverage import coverage
from materials.standards.case import case_identifier, check_case, to_case
from materials.standards.crosswalk import (Crosswalk, CrosswalkInvalid, Match, dump_crosswalk, exact_mapping,
                                           matches_from_sheet, parse_crosswalk, with_crosswalks)
from materials.standards.editions import migration_proposal
from materials.standards.reading import parse_standard

from .conftest import SMALL_ID

CERT_ID = "cn-1x-brakes@2021"
CERT_YAML = f"""id: {CERT_ID}
scheme: cn-1x
title: 机车制动检修职业技能等级标准
edition: "2021"
status: current
language: zh-CN
levels:
  - {{key: P, label: 初级, cumulative: false}}
kinds: {{W: 工作领域, T: 工作任务, S: 职业技能要求}}
items:
  - {{key: P.1, code: "1", kind: W, level: P, text: 制动机检修}}
  - {{key: P.1.1, code: "1.1", kind: T, level: P, parent: P.1, text: 制动机试验}}
  - {{key: P.1.1.1, code: "1.1.1", kind: S, level: P, parent: P.1.1, text: 能完成五步闸试验}}
  - {{key: P.1.1.2, code: "1.1.2", kind: S, level: P, parent: P.1.1, text: 能检查走行部}}
  - {{key: P.1.1.3, code: "1.1.3", kind: S, level: P, parent: P.1.1, text: 能说明制动机原理}}
"""
CROSSWALK = Crosswalk(CERT_ID, SMALL_ID, "1+X 制动 ↔ 制修工", (
    Match("P.1.1.1", "L4.S.2.1.1", "exact"),
    Match("P.1.1.2", "L5.S.1.1.1", "partial"),
    Match("P.1.1.3", "L4.K.2.1.2", "related"),
))


@pytest.fixture
def cert():
    return parse_standard(CERT_YAML, f"standards/{CERT_ID}.yml")


def test_the_file_reads_back_equal_and_reads_as_written(small, cert):
    text = dump_crosswalk(CROSSWALK)
    assert text.startswith("title: 1+X 制动 ↔ 制修工\nsource: cn-1x-brakes@2021\n")
    assert "  kind: exact\n" in text or "kind: exact" in text
    assert parse_crosswalk(text, "crosswalks/x.yml", {CERT_ID: cert, SMALL_ID: small}) == CROSSWALK


def test_every_problem_of_a_file_is_reported_with_its_line(small, cert):
    text = (f"title: t\nsource: {CERT_ID}\ntarget: {SMALL_ID}\nmatches:\n"
            "  - {source: P.1.1.1, target: L4.S.9.9.9, kind: exact}\n"
            "  - {source: P.9, target: L4.S.2.1.1, kind: same}\n"
            "  - {source: P.1.1.1, target: L4.S.9.9.9, kind: exact}\n")
    with pytest.raises(CrosswalkInvalid) as caught:
        parse_crosswalk(text, "crosswalks/x.yml", {CERT_ID: cert, SMALL_ID: small})
    found = [(p.code, p.line, p.params.get("key") or p.params.get("detail")) for p in caught.value.problems]
    assert ("crosswalk.unknown_item", 5, "L4.S.9.9.9") in found
    assert ("crosswalk.unknown_item", 6, "P.9") in found
    assert ("crosswalk.kind", 6, "same") in found
    assert ("crosswalk.duplicate", 7, "P.1.1.1 → L4.S.9.9.9") in found


def test_unsafe_yaml_is_refused():
    with pytest.raises(CrosswalkInvalid):
        parse_crosswalk("title: !!python/object:os.system x\nsource: a@1\ntarget: b@1\n", "crosswalks/x.yml")


def test_a_sheet_of_pairs_by_code_or_key_with_chinese_kinds(small, cert):
    sheet = ("源条目,目标条目,关系\r\n１．１．１,L4.S.2.1.1,完全对应\r\nP.1.1.2,L5.S.1.1.1,部分对应\r\n"
             "1.1.3,L4.K.2.1.2,相关\r\n").encode("gb18030")
    matches, problems = matches_from_sheet(sheet, cert, small)
    assert problems == []
    assert tuple(matches) == CROSSWALK.matches


def test_a_workbook_of_pairs_reports_every_bad_row_and_column(small, cert):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (("source", "target", "kind"), ("1.1.1", "2.1.1", "exact"), ("9.9", "L4.S.2.1.1", "exact"),
                ("1.1.2", "L5.S.1.1.1", "maybe")):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    matches, problems = matches_from_sheet(out.getvalue(), cert, small)
    assert matches == []
    found = {(p.code, p.params["row"], p.params.get("cell")) for p in problems}
    # 2.1.1 is the code of a skill and of a knowledge item: ambiguous, not guessed
    assert found == {("crosswalk.ambiguous_item", 2, "B"), ("crosswalk.unknown_item", 3, "A"),
                     ("crosswalk.kind", 4, "C")}


def test_the_case_export_carries_the_matches_as_references_to_the_other_framework(small, cert):
    package = to_case(with_crosswalks(cert, [CROSSWALK], {SMALL_ID: small, CERT_ID: cert}))
    crossing = {a["associationType"]: a for a in package["CFAssociations"] if a["associationType"] != "isChildOf"}
    assert set(crossing) == {"exactMatchOf", "isPartOf", "isRelatedTo"}
    exact = crossing["exactMatchOf"]
    target_package = to_case(small)
    target_item = next(i for i in target_package["CFItems"] if i["humanCodingScheme"] == "2.1.1"
                       and i["CFItemType"] == "技能要求")
    assert exact["destinationNodeURI"]["identifier"] == target_item["identifier"] == case_identifier(SMALL_ID, "L4.S.2.1.1")
    assert exact["originNodeURI"]["identifier"] == case_identifier(CERT_ID, "P.1.1.1")
    # faithful: the package imports back into the same standard, the links kept as external references
    again = check_case(package).standard
    assert again is not None and again.items == with_crosswalks(cert, [CROSSWALK], {SMALL_ID: small}).items
    assert {a.type for a in again.associations} == {"exactMatchOf", "isPartOf", "isRelatedTo"}


def test_a_chapter_covers_the_exact_matches_of_what_it_names_marked_derived(small, cert):
    chapters = {"01-brake.md": [f"{SMALL_ID}:L4.S.2.1.1", f"{SMALL_ID}:L5.S.1.1.1"], "02-other.md": []}
    plain = coverage({SMALL_ID: small, CERT_ID: cert}, [SMALL_ID, CERT_ID], chapters)
    through = coverage({SMALL_ID: small, CERT_ID: cert}, [SMALL_ID, CERT_ID], chapters, [CROSSWALK])
    assert plain.standards[CERT_ID].levels[0].covered == 0
    level = through.standards[CERT_ID].levels[0]
    assert level.skills_covered == ["P.1.1.1"]  # the exact match only: partial and related never cover
    assert set(level.skills_missing) == {"P.1.1.2", "P.1.1.3"}
    derived = through.derived[(CERT_ID, "P.1.1.1")]["01-brake.md"]
    assert derived.crosswalk == CROSSWALK.id and derived.via == (SMALL_ID, "L4.S.2.1.1")
    assert through.by_item[(CERT_ID, "P.1.1.1")] == []  # no chapter names it itself
    # an exact match holds both ways
    back = coverage({SMALL_ID: small, CERT_ID: cert}, [SMALL_ID, CERT_ID], {"01.md": [f"{CERT_ID}:P.1.1.1"]},
                    [CROSSWALK])
    assert "L4.S.2.1.1" in back.standards[SMALL_ID].level("L4").skills_covered
    # a match naming an item the standard does not have derives nothing, and breaks nothing
    stale = Crosswalk(CERT_ID, SMALL_ID, "", (Match("P.9.9", "L4.S.2.1.1"), Match("P.1.1.1", "L9.S.9")))
    odd = coverage({SMALL_ID: small, CERT_ID: cert}, [SMALL_ID, CERT_ID], chapters, [stale])
    assert odd.derived == {} and odd.standards[CERT_ID].levels[0].covered == 0
    # a standard the book does not declare lends it nothing
    alone = coverage({SMALL_ID: small, CERT_ID: cert}, [CERT_ID], {"01.md": []}, [CROSSWALK])
    assert alone.derived == {}


def test_the_crosswalk_to_a_new_edition_drives_the_migration_proposal(small):
    new = dataclasses.replace(small, id="cn-noss-6-23-01-03@2024", edition="2024", items=tuple(
        dataclasses.replace(i, key=i.key.replace("L4.", "M4.")) if i.key.startswith("L4.") else i
        for i in small.items))
    walk = Crosswalk(small.id, new.id, "", (Match("L4.S.2.1.1", "M4.S.2.1.1", "exact"),
                                            Match("L4.K.2.1.1", "M4.K.2.1.2", "partial")))
    exact = exact_mapping([walk], small.id, new.id)
    assert exact == {"L4.S.2.1.1": ["M4.S.2.1.1"]}
    proposal = migration_proposal(small, new, exact)
    assert proposal["L4.S.2.1.1"] == ["M4.S.2.1.1"]
    assert proposal["L4.K.2.1.1"] == []  # a partial match is decided by hand
    assert migration_proposal(small, new)["L4.S.2.1.1"] == []  # without the crosswalk: nothing to go on
