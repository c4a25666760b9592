"""Property: any CASE package another system may write survives import → export → import, field for field."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from materials.standards.case import EXTENSION, check_case, from_case, to_case
from materials.standards.standard import ASSOCIATION_TYPES

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(str.strip)
IDENT = st.one_of(st.uuids().map(str), st.from_regex(r"\A[A-Za-z][A-Za-z0-9:/ ._-]{0,15}\Z"))
CODE = st.one_of(st.none(), st.from_regex(r"\A[A-Z]?[1-9][0-9]?(\.[1-9][0-9]?){0,2}\Z"))
STAMP = st.sampled_from(["2020-01-01T00:00:00+00:00", "2021-06-30T12:00:00Z"])
PREFIX = st.sampled_from(["https://case.example.org/uri/", "https://other.example.org/CFItems/", ""])


@st.composite
def packages(draw) -> dict:
    prefix = draw(PREFIX)
    idents = draw(st.lists(IDENT, min_size=2, max_size=9, unique_by=lambda s: s.lower()))
    doc_id, item_ids = idents[0], idents[1:]
    stamp = draw(STAMP)
    uri = lambda ident: prefix + ident if prefix else draw(st.sampled_from(["", f"urn:x:{ident}"]))  # noqa: E731
    doc = {"identifier": doc_id, "uri": prefix + doc_id, "creator": draw(TEXT), "title": draw(TEXT),
           "lastChangeDateTime": stamp}
    for name in ("version", "adoptionStatus", "notes", "description", "language"):
        if draw(st.booleans()):
            doc[name] = draw(st.sampled_from(["Draft", "2024", "en", "zh-CN"]) if name != "notes" else TEXT)
    types = [{"identifier": f"type-{n}", "uri": prefix + f"type-{n}", "title": title, "description": title,
              "hierarchyCode": str(n), "lastChangeDateTime": stamp, **({"typeCode": code} if code else {})}
             for n, (title, code) in enumerate([("Skill", "S"), ("Domain", None), ("Task", "T")])]
    items = []
    for ident in item_ids:
        row = {"identifier": ident, "fullStatement": draw(TEXT), "uri": uri(ident),
               "lastChangeDateTime": draw(st.sampled_from([stamp, "2019-09-09T09:09:09Z"]))}
        code = draw(CODE)
        if code:
            row["humanCodingScheme"] = code
        if draw(st.booleans()):
            row["CFItemType"] = draw(st.sampled_from(["Skill", "Knowledge", "Domain", "技能要求", "Item type"]))
        if draw(st.booleans()):
            t = draw(st.sampled_from(types))
            row["CFItemTypeURI"] = {"title": draw(st.sampled_from([t["title"], "other"])),
                                    "identifier": t["identifier"], "uri": t["uri"]}
        if draw(st.booleans()):
            row["extensions"] = {"example:n": draw(st.integers(0, 3))}
        for name, values in (("educationLevel", st.lists(st.sampled_from(["09", "10", "11", "PS"]), max_size=3)),
                             ("listEnumeration", st.sampled_from(["1", "2", "10", "b"])),
                             ("abbreviatedStatement", TEXT), ("notes", TEXT), ("alternativeLabel", TEXT),
                             ("conceptKeywords", st.lists(TEXT, max_size=2)), ("language", st.just("en"))):
            if draw(st.booleans()):
                row[name] = draw(values)
        items.append(row)
    nodes = [doc_id] + item_ids + ["elsewhere-1", "elsewhere-2"]
    assocs = []
    for n in range(draw(st.integers(0, 14))):
        origin = draw(st.sampled_from(item_ids + ["elsewhere-1"]))
        dest = draw(st.sampled_from(nodes))
        link = {"identifier": f"assoc-{n}", "associationType": draw(st.sampled_from(ASSOCIATION_TYPES + ("ext:x",))),
                "uri": prefix + f"assoc-{n}", "lastChangeDateTime": stamp,
                "originNodeURI": {"title": draw(TEXT), "identifier": origin, "uri": uri(origin)},
                "destinationNodeURI": {"title": draw(TEXT), "identifier": dest, "uri": uri(dest)}}
        if draw(st.booleans()):
            link["sequenceNumber"] = draw(st.integers(1, 6))
        if draw(st.booleans()):
            link["CFAssociationGroupingURI"] = {"title": "g", "identifier": "grp", "uri": prefix + "grp"}
        assocs.append(link)
    package = {"CFDocument": doc, "CFItems": items, "CFAssociations": assocs}
    if draw(st.booleans()):
        package["CFDefinitions"] = {"CFItemTypes": types}
    return package


def without_ours(value):
    return {k: v for k, v in value.items() if k != EXTENSION} if isinstance(value, dict) else value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packages())
def test_import_export_import_is_equal_and_keeps_every_field(package):
    report = check_case(json.loads(json.dumps(package)))
    if report.standard is None:  # an isChildOf loop: refused, and said so
        assert [p.code for p in report.errors] == ["case.cycle"]
        return
    std = report.standard
    exported = json.loads(json.dumps(to_case(std, base_url="https://books.example.edu")))
    assert from_case(exported) == std
    out_items = {i["identifier"]: i for i in exported["CFItems"]}
    for row in package["CFItems"]:
        got = out_items[row["identifier"]]
        for name, value in row.items():
            assert without_ours(got.get(name)) == value, (name, got.get(name), value)
    out_links = {a["identifier"]: a for a in exported["CFAssociations"]}
    for row in package["CFAssociations"]:
        got = out_links[row["identifier"]]
        for name, value in row.items():
            assert got.get(name) == value, (name, got.get(name), value)
    for name, value in package["CFDocument"].items():
        assert without_ours(exported["CFDocument"].get(name)) == value, name
    if "CFDefinitions" in package:
        kept = {t["identifier"]: t for t in exported["CFDefinitions"]["CFItemTypes"]}
        assert all(kept[t["identifier"]] == t for t in package["CFDefinitions"]["CFItemTypes"])
