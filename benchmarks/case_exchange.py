"""How long a big CASE package takes to import, save and export, against the 2 s import target.

A 4,300-item foreign CASE 1.1 package (the publisher's UUIDs and URIs, three
levels of hierarchy, every item with abbreviatedStatement, listEnumeration,
two education levels, one extra association per ten items), as an
OpenSALT-like system writes it. Prints the median of several runs of each
step of an import (the dry run ``check_case``; writing the standard file and
reading it back, as the server does before saving) and of an export
(``to_case``), and the whole import against its target.

    python3 benchmarks/case_exchange.py
"""
from __future__ import annotations

import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from materials.standards.case import check_case, to_case  # noqa: E402
from materials.standards.reading import parse_standard  # noqa: E402
from materials.standards.writing import dump_standard  # noqa: E402

ITEMS = 4300
RUNS = 5
IMPORT_TARGET_S = 2.0
T = "2024-05-01T00:00:00+00:00"


def big_package(n_items: int = ITEMS) -> dict:
    ns = uuid.UUID("0b8c6c1e-8a55-4b0e-9d7f-3a1c2b4d5e6f")
    doc = str(uuid.uuid5(ns, "doc"))
    items, assocs = [], []

    links = {doc: {"title": "基准职业技能标准", "identifier": doc, "uri": f"https://case.example.org/uri/{doc}"}}

    def add(code: str, kind: str, parent: str, seq: int) -> str:
        ident = str(uuid.uuid5(ns, code))
        links[ident] = {"title": code, "identifier": ident, "uri": f"https://case.example.org/uri/{ident}"}
        items.append({"identifier": ident, "uri": f"https://case.example.org/uri/{ident}", "fullStatement":
                      f"能完成第 {code} 项作业并判断结果", "humanCodingScheme": code, "CFItemType": kind,
                      "abbreviatedStatement": f"作业 {code}", "listEnumeration": str(seq),
                      "educationLevel": ["L4", "L3"], "language": "zh-CN", "lastChangeDateTime": T})
        aid = str(uuid.uuid5(ns, "a" + code))
        assocs.append({"identifier": aid, "uri": f"https://case.example.org/uri/{aid}", "associationType": "isChildOf",
                       "originNodeURI": links[ident], "destinationNodeURI": links[parent], "sequenceNumber": seq,
                       "lastChangeDateTime": T})
        return ident

    f = c = 0
    while len(items) < n_items:
        f += 1
        fid = add(f"{f}", "职业功能", doc, f)
        for c in range(1, 11):
            if len(items) >= n_items:
                break
            cid = add(f"{f}.{c}", "工作内容", fid, c)
            for s in range(1, 8):
                if len(items) >= n_items:
                    break
                add(f"{f}.{c}.{s}", "技能要求" if s % 2 else "相关知识要求", cid, s)
    for n in range(0, len(items) - 1, 10):
        aid = str(uuid.uuid5(ns, f"x{n}"))
        assocs.append({"identifier": aid, "uri": f"https://case.example.org/uri/{aid}", "associationType": "precedes",
                       "originNodeURI": links[items[n]["identifier"]],
                       "destinationNodeURI": links[items[n + 1]["identifier"]],
                       "lastChangeDateTime": T})
    return {"CFDocument": {"identifier": doc, "uri": f"https://case.example.org/uri/{doc}", "creator": "人社部",
                           "title": "基准职业技能标准", "lastChangeDateTime": T, "version": "2024", "language": "zh-CN",
                           "adoptionStatus": "Adopted"},
            "CFItems": items[:n_items], "CFAssociations": assocs}


def median_of(step, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    raw = json.dumps(big_package()).encode("utf-8")
    parse_s, data = median_of(lambda: json.loads(raw))
    check_s, report = median_of(lambda: check_case(json.loads(raw)))
    std = report.standard
    assert std is not None and len(std.items) == ITEMS, report.problems[:3]
    path = f"standards/{std.id}.yml"
    dump_s, text = median_of(lambda: dump_standard(std))
    read_s, back = median_of(lambda: parse_standard(text, path))
    assert back == std
    export_s, package = median_of(lambda: to_case(std, base_url="https://books.example.edu"))
    total = parse_s + check_s + dump_s + read_s
    print(f"CASE package of {ITEMS:,} items ({len(raw) / 1024:.0f} KiB, {len(data['CFAssociations']):,} associations), "
          f"median of {RUNS}:")
    print(f"  JSON {parse_s:.2f} s, dry run (check_case) {check_s:.2f} s, standard file written {dump_s:.2f} s "
          f"({len(text) / 1024:.0f} KiB) and read back {read_s:.2f} s")
    print(f"  import total {total:.2f} s; target {IMPORT_TARGET_S:.0f} s: {total / IMPORT_TARGET_S:.2f} of the budget "
          f"({'OK' if total <= IMPORT_TARGET_S else 'OVER'})")
    print(f"  export (to_case) {export_s:.2f} s, {len(package['CFItems']):,} items")


if __name__ == "__main__":
    main()
