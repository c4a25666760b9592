"""1EdTech CASE (Competencies and Academic Standards Exchange) packages, in and out, faithfully.

``to_case`` writes a CASE 1.1 CFPackage; ``from_case`` reads CASE 1.0 and 1.1
packages; ``check_case`` is the dry run of an import: every problem at once,
each with its JSON path, and the standard it would save.

What a publisher wrote is kept: the identifiers and URIs of the document,
items, associations and item types (unique non-UUID identifiers included, as
OpenSALT accepts them), every association type in both directions, a second
parent, links into other frameworks (as references to nodes outside the
standard), CFSubjects, CFConcepts, CFLicenses, CFItemTypes,
CFAssociationGroupings, CFRubrics, every educationLevel, abbreviatedStatement,
listEnumeration, notes, adoptionStatus… They live in the standard's ``case``
fields in CASE's own names, so an export says them again unchanged.

What the platform writes itself gets stable UUIDv5 identifiers derived from
the standard id and the item keys under one fixed namespace, so exporting the
same standard twice gives the same identifiers. What CASE has no field for
(item key, kind and level keys, levels and kinds lists, weights, supersession)
travels in ``extensions.jointbook``, with the names of the CASE fields that
were kept, so import → export → import gives back an equal standard.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from ..errors import MaterialsError, StandardInvalid
from .report import ERROR, WARNING, ImportReport, Problem
from .standard import (ASSOCIATION_TYPES, CASE_ASSOCIATION_FIELDS, CASE_ITEM_FIELDS, EXT_ASSOCIATION_TYPE,
                       STANDARD_ID, Association, Item, NodeRef, Standard)
from .validation import standard_from_data
from .writing import standard_to_data

__all__ = [
    "NAMESPACE", "MAX_IMPORT_BYTES", "EXTENSION", "CF_TYPES",
    "to_case", "from_case", "check_case", "load_case_bytes", "parse_case_bytes", "case_identifier",
    "document_identifier", "identifier_key", "natural_key",
    "CaseInvalid", "CaseTooLarge", "CaseNotJSON", "CaseFieldMissing", "CaseBadUUID",
    "CaseDuplicateIdentifier", "CaseDuplicateCode", "CaseCycle", "CaseUnknownNode",
]

NAMESPACE = uuid.UUID("b922b392-2766-46a3-b3f0-e126bcc99a9a")  # never change: identifiers derive from it
MAX_IMPORT_BYTES = 20 * 1024 * 1024
EXTENSION = "jointbook"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SOURCE = "CASE package"
# the CASE definition lists (CFDefinitions) and the REST collection each is served under
CF_TYPES = ("CFItemTypes", "CFSubjects", "CFConcepts", "CFLicenses", "CFAssociationGroupings")

# CFItemType labels that name our four kinds of item (Chinese NOSS and common English)
_KNOWN_TYPES = {
    "职业功能": "F", "工作领域": "F", "function": "F", "occupational function": "F", "element": "C",
    "工作内容": "C", "工作任务": "C", "work content": "C", "task": "C",
    "技能要求": "S", "职业技能要求": "S", "skill": "S", "skills": "S", "performance criterion": "S",
    "相关知识要求": "K", "知识要求": "K", "knowledge": "K", "knowledge requirement": "K",
}
# CFDocument fields the standard holds in fields of its own
_DOCUMENT_MAPPED = ("title",)
# CFItem fields the item holds in fields of its own
_ITEM_MAPPED = ("fullStatement",)


class CaseInvalid(MaterialsError):
    """A package refused; ``problems`` lists every problem found, this one first."""

    code = "case.invalid"
    problems: list[Problem] = []


class CaseTooLarge(CaseInvalid):
    code = "case.too_large"


class CaseNotJSON(CaseInvalid):
    code = "case.not_json"


class CaseFieldMissing(CaseInvalid):
    code = "case.field_missing"


class CaseBadUUID(CaseInvalid):
    """An identifier that is not usable at all: not text. (Unique text is accepted, UUID or not.)"""

    code = "case.bad_identifier"


class CaseDuplicateIdentifier(CaseInvalid):
    code = "case.duplicate_identifier"


class CaseDuplicateCode(CaseInvalid):
    code = "case.duplicate_code"


class CaseCycle(CaseInvalid):
    code = "case.cycle"


class CaseUnknownNode(CaseInvalid):
    """An ``isChildOf`` whose child is not an item of the package."""

    code = "case.unknown_node"


_CLASSES = {cls.code: cls for cls in (CaseInvalid, CaseTooLarge, CaseNotJSON, CaseFieldMissing, CaseBadUUID,
                                      CaseDuplicateIdentifier, CaseDuplicateCode, CaseCycle, CaseUnknownNode)}


def natural_key(text: str) -> tuple:
    """Sort key that puts L1.2 before L1.10: digit runs compare as numbers (full-width digits too)."""
    parts = re.findall(r"\d+|\D+", text or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts)


# --------------------------------------------------------------------- export

def case_identifier(standard_id: str, key: str | None = None, *, what: str = "item") -> str:
    """The stable UUIDv5 of a standard (key None) or of one of its items / kinds / associations."""
    name = standard_id if key is None else f"{standard_id}#{what}#{key}"
    return str(uuid.uuid5(NAMESPACE, name))


def document_identifier(std: Standard) -> str:
    """The CFDocument identifier the standard is known by: its publisher's, or the derived one."""
    kept = (std.case.get("CFDocument") or {}).get("identifier")
    return kept if isinstance(kept, str) and kept else case_identifier(std.id)


