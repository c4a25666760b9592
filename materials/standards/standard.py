"""One edition of a qualification standard: its levels, kinds of item, items and weights.

Plain frozen data, as ``reading`` builds it from the YAML file; the other
modules of ``materials.standards`` read, write and exchange it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Mapping

from ..errors import UnknownStandardItem

SCHEMES = ("cn-noss", "cn-1x", "cn-pts", "au-uoc", "uk-nos", "esco", "custom")
STATUSES = ("current", "superseded", "withdrawn")

STANDARD_ID = re.compile(r"^[a-z0-9][a-z0-9.-]{0,119}@[A-Za-z0-9][A-Za-z0-9.-]{0,39}$")
# an item key is used in front matter lists and in "<standard-id>:<key>" refs
ITEM_KEY = re.compile(r"^[^\s:,\[\]{}#]{1,200}$")


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    cumulative: bool = False


@dataclass(frozen=True)
class Item:
    key: str
    code: str
    kind: str
    level: str
    parent: str | None
    text: str
    replaced_by: tuple[str, ...] = ()
    equivalent: bool | None = None


@dataclass(frozen=True)
class Weight:
    table: str
    level: str
    item: str
    percent: float


@dataclass(frozen=True)
class Supersession:
    id: str
    equivalent: bool = False


@dataclass(frozen=True)
class Standard:
    """One edition of a standard. Immutable: a new edition is a new file."""

    id: str
    scheme: str
    title: str
    edition: str
    status: str
    language: str
    levels: tuple[Level, ...]
    kinds: Mapping[str, str]
    items: tuple[Item, ...]
    code: str = ""
    supersedes: tuple[Supersession, ...] = ()
    issuer: str = ""
    source_url: str = ""
    weights: tuple[Weight, ...] = ()

    __hash__ = None  # kinds is a dict; compare standards, do not hash them

    @cached_property
    def by_key(self) -> dict[str, Item]:
        return {item.key: item for item in self.items}

    @cached_property
    def children(self) -> dict[str | None, list[str]]:
        """Parent key (None for roots) -> child keys, in file order."""
        out: dict[str | None, list[str]] = {}
        for item in self.items:
            out.setdefault(item.parent, []).append(item.key)
        return out

    @cached_property
    def level_keys(self) -> list[str]:
        return [lv.key for lv in self.levels]

    def item(self, key: str) -> Item:
        try:
            return self.by_key[key]
        except KeyError:
            raise UnknownStandardItem(f"{self.id} has no item {key}", standard=self.id, key=key) from None

    def levels_included(self, level: str) -> list[str]:
        """The level keys whose items count for ``level``: itself, plus all lower ones when cumulative."""
        index = self.level_keys.index(level)
        if self.levels[index].cumulative:
            return self.level_keys[: index + 1]
        return [level]
