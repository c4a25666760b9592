"""Property: any valid small standard survives YAML → CASE → YAML exactly."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from materials.standards.case import from_case, to_case
from materials.standards.reading import parse_standard
from materials.standards.standard import Item, Level, Standard, Supersession, Weight
from materials.standards.writing import dump_standard

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t "), min_size=1, max_size=30) \
    .filter(lambda s: s.strip())
CODE = st.one_of(st.just(""), st.from_regex(r"\A[1-9](\.[1-9]){0,3}\Z"))
KEY_PART = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,8}\Z")


@st.composite
def standards(draw) -> Standard:
    n_levels = draw(st.integers(1, 3))
    levels = tuple(Level(f"L{n}", draw(TEXT), draw(st.booleans())) for n in range(n_levels))
    kinds = {"F": draw(TEXT), "C": draw(TEXT), "S": draw(TEXT), "K": draw(TEXT)}
    items: list[Item] = []
    for n in range(draw(st.integers(0, 12))):
        parent = draw(st.one_of(st.none(), st.sampled_from([i.key for i in items]))) if items else None
        key = f"{draw(KEY_PART)}-{n}"
        items.append(Item(
            key=key, code=draw(CODE), kind=draw(st.sampled_from(list(kinds))),
            level=draw(st.sampled_from([lv.key for lv in levels])), parent=parent, text=draw(TEXT),
            replaced_by=tuple(draw(st.lists(KEY_PART, max_size=2))),
            equivalent=draw(st.sampled_from([None, True, False])),
        ))
    weights: list[Weight] = []
    if items and draw(st.booleans()):
        first = draw(st.integers(0, 100))
        weights = [Weight("skill", levels[0].key, items[0].key, first),
                   Weight("skill", levels[0].key, items[-1].key, 100 - first)]
    edition = draw(st.from_regex(r"\A[0-9]{4}\Z"))
    slug = draw(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}\Z"))
    return Standard(
        id=f"{slug}@{edition}",
        scheme=draw(st.sampled_from(["cn-noss", "cn-1x", "esco", "custom"])), title=draw(TEXT), edition=edition,
        status=draw(st.sampled_from(["current", "superseded", "withdrawn"])), language="zh-CN",
        levels=levels, kinds=kinds, items=tuple(items), code=draw(st.one_of(st.just(""), TEXT)),
        supersedes=tuple(Supersession(f"old-{i}@1990", draw(st.booleans())) for i in range(draw(st.integers(0, 2)))),
        issuer=draw(st.one_of(st.just(""), TEXT)), source_url=draw(st.one_of(st.just(""), st.just("https://x.example/s"))),
        weights=tuple(weights),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(standards())
def test_yaml_case_yaml_round_trip_is_exact(std):
    text = dump_standard(std)
    parsed = parse_standard(text, "generated.yml")
    assert parsed == std
    package = json.loads(json.dumps(to_case(parsed)))
    back = from_case(package)
    assert back == std
    assert dump_standard(back) == text