def _timestamp(changed_at: datetime | str | None) -> str:
    if isinstance(changed_at, str):
        return changed_at
    moment = changed_at or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def uri_prefix(document_uri: Any, document_identifier: str) -> str | None:
    """``https://opensalt.example/uri/`` when the document's URI is that followed by its identifier."""
    if isinstance(document_uri, str) and document_uri.endswith(document_identifier) \
            and len(document_uri) > len(document_identifier):
        return document_uri[: -len(document_identifier)]
    return None


def _link(title: str, identifier: str, uri: str) -> dict:
    return {"title": title, "identifier": identifier, "uri": uri}


def _with_ours(kept: Any, ours: dict) -> dict:
    """A kept ``extensions`` object with ours beside the publisher's."""
    out = dict(kept) if isinstance(kept, dict) else {}
    out[EXTENSION] = ours
    return out


def _overlay(row: dict, kept: dict) -> None:
    """Kept association fields over the derived ones; a kept end only while it names the same node."""
    for name, value in kept.items():
        if name == "extensions":
            continue
        if name in ("originNodeURI", "destinationNodeURI") and not (
                isinstance(value, dict) and identifier_key(str(value.get("identifier"))) ==
                identifier_key(row[name]["identifier"])):
            continue
        row[name] = value


class _Export:
    """One standard as CASE: derived fields, then what the publisher gave laid over them."""

    def __init__(self, std: Standard, base_url: str | None, changed_at: datetime | str | None):
        self.std = std
        self.base = base_url.rstrip("/") if base_url else None
        self.kept_doc = dict(std.case.get("CFDocument") or {})
        stamp = self.kept_doc.get("lastChangeDateTime")
        self.stamp = stamp if isinstance(stamp, str) and stamp else _timestamp(changed_at)
        self.doc_id = document_identifier(std)
        self.doc_link = _link(std.title, self.doc_id, self.kept_doc.get("uri") or self.uri("CFDocuments", self.doc_id))
        self.item_ids = {i.key: i.case.get("identifier") or case_identifier(std.id, i.key) for i in std.items}
        self.prefix = uri_prefix(self.kept_doc.get("uri"), self.doc_id)
        self.item_uris = {i.key: i.case.get("uri") or self.kept_uri("CFItems", i.case.get("identifier"),
                                                                    self.item_ids[i.key]) for i in std.items}
        self.kind_types = self._kind_types()

    def kept_uri(self, cf_type: str, kept_identifier: Any, ident: str) -> str:
        """The URI of an object the publisher named: under the publisher's own prefix when its document's
        URI has one (https://opensalt.example/uri/<identifier>), else ours."""
        if isinstance(kept_identifier, str) and kept_identifier and self.prefix:
            return self.prefix + kept_identifier
        return self.uri(cf_type, ident)

    def uri(self, cf_type: str, ident: str) -> str:
        if self.base:
            return f"{self.base}/ims/case/v1p1/{cf_type}/{ident}"
        return f"urn:uuid:{ident}"

    def item_link(self, key: str) -> dict:
        item = self.std.by_key[key]
        return _link(item.code or key, self.item_ids[key], self.item_uris[key])

    def end_link(self, end: str | NodeRef) -> dict:
        if isinstance(end, str):
            return self.item_link(end)
        link = _link(end.title, end.identifier, end.uri)
        if end.target_type:
            link["targetType"] = end.target_type
        return link

    def _kept_types(self) -> list[dict]:
        defs = self.std.case.get("CFDefinitions") or {}
        return [t for t in defs.get("CFItemTypes") or [] if isinstance(t, dict)]

    def _kind_types(self) -> dict[str, dict]:
        """kind key -> its CFItemType link: a kept item type when the publisher gave one, else derived."""
        kept = {t.get("identifier"): t for t in self._kept_types()}
        by_title = {t.get("title"): t for t in self._kept_types()}
        out: dict[str, dict] = {}
        for item in self.std.items:
            link = item.case.get("CFItemTypeURI")
            if item.kind not in out and isinstance(link, dict) and link.get("identifier") in kept:
                out[item.kind] = dict(link)
        for kind, label in self.std.kinds.items():
            if kind in out:
                continue
            found = by_title.get(label)
            if found is not None:
                out[kind] = _link(label, found["identifier"], found.get("uri") or self.uri("CFItemTypes", found["identifier"]))
            else:
                ident = case_identifier(self.std.id, kind, what="kind")
                out[kind] = _link(label, ident, self.uri("CFItemTypes", ident))
        return out

    def document(self) -> dict:
        std = self.std
        top = standard_to_data(std)
        for name in ("items", "associations", "case"):
            top.pop(name, None)
        doc: dict[str, Any] = {
            "identifier": self.doc_id,
            "uri": self.doc_link["uri"],
            "creator": std.issuer or std.title,
            "title": std.title,
            "lastChangeDateTime": self.stamp,
        }
        if std.source_url:
            doc["officialSourceURL"] = std.source_url
        if std.issuer:
            doc["publisher"] = std.issuer
        doc.update(language=std.language, version=std.edition,
                   adoptionStatus="Adopted" if std.status == "current" else "Deprecated", caseVersion="1.1")
        if std.code:
            doc["notes"] = f"{std.scheme} {std.code}"
        kept = {k: v for k, v in self.kept_doc.items() if k != "extensions"}
        status = kept.get("adoptionStatus")
        if isinstance(status, str) and (status.lower() == "deprecated") != (std.status != "current"):
            kept.pop("adoptionStatus")  # the status was changed since: the standard's status wins
        doc.update(kept)
        ours = dict(top, case_fields=sorted(list(kept) + (["extensions"] if "extensions" in self.kept_doc else [])))
        doc["extensions"] = _with_ours(self.kept_doc.get("extensions"), ours)
        return doc

    def item(self, item: Item) -> dict:
        std = self.std
        ident = self.item_ids[item.key]
        row: dict[str, Any] = {"identifier": ident, "fullStatement": item.text}
        if item.code:
            row["humanCodingScheme"] = item.code
        row.update(
            CFItemType=std.kinds[item.kind],
            CFItemTypeURI=self.kind_types[item.kind],
            uri=self.item_uris[item.key],
            educationLevel=[item.level],
            language=std.language,
            lastChangeDateTime=self.stamp,
        )
        kept = {k: v for k, v in item.case.items() if k not in ("isChildOf", "extensions")}
        if isinstance(kept.get("humanCodingScheme"), str) and kept["humanCodingScheme"].strip() != item.code:
            kept.pop("humanCodingScheme")  # the code was edited since: the item's code wins
        levels = kept.get("educationLevel")
        if isinstance(levels, list) and item.level not in levels and any(str(e).strip() for e in levels):
            kept.pop("educationLevel")  # the level was edited since: the model's level wins
        row.update(kept)
        ext: dict[str, Any] = {"key": item.key, "kind": item.kind, "level": item.level}
        if item.replaced_by:
            ext["replaced_by"] = list(item.replaced_by)
        if item.equivalent is not None:
            ext["equivalent"] = item.equivalent
        names = sorted(list(kept) + (["extensions"] if "extensions" in item.case else []))
        if names:
            ext["case_fields"] = names
        if isinstance(item.case.get("isChildOf"), dict):
            ext["isChildOf_fields"] = sorted(item.case["isChildOf"])
        row["extensions"] = _with_ours(item.case.get("extensions"), ext)
        return row

    def tree(self, item: Item, n: int) -> dict | None:
        """The isChildOf of an item to its parent (or to the document for a root)."""
        kept = item.case.get("isChildOf")
        if not isinstance(kept, dict) and item.case.get("identifier"):
            return None  # imported without a parent in this package (e.g. a parent in another framework)
        kept = kept if isinstance(kept, dict) else {}
        ident = case_identifier(self.std.id, f"{item.key}>{item.parent or ''}", what="isChildOf")
        row: dict[str, Any] = {
            "identifier": ident,
            "associationType": "isChildOf",
            "sequenceNumber": n,
            "uri": self.kept_uri("CFAssociations", kept.get("identifier"), kept.get("identifier") or ident),
            "originNodeURI": self.item_link(item.key),
            "destinationNodeURI": self.doc_link if item.parent is None else self.item_link(item.parent),
            "lastChangeDateTime": self.stamp,
        }
        _overlay(row, kept)
        if "extensions" in kept:
            row["extensions"] = kept["extensions"]
        return row

    def association(self, a: Association) -> dict:
        origin, dest = self.end_link(a.origin), self.end_link(a.destination)
        ident = case_identifier(self.std.id, f"{a.type}:{origin['identifier']}>{dest['identifier']}",
                                what="association")
        kept = dict(a.case)
        row: dict[str, Any] = {
            "identifier": ident,
            "associationType": a.type,
            "uri": self.kept_uri("CFAssociations", kept.get("identifier"), kept.get("identifier") or ident),
            "originNodeURI": origin,
            "destinationNodeURI": dest,
            "lastChangeDateTime": self.stamp,
        }
        _overlay(row, kept)
        row["extensions"] = _with_ours(kept.get("extensions"), {"case_fields": sorted(kept)})
        return row

    def definitions(self) -> dict:
        kept = dict(self.std.case.get("CFDefinitions") or {})
        types = list(self._kept_types())
        known = {t.get("identifier") for t in types}
        for kind, label in self.std.kinds.items():
            link = self.kind_types[kind]
            if link["identifier"] in known:
                continue
            known.add(link["identifier"])
            types.append({"identifier": link["identifier"], "uri": link["uri"], "title": label,
                          "description": label, "hierarchyCode": kind, "typeCode": kind,
                          "lastChangeDateTime": self.stamp})
        kept["CFItemTypes"] = types
        return kept

    def package(self) -> dict:
        std = self.std
        associations = []
        sequence: dict[str | None, int] = {}
        for item in std.items:
            n = sequence[item.parent] = sequence.get(item.parent, 0) + 1
            row = self.tree(item, n)
            if row is not None:
                associations.append(row)
        associations.extend(self.association(a) for a in std.associations)
        out: dict[str, Any] = {
            "CFDocument": self.document(),
            "CFItems": [self.item(item) for item in std.items],
            "CFAssociations": associations,
            "CFDefinitions": self.definitions(),
        }
        if std.case.get("CFRubrics"):
            out["CFRubrics"] = std.case["CFRubrics"]
        if std.case.get("extensions"):
            out["extensions"] = std.case["extensions"]
        return out


