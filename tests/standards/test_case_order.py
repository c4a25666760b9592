"""Order of imported items: sequenceNumber, else listEnumeration, else a natural sort of the codes."""
from __future__ import annotations

import json

from materials.standards.case import from_case, natural_key, to_case

DOC = "doc-order"


def package(rows: list[dict], seqs: dict[str, int] | None = None) -> dict:
    """Items all children of the document, listed in the order given; ``seqs`` their sequence numbers."""
    seqs = seqs or {}
    assocs = []
    for row in rows:
        link = {"identifier": f"a-{row['identifier']}", "associationType": "isChildOf",
                "originNodeURI": {"title": "", "identifier": row["identifier"], "uri": ""},
                "destinationNodeURI": {"title": "", "identifier": DOC, "uri": ""}, "uri": "", "lastChangeDateTime": ""}
        if row["identifier"] in seqs:
            link["sequenceNumber"] = seqs[row["identifier"]]
        assocs.append(link)
    return {"CFDocument": {"identifier": DOC, "title": "Order", "uri": "", "creator": "x", "lastChangeDateTime": ""},
            "CFItems": [{"identifier": r["identifier"], "fullStatement": r["identifier"], "uri": "",
                         "lastChangeDateTime": "", **{k: v for k, v in r.items() if k != "identifier"}} for r in rows],
            "CFAssociations": assocs}


def codes(std) -> list[str]:
    return [i.code for i in std.items]


def test_without_sequence_numbers_codes_sort_naturally():
    rows = [{"identifier": c, "humanCodingScheme": c} for c in ["L1.1", "L1.10", "L1.19", "L1.2", "L1.9", "L2"]]
    assert codes(from_case(package(rows))) == ["L1.1", "L1.2", "L1.9", "L1.10", "L1.19", "L2"]


def test_list_enumeration_comes_before_the_codes():
    rows = [{"identifier": "x", "humanCodingScheme": "A", "listEnumeration": "3"},
            {"identifier": "y", "humanCodingScheme": "B", "listEnumeration": "10"},
            {"identifier": "z", "humanCodingScheme": "C", "listEnumeration": "2"}]
    assert codes(from_case(package(rows))) == ["C", "A", "B"]


def test_sequence_numbers_come_first():
    rows = [{"identifier": c, "humanCodingScheme": c, "listEnumeration": str(n)} for n, c in enumerate(["a", "b", "c"])]
    assert codes(from_case(package(rows, {"a": 3, "b": 1, "c": 2}))) == ["b", "c", "a"]


def test_full_width_digits_sort_as_numbers():
    assert sorted(["1．10", "1．2", "1．1"], key=natural_key) == ["1．1", "1．2", "1．10"]


def test_the_order_survives_the_export():
    rows = [{"identifier": c, "humanCodingScheme": c} for c in ["L1.10", "L1.2", "L1.1"]]
    std = from_case(package(rows))
    again = from_case(json.loads(json.dumps(to_case(std))))
    assert codes(again) == ["L1.1", "L1.2", "L1.10"] and again == std
