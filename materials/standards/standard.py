"""One edition of a qualification standard: its levels, kinds of item, items and weights.

Plain frozen data, as ``reading`` builds it from the YAML file; the other
modules of ``materials.standards`` read, write and exchange it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from ..errors import UnknownStandardItem

SCHEMES = ("cn-noss", "cn-1x", "cn-pts", "au-uoc", "uk-nos", "esco", "custom")
STATUSES = ("current", "superseded", "withdrawn")
# CASE 1.1 association types; publishers may add their own as "ext:<name>"
ASSOCIATION_TYPES = ("isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo",
                     "replacedBy", "exemplar", "hasSkillLevel", "isTranslationOf")
EXT_ASSOCIATION_TYPE = re.compile(r"^ext:[A-Za-z0-9|._-]+$")
# the CASE names an item's, an association's and the standard's ``case`` may hold
CASE_ITEM_FIELDS = ("identifier", "uri", "humanCodingScheme", "CFItemType", "alternativeLabel", "listEnumeration",
                    "abbreviatedStatement", "conceptKeywords", "conceptKeywordsURI", "notes", "subject",
                    "subjectURI", "language", "educationLevel", "CFItemTypeURI", "licenseURI", "statusStartDate",
                    "statusEndDate", "lastChangeDateTime", "extensions", "isChildOf")
CASE_ASSOCIATION_FIELDS = ("identifier", "uri", "sequenceNumber", "originNodeURI", "destinationNodeURI",
                           "CFAssociationGroupingURI", "lastChangeDateTime", "notes", "extensions")
CASE_PACKAGE_PARTS = ("CFDocument", "CFDefinitions", "CFRubrics", "extensions")

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
    # what a CASE publisher said of the item that the fields above do not hold (identifier, uri,
    # abbreviatedStatement, listEnumeration, notes, every educationLevel…), in CASE's own names;
    # "isChildOf" holds the fields of the association to the parent. Empty for items written here.
    case: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class NodeRef:
    """A node outside this standard that an association points at (another framework's item)."""

    identifier: str
    uri: str = ""
    title: str = ""
    target_type: str = ""


@dataclass(frozen=True)
class Association:
    """A CASE association besides an item's one parent: exactMatchOf, precedes, isRelatedTo, exemplar,
    a second isChildOf, an ``ext:`` type… Its ends are item keys of this standard or ``NodeRef``s."""

    type: str
    origin: "str | NodeRef"
    destination: "str | NodeRef"
    # identifier, uri, sequenceNumber, CFAssociationGroupingURI, notes… as the publisher gave them
    case: Mapping[str, Any] = field(default_factory=dict, hash=False)


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
    associations: tuple[Association, ...] = ()
    # the CASE package's own data that the standard has no field for, in CASE's names and shape:
    # {"CFDocument": {identifier, uri, adoptionStatus, subject…}, "CFDefinitions": {CFSubjects,
    # CFConcepts, CFLicenses, CFItemTypes, CFAssociationGroupings}, "CFRubrics": […], "extensions": {…}}
    case: Mapping[str, Any] = field(default_factory=dict)

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