def to_case(std: Standard, *, base_url: str | None = None, changed_at: datetime | str | None = None) -> dict:
    """The standard as a CASE 1.1 CFPackage (plain JSON-ready dict).

    ``base_url`` (e.g. ``https://books.example.edu``) makes every derived
    ``uri`` a resolvable ``…/ims/case/v1p1/<CFType>/<identifier>``; without it
    they are ``urn:uuid:`` URIs; kept URIs stay the publisher's. ``changed_at``
    sets ``lastChangeDateTime`` where the publisher gave none (now by default).
    """
    return _Export(std, base_url, changed_at).package()


# --------------------------------------------------------------------- import

class _Reader:
    """Walks a package once, collecting every problem with its JSON path instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, where: str, code: str, message: str, severity: str = ERROR, **params: Any) -> None:
        self.problems.append(Problem(where, code, message, severity, {"where": where, **params}))

    def warn(self, where: str, code: str, message: str, **params: Any) -> None:
        self.problem(where, code, message, WARNING, **params)

    @property
    def failed(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def identifier_key(value: str) -> str:
    """Identifiers compare as written, except that a UUID's hex digits compare in either case."""
    return value.lower() if _UUID.match(value) else value


def load_case_bytes(raw: bytes, *, standard_id: str | None = None) -> Standard:
    """Read an uploaded CASE JSON file; the size is checked before anything is parsed."""
    return from_case(parse_case_bytes(raw), standard_id=standard_id)


def parse_case_bytes(raw: bytes) -> Any:
    """The JSON of an uploaded CASE file, refused when too large (before parsing) or not JSON."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise CaseTooLarge(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB",
                           path=_SOURCE, limit=MAX_IMPORT_BYTES, size=len(raw))
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CaseNotJSON(f"the file is not JSON: {exc}", path=_SOURCE, problem=str(exc)) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def from_case(data: Any, *, standard_id: str | None = None) -> Standard:
    """A ``Standard`` from a CASE 1.0 or 1.1 CFPackage dict.

    Raises the ``CaseInvalid`` subclass of the first error, carrying every
    problem in ``problems``, or a ``StandardInvalid`` if the result breaks a
    standard rule. ``standard_id`` names a foreign package (default
    ``case-<document identifier>@<version>``, the same for the same document).
    """
    reader = _Reader()
    std = _read(data, reader, standard_id)
    if std is None or reader.failed:
        first = next(p for p in reader.problems if p.severity == ERROR)
        error = _CLASSES.get(first.code, CaseInvalid)(first.message, path=_SOURCE, **first.params)
        error.problems = list(reader.problems)
        raise error
    return std


def check_case(data: Any, *, standard_id: str | None = None) -> ImportReport:
    """The dry run of a CASE import: every problem with its JSON path, and the standard (None if refused)."""
    reader = _Reader()
    try:
        std = _read(data, reader, standard_id)
    except StandardInvalid as exc:
        reader.problem(str(exc.params.get("field") or "package"), exc.code, exc.message,
                       **{k: v for k, v in exc.params.items() if k != "where"})
        std = None
    return ImportReport(source=_SOURCE, standard=None if reader.failed else std, problems=reader.problems)


def _read(data: Any, r: _Reader, standard_id: str | None) -> Standard | None:
    if not isinstance(data, dict):
        r.problem("package", "case.field_missing", "a CASE package is a JSON object", field="CFDocument")
        return None
    doc = data.get("CFDocument")
    if not isinstance(doc, dict):
        r.problem("CFDocument", "case.field_missing", "the package has no CFDocument", field="CFDocument")
        return None
    doc_id = doc.get("identifier")
    if doc_id is not None and not isinstance(doc_id, str):
        r.problem("CFDocument.identifier", "case.bad_identifier", "the CFDocument's identifier must be text",
                  value=str(doc_id)[:80])
    elif not _is_text(doc_id):
        r.problem("CFDocument.identifier", "case.field_missing", "the CFDocument has no identifier", field="identifier")
    if not _is_text(doc.get("title")):
        r.problem("CFDocument.title", "case.field_missing", "the CFDocument has no title", field="title")
    raw_items = data.get("CFItems") or []
    raw_assocs = data.get("CFAssociations") or []
    if not isinstance(raw_items, list):
        r.problem("CFItems", "case.field_missing", "CFItems must be a list", field="CFItems")
        raw_items = []
    if not isinstance(raw_assocs, list):
        r.problem("CFAssociations", "case.field_missing", "CFAssociations must be a list", field="CFAssociations")
        raw_assocs = []
    if r.failed:  # still report the items' and associations' problems
        _associations(raw_assocs, _items(raw_items, None, r), "", r)
        return None
    doc_key = identifier_key(doc_id)
    items = _items(raw_items, doc_key, r)
    ours = _our_extension(doc)
    if ours is not None and not all(isinstance(_our_extension(i), dict) for i in items.values()):
        ours = None
    # in a package exported here, an isChildOf carrying our extension is a second parent, never the tree
    tree, extra = _associations(raw_assocs, items, doc_key, r, tree_only_plain=ours is not None)
    parent = _parents(tree, items)
    _check_cycles(parent, items, r)
    if r.failed:
        return None
    if ours is not None:
        return _from_our_package(data, doc, ours, items, parent, tree, extra, r)
    return _from_foreign_package(data, doc, doc_key, items, parent, tree, extra, standard_id, r)


def _our_extension(obj: dict) -> dict | None:
    ext = obj.get("extensions")
    ours = ext.get(EXTENSION) if isinstance(ext, dict) else None
    return ours if isinstance(ours, dict) else None


_ITEM_NAMES = frozenset(CASE_ITEM_FIELDS + _ITEM_MAPPED + ("CFDocumentURI",)) - {"isChildOf"}
_ASSOCIATION_NAMES = frozenset(CASE_ASSOCIATION_FIELDS + ("associationType", "CFDocumentURI"))


def _unknown_fields(raw: dict, allowed: frozenset, where: str, r: _Reader) -> None:
    for name in raw:
        if name not in allowed:
            r.warn(f"{where}.{name}", "case.field_left_out", f"{where}: {name} is not a CASE 1.1 field; left out",
                   field=str(name)[:80])


def _items(raw_items: list, doc_key: str | None, r: _Reader) -> dict[str, dict]:
    """identifier (as looked up) -> the CFItem, in package order; bad items reported."""
    items: dict[str, dict] = {}
    for n, raw in enumerate(raw_items):
        where = f"CFItems[{n}]"
        if not isinstance(raw, dict):
            r.problem(where, "case.field_missing", f"{where} must be an object", field="")
            continue
        _unknown_fields(raw, _ITEM_NAMES, where, r)
        ident = raw.get("identifier")
        ok = True
        if ident is None or (isinstance(ident, str) and not ident.strip()):
            r.problem(f"{where}.identifier", "case.field_missing", f"{where} has no identifier", field="identifier")
            ok = False
        elif not isinstance(ident, str):
            r.problem(f"{where}.identifier", "case.bad_identifier", f"{where}: the identifier must be text",
                      value=str(ident)[:80])
            ok = False
        if not _is_text(raw.get("fullStatement")):
            r.problem(f"{where}.fullStatement", "case.field_missing", f"{where} has no fullStatement",
                      field="fullStatement")
            ok = False
        if not ok:
            continue
        key = identifier_key(ident)
        if key in items or key == doc_key:
            r.problem(f"{where}.identifier", "case.duplicate_identifier",
                      f"{where}: the identifier {ident} is used twice", value=ident)
            continue
        items[key] = raw
    return items


def _node(link: Any) -> str | None:
    if isinstance(link, dict) and _is_text(link.get("identifier")):
        return link["identifier"]
    return None


def _associations(raw_assocs: list, items: dict[str, dict], doc_key: str, r: _Reader,
                  tree_only_plain: bool = False) -> tuple[dict[str, list[tuple[float, int, str | None, dict]]], list[tuple[int, dict]]]:
    """isChildOf links inside the package (child -> candidate parents) and every other association.

    A malformed association is left out with a warning, never refusing the file:
    it carried nothing the standard could keep.
    """
    tree: dict[str, list[tuple[float, int, str | None, dict]]] = {}
    extra: list[tuple[int, dict]] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_assocs):
        where = f"CFAssociations[{n}]"
        if not isinstance(raw, dict):
            r.warn(where, "case.association_left_out", f"{where} is not an object; left out")
            continue
        ident = raw.get("identifier")
        if not _is_text(ident):
            r.warn(f"{where}.identifier", "case.association_left_out",
                   f"{where} has no usable identifier; left out", value=str(ident)[:80])
            continue
        if identifier_key(ident) in seen:
            r.warn(f"{where}.identifier", "case.association_left_out",
                   f"{where}: the identifier {ident} is used twice; the second is left out", value=ident)
            continue
        kind = raw.get("associationType")
        if not isinstance(kind, str) or (kind not in ASSOCIATION_TYPES and not EXT_ASSOCIATION_TYPE.match(kind)):
            r.warn(f"{where}.associationType", "case.association_left_out",
                   f"{where}: {str(kind)[:40]!r} is not a CASE association type; left out", value=str(kind)[:80])
            continue
        origin, dest = _node(raw.get("originNodeURI")), _node(raw.get("destinationNodeURI"))
        if origin is None or dest is None:
            side = "originNodeURI" if origin is None else "destinationNodeURI"
            r.warn(f"{where}.{side}", "case.association_left_out", f"{where}: {side} names no node; left out",
                   field=side)
            continue
        seen.add(identifier_key(ident))
        _unknown_fields(raw, _ASSOCIATION_NAMES, where, r)
        o, d = identifier_key(origin), identifier_key(dest)
        if kind == "isChildOf" and o in items and (d == doc_key or d in items) and o != d \
                and not (tree_only_plain and _our_extension(raw) is not None):
            seq = raw.get("sequenceNumber")
            order = float(seq) if isinstance(seq, (int, float)) and not isinstance(seq, bool) else float("inf")
            tree.setdefault(o, []).append((order, n, None if d == doc_key else d, raw))
        else:
            extra.append((n, raw))
    return tree, extra


def _parents(tree: dict[str, list[tuple[float, int, str | None, dict]]], items: dict[str, dict]) -> dict[str, str | None]:
    """One parent per item in the model: the isChildOf with the lowest sequenceNumber (then the first);
    the others stay as associations."""
    parent: dict[str, str | None] = {}
    for ident in items:
        candidates = sorted(tree.get(ident, []), key=lambda c: c[:2])
        parent[ident] = candidates[0][2] if candidates else None
    return parent


def _check_cycles(parent: dict[str, str | None], items: dict[str, dict], r: _Reader) -> None:
    done: set[str] = set()
    for start in items:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_path:
                loop = path[path.index(node):]
                codes = [str(items[i].get("humanCodingScheme") or i) for i in loop]
                r.problem("CFAssociations", "case.cycle",
                          f"the items {' → '.join(codes)} are each other's parents (isChildOf cycle)",
                          items=", ".join(codes))
                for i in loop:
                    parent[i] = None  # report the loop once
                break
            on_path.add(node)
            path.append(node)
            node = parent[node]
        done.update(path)


def _kept(raw: dict, allowed: tuple, skip: tuple, where: str, r: _Reader) -> dict:
    """The CASE fields of an object worth keeping; names CASE does not define are reported and left out."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name in skip:
            continue
        if name not in allowed:
            continue  # reported by _unknown_fields
        if name == "extensions":
            value = {k: v for k, v in value.items() if k != EXTENSION} if isinstance(value, dict) else value
            if value == {}:
                continue
        out[name] = value
    return out


def _same_link(kept: Any, derived: tuple[str, str, str]) -> bool:
    return isinstance(kept, dict) and set(kept) == {"title", "identifier", "uri"} and \
        (kept["title"], kept["identifier"], kept["uri"]) == derived


def _tree_case(raw: dict, where: str, r: _Reader) -> dict:
    return _kept(raw, CASE_ASSOCIATION_FIELDS, ("associationType", "CFDocumentURI"), where, r)


def _ref(link: dict) -> NodeRef:
    return NodeRef(str(link.get("identifier")), str(link.get("uri") or ""), str(link.get("title") or ""),
                   str(link.get("targetType") or ""))


def _extra_rows(extra: list[tuple[int, dict]], keys: dict[str, str], r: _Reader,
                case_of: Callable[[int, dict], dict]) -> list[dict]:
    """The associations besides the tree as rows of the standard file: ends inside are item keys."""
    rows = []
    for n, raw in extra:
        ends = []
        for side in ("originNodeURI", "destinationNodeURI"):
            link = raw[side]
            ident = identifier_key(link["identifier"])
            ends.append(keys[ident] if ident in keys else dict(
                (k, v) for k, v in (("identifier", link["identifier"]), ("uri", link.get("uri")),
                                    ("title", link.get("title")), ("targetType", link.get("targetType")))
                if isinstance(v, str) and (v or k == "identifier")))
        rows.append({"type": raw["associationType"], "origin": ends[0], "destination": ends[1],
                     "case": case_of(n, raw)})
    return rows


def _second_parents(tree: dict, parent: dict[str, str | None]) -> list[tuple[int, dict]]:
    """The isChildOf links that did not become the one parent."""
    out = []
    for ident, candidates in tree.items():
        chosen = min(candidates, key=lambda c: c[:2])
        out.extend((n, raw) for order, n, dest, raw in candidates if (order, n) != chosen[:2])
    return out


def _definitions(data: dict, r: _Reader) -> dict:
    """CFDefinitions, CFRubrics and the package's own extensions, as the publisher gave them."""
    out: dict[str, Any] = {}
    defs = data.get("CFDefinitions")
    if isinstance(defs, dict):
        kept = {}
        for name, value in defs.items():
            if name not in CF_TYPES and name != "extensions":
                r.warn(f"CFDefinitions.{name}", "case.field_left_out",
                       f"CFDefinitions.{name} is not a CASE 1.1 field; left out", field=name)
                continue
            if isinstance(value, list):
                good = []
                for n, entry in enumerate(value):
                    if isinstance(entry, dict) and _is_text(entry.get("identifier")):
                        good.append(entry)
                    else:
                        r.warn(f"CFDefinitions.{name}[{n}]", "case.definition_left_out",
                               f"CFDefinitions.{name}[{n}] has no identifier; left out")
                value = good
            if value not in ([], {}, None):
                kept[name] = value
        if kept:
            out["CFDefinitions"] = kept
    rubrics = data.get("CFRubrics")
    if isinstance(rubrics, list) and rubrics:
        out["CFRubrics"] = [x for x in rubrics if isinstance(x, dict)]
    if isinstance(data.get("extensions"), dict) and data["extensions"]:
        out["extensions"] = data["extensions"]
    return out


def _from_our_package(data: dict, doc: dict, top: dict, items: dict[str, dict], parent: dict[str, str | None],
                      tree: dict, extra: list[tuple[int, dict]], r: _Reader) -> Standard:
    """A package this platform exported: the extension gives keys, kinds, levels and which CASE fields were kept."""
    meta = dict(top)
    doc_names = meta.pop("case_fields", [])
    keys = {ident: str(_our_extension(raw).get("key")) for ident, raw in items.items()}
    rows = []
    for ident, raw in items.items():
        ext = _our_extension(raw)
        row: dict[str, Any] = {"key": ext.get("key")}
        if raw.get("humanCodingScheme"):
            row["code"] = raw["humanCodingScheme"]
        row.update(kind=ext.get("kind"), level=ext.get("level"))
        if parent[ident] is not None:
            row["parent"] = keys[parent[ident]]
        row["text"] = raw["fullStatement"]
        for name in ("replaced_by", "equivalent"):
            if name in ext:
                row[name] = ext[name]
        case = {n: raw[n] for n in ext.get("case_fields", []) if n in raw and n != "extensions"}
        if "extensions" in ext.get("case_fields", []):
            case["extensions"] = {k: v for k, v in raw.get("extensions", {}).items() if k != EXTENSION}
        if "isChildOf_fields" in ext:
            link = min(tree.get(ident, []), key=lambda c: c[:2], default=None)
            chosen = link[3] if link else {}
            case["isChildOf"] = {n: chosen[n] for n in ext["isChildOf_fields"] if n in chosen}
        if case:
            row["case"] = case
        rows.append(row)
    meta["items"] = rows

    def assoc_case(n: int, raw: dict) -> dict:
        ours = _our_extension(raw) or {}
        names = ours.get("case_fields", [])
        case = {k: raw[k] for k in names if k in raw and k != "extensions"}
        if "extensions" in names:
            case["extensions"] = {k: v for k, v in raw.get("extensions", {}).items() if k != EXTENSION}
        return case

    associations = _extra_rows(sorted(extra + _second_parents(tree, parent), key=lambda x: x[0]), keys, r, assoc_case)
    if associations:
        meta["associations"] = associations
    case: dict[str, Any] = {}
    kept_doc = {n: doc[n] for n in doc_names if n in doc and n != "extensions"}
    if "extensions" in doc_names:
        kept_doc["extensions"] = {k: v for k, v in doc.get("extensions", {}).items() if k != EXTENSION}
    if kept_doc:
        case["CFDocument"] = kept_doc
    defs = _definitions(data, r)
    derived_types = {case_identifier(str(meta.get("id")), k, what="kind") for k in meta.get("kinds") or {}}
    kept_types = [t for t in (defs.get("CFDefinitions") or {}).get("CFItemTypes", [])
                  if t.get("identifier") not in derived_types]
    if "CFDefinitions" in defs:
        defs["CFDefinitions"] = {k: v for k, v in defs["CFDefinitions"].items() if k != "CFItemTypes"}
        if kept_types:
            defs["CFDefinitions"]["CFItemTypes"] = kept_types
        if not defs["CFDefinitions"]:
            del defs["CFDefinitions"]
    case.update(defs)
    if case:
        meta["case"] = case
    return standard_from_data(meta, _SOURCE)


def _slug(text: str, allowed: str = r"[^A-Za-z0-9.-]+") -> str:
    """``2023 rev. 2`` -> ``2023-rev-2``: what an id may hold, one hyphen between words."""
    return re.sub(r"[.-]*-[.-]*", "-", re.sub(allowed, "-", text)).strip("-.")


def _key_part(text: str) -> str:
    return re.sub(r"[\s:,\[\]{}#]+", "-", text).strip("-")


def _sibling_key(raw: dict, seq: float, position: int) -> tuple:
    """sequenceNumber, else listEnumeration, else a natural sort of humanCodingScheme (as OpenSALT does)."""
    listed = raw.get("listEnumeration")
    listed = str(listed) if isinstance(listed, (str, int, float)) and not isinstance(listed, bool) else ""
    code = raw.get("humanCodingScheme") if isinstance(raw.get("humanCodingScheme"), str) else ""
    return (seq, (0, natural_key(listed)) if listed.strip() else (1, ()), natural_key(code), position)


def _from_foreign_package(data: dict, doc: dict, doc_key: str, items: dict[str, dict],
                          parent: dict[str, str | None], tree: dict, extra: list[tuple[int, dict]],
                          standard_id: str | None, r: _Reader) -> Standard | None:
    # document order: depth first, siblings by sequenceNumber / listEnumeration / code
    position = {ident: n for n, ident in enumerate(items)}
    sequence = {ident: min(c[:2] for c in tree[ident])[0] for ident in tree}
    children: dict[str | None, list[str]] = {}
    for ident in items:
        children.setdefault(parent[ident], []).append(ident)
    for kids in children.values():
        kids.sort(key=lambda i: _sibling_key(items[i], sequence.get(i, float("inf")), position[i]))
    order: list[str] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        ident = stack.pop()
        order.append(ident)
        stack.extend(reversed(children.get(ident, [])))

    kinds: dict[str, str] = {}
    type_codes = _type_codes(data)
    level_of: dict[str, str] = {}
    levels: list[str] = []
    kind_of: dict[str, str] = {}
    for ident in order:
        raw = items[ident]
        label = raw.get("CFItemType")
        label = label.strip() if isinstance(label, str) and label.strip() else "Item"
        type_uri = raw.get("CFItemTypeURI")
        kind = None
        if isinstance(type_uri, dict):
            kind = type_codes.get(str(type_uri.get("identifier", "")).lower())
        kind = kind or type_codes.get(label) or _KNOWN_TYPES.get(label.lower()) or _key_part(label) or "Item"
        kinds.setdefault(kind, label)
        kind_of[ident] = kind
        edu = raw.get("educationLevel")
        if isinstance(edu, str):
            edu = [edu]
        level = next((str(e).strip() for e in edu or [] if str(e).strip()), None) if isinstance(edu, list) else None
        if level is None:
            level = level_of.get(parent[ident] or "", "all")
        level_of[ident] = level
        if level not in levels:
            levels.append(level)

    keys: dict[str, str] = {}
    taken: set[str] = set()
    for ident in order:
        raw = items[ident]
        code = raw.get("humanCodingScheme")
        code = code.strip() if isinstance(code, str) else ""
        where = f"CFItems[{position[ident]}]"
        if code:
            key = f"{_key_part(level_of[ident])}.{kind_of[ident]}.{_key_part(code)}"
            if key in taken:
                r.warn(f"{where}.humanCodingScheme", "case.duplicate_code",
                       f"{where}: another {kinds[kind_of[ident]]} of level {level_of[ident]} has the code {code}; "
                       "its key carries its identifier", value=code, level=level_of[ident])
                key = f"{key}~{_key_part(raw['identifier'])}"
        else:
            key = _key_part(raw["identifier"]) or f"item-{position[ident]}"
        while key in taken:
            key += "~"
        taken.add(key)
        keys[ident] = key

    version = doc.get("version") if isinstance(doc.get("version"), str) else ""
    changed = doc.get("lastChangeDateTime") if isinstance(doc.get("lastChangeDateTime"), str) else ""
    edition = _slug(version)[:40] or changed[:4] or "1"
    slug = (_slug(doc["identifier"].lower(), r"[^a-z0-9.-]+") or "document")[:115]
    sid = standard_id or f"case-{slug}@{edition}"
    if standard_id and STANDARD_ID.match(standard_id):
        edition = standard_id.split("@", 1)[1]
    status = "superseded" if str(doc.get("adoptionStatus", "")).lower() == "deprecated" else "current"
    publisher = doc.get("publisher") or doc.get("creator") or ""
    out: dict[str, Any] = {
        "id": sid, "scheme": "custom", "title": doc["title"], "edition": edition, "status": status,
        "language": doc.get("language") if _is_text(doc.get("language")) else "und",
        "levels": [{"key": lv, "label": lv, "cumulative": False} for lv in levels] or
                  [{"key": "all", "label": "all", "cumulative": False}],
        "kinds": kinds or {"Item": "Item"},
        "items": [],
    }
    if isinstance(publisher, str) and publisher:
        out["issuer"] = publisher
    if _is_text(doc.get("officialSourceURL")):
        out["source_url"] = doc["officialSourceURL"]
    doc_uri = doc.get("uri") if isinstance(doc.get("uri"), str) else ""

    def link_of(ident: str | None) -> tuple[str, str, str]:
        """(title, identifier, uri) of the link the export will write to an item (None: the document)."""
        if ident is None:
            return (doc["title"], doc["identifier"], doc_uri)
        raw = items[ident]
        code = raw.get("humanCodingScheme")
        code = code.strip() if isinstance(code, str) else ""
        return (code or keys[ident], raw["identifier"], raw.get("uri") if isinstance(raw.get("uri"), str) else "")

    stamp = doc.get("lastChangeDateTime") if _is_text(doc.get("lastChangeDateTime")) else None
    prefix = uri_prefix(doc_uri, doc["identifier"])
    sibling = {kid: n for kids in children.values() for n, kid in enumerate(kids, 1)}
    kept_types = {t.get("identifier") for t in ((data.get("CFDefinitions") or {}).get("CFItemTypes") or [])
                  if isinstance(t, dict)} if isinstance(data.get("CFDefinitions"), dict) else set()
    first_type: dict[str, Any] = {}

    def compact(case: dict, derived_sequence: int | None = None) -> dict:
        """Leave out what the export writes again by itself: the document's timestamp, the URI under the
        publisher's prefix, the position among siblings."""
        if stamp is not None and case.get("lastChangeDateTime") == stamp:
            case.pop("lastChangeDateTime")
        if prefix and isinstance(case.get("identifier"), str) and case.get("uri") == prefix + case["identifier"]:
            case.pop("uri")
        if derived_sequence is not None and case.get("sequenceNumber") == derived_sequence \
                and not isinstance(case.get("sequenceNumber"), bool):
            case.pop("sequenceNumber")
        return case

    for ident in order:
        raw = items[ident]
        where = f"CFItems[{position[ident]}]"
        row: dict[str, Any] = {"key": keys[ident], "kind": kind_of[ident], "level": level_of[ident],
                               "text": raw["fullStatement"]}
        code = raw.get("humanCodingScheme")
        if isinstance(code, str) and code.strip():
            row["code"] = code.strip()
        if parent[ident] is not None:
            row["parent"] = keys[parent[ident]]
        case = _kept(raw, CASE_ITEM_FIELDS, _ITEM_MAPPED + ("CFDocumentURI", "isChildOf"), where, r)
        if case.get("humanCodingScheme") == row.get("code"):
            case.pop("humanCodingScheme", None)
        if case.get("CFItemType") == kinds[kind_of[ident]]:
            case.pop("CFItemType", None)
        if case.get("language") == out["language"]:
            case.pop("language")
        if case.get("educationLevel") == [level_of[ident]]:
            case.pop("educationLevel")
        link = case.get("CFItemTypeURI")
        if isinstance(link, dict) and link.get("identifier") in kept_types:
            # the export gives every item of a kind the type of its first item that names one
            if kind_of[ident] not in first_type:
                first_type[kind_of[ident]] = link
            elif first_type[kind_of[ident]] == link:
                case.pop("CFItemTypeURI")
        compact(case)
        if ident in tree:
            chosen = min(tree[ident], key=lambda c: c[:2])
            kept = _tree_case(chosen[3], f"CFAssociations[{chosen[1]}]", r)
            if _same_link(kept.get("originNodeURI"), link_of(ident)):
                kept.pop("originNodeURI")
            if _same_link(kept.get("destinationNodeURI"), link_of(parent[ident])):
                kept.pop("destinationNodeURI")
            case["isChildOf"] = compact(kept, sibling[ident])
        row["case"] = case
        out["items"].append(row)

    def assoc_case(n: int, raw: dict) -> dict:
        return compact(_kept(raw, CASE_ASSOCIATION_FIELDS, ("associationType", "CFDocumentURI"),
                             f"CFAssociations[{n}]", r))

    everything = sorted(extra + _second_parents(tree, parent), key=lambda x: x[0])
    associations = _extra_rows(everything, keys, r, assoc_case)
    ident_of = {key: ident for ident, key in keys.items()}
    for row in associations:
        for side, name in (("origin", "originNodeURI"), ("destination", "destinationNodeURI")):
            end = row[side]
            derived = link_of(ident_of[end]) if isinstance(end, str) else \
                (end.get("title", ""), end["identifier"], end.get("uri", ""))
            if _same_link(row["case"].get(name), derived):
                row["case"].pop(name)
    if associations:
        out["associations"] = associations
    same = {"language": out["language"], "officialSourceURL": out.get("source_url"), "version": edition,
            "publisher": out.get("issuer")}
    case: dict[str, Any] = {"CFDocument": {k: v for k, v in doc.items()
                                           if k not in _DOCUMENT_MAPPED + ("CFPackageURI",) and
                                           not (k in same and same[k] == v)}}
    ext = case["CFDocument"].get("extensions")
    if isinstance(ext, dict):
        ext = {k: v for k, v in ext.items() if k != EXTENSION}
        if ext:
            case["CFDocument"]["extensions"] = ext
        else:
            del case["CFDocument"]["extensions"]
    case.update(_definitions(data, r))
    out["case"] = case
    return standard_from_data(out, _SOURCE)


def _type_codes(data: dict) -> dict[str, str]:
    """CFDefinitions.CFItemTypes: identifier / title -> typeCode, when the publisher gave one."""
    out: dict[str, str] = {}
    defs = data.get("CFDefinitions")
    types = defs.get("CFItemTypes") if isinstance(defs, dict) else None
    for t in types if isinstance(types, list) else []:
        if not isinstance(t, dict):
            continue
        code = t.get("typeCode")
        if isinstance(code, str) and _key_part(code) == code and code:
            if isinstance(t.get("identifier"), str):
                out[t["identifier"].lower()] = code
            if isinstance(t.get("title"), str):
                out[t["title"].strip()] = code
    return out
