"""1EdTech CASE (Competencies and Academic Standards Exchange) packages.

``to_case`` writes a CASE 1.1 CFPackage (CFDocument, CFItems, CFAssociations
``isChildOf`` with ``sequenceNumber``, CFDefinitions.CFItemTypes) that any CASE
consumer can read; ``from_case`` reads CASE 1.0 and 1.1 packages back.

Identifiers are UUIDv5 derived from the standard id and the item keys under
one fixed namespace, so exporting the same standard twice gives the same
identifiers and other systems' alignments survive a re-export.

What CASE has no field for (item key, kind key, level key, the levels and
kinds lists, weights, supersession) travels in ``extensions.jointbook``; a
package we exported therefore comes back exactly equal. A foreign package
without those extensions gets its levels from ``educationLevel`` and its
kinds from ``CFItemType``.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

from ..errors import MaterialsError
from .standard import STANDARD_ID, Standard
from .validation import standard_from_data
from .writing import standard_to_data

__all__ = [
    "NAMESPACE", "MAX_IMPORT_BYTES", "EXTENSION",
    "to_case", "from_case", "load_case_bytes", "case_identifier",
    "CaseInvalid", "CaseTooLarge", "CaseNotJSON", "CaseFieldMissing", "CaseBadUUID",
    "CaseDuplicateIdentifier", "CaseDuplicateCode", "CaseCycle", "CaseUnknownNode",
]

NAMESPACE = uuid.UUID("b922b392-2766-46a3-b3f0-e126bcc99a9a")  # never change: identifiers derive from it
MAX_IMPORT_BYTES = 20 * 1024 * 1024
EXTENSION = "jointbook"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SOURCE = "CASE package"

# CFItemType labels that name our four kinds of item (Chinese NOSS and common English)
_KNOWN_TYPES = {
    "职业功能": "F", "工作领域": "F", "function": "F", "occupational function": "F", "element": "C",
    "工作内容": "C", "工作任务": "C", "work content": "C", "task": "C",
    "技能要求": "S", "职业技能要求": "S", "skill": "S", "skills": "S", "performance criterion": "S",
    "相关知识要求": "K", "知识要求": "K", "knowledge": "K", "knowledge requirement": "K",
}


class CaseInvalid(MaterialsError):
    code = "case.invalid"


class CaseTooLarge(CaseInvalid):
    code = "case.too_large"


class CaseNotJSON(CaseInvalid):
    code = "case.not_json"


class CaseFieldMissing(CaseInvalid):
    code = "case.field_missing"


class CaseBadUUID(CaseInvalid):
    code = "case.bad_uuid"


class CaseDuplicateIdentifier(CaseInvalid):
    code = "case.duplicate_identifier"


class CaseDuplicateCode(CaseInvalid):
    code = "case.duplicate_code"


class CaseCycle(CaseInvalid):
    code = "case.cycle"


class CaseUnknownNode(CaseInvalid):
    """An ``isChildOf`` that points at something neither in the package nor its document."""

    code = "case.unknown_node"


# --------------------------------------------------------------------- export

def case_identifier(standard_id: str, key: str | None = None, *, what: str = "item") -> str:
    """The stable UUIDv5 of a standard (key None) or of one of its items / kinds / associations."""
    name = standard_id if key is None else f"{standard_id}#{what}#{key}"
    return str(uuid.uuid5(NAMESPACE, name))


def _timestamp(changed_at: datetime | str | None) -> str:
    if isinstance(changed_at, str):
        return changed_at
    moment = changed_at or datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_case(std: Standard, *, base_url: str | None = None, changed_at: datetime | str | None = None) -> dict:
    """The standard as a CASE 1.1 CFPackage (plain JSON-ready dict).

    ``base_url`` (e.g. ``https://books.example.edu``) makes every ``uri`` a
    resolvable ``…/ims/case/v1p1/<CFType>/<identifier>``; without it they are
    ``urn:uuid:`` URIs. ``changed_at`` sets ``lastChangeDateTime`` (now by default).
    """
    stamp = _timestamp(changed_at)

    def uri(kind: str, ident: str) -> str:
        if base_url:
            return f"{base_url.rstrip('/')}/ims/case/v1p1/{kind}/{ident}"
        return f"urn:uuid:{ident}"

    doc_id = case_identifier(std.id)
    top = standard_to_data(std)
    del top["items"]
    document: dict[str, Any] = {
        "identifier": doc_id,
        "uri": uri("CFDocuments", doc_id),
        "creator": std.issuer or std.title,
        "title": std.title,
        "lastChangeDateTime": stamp,
    }
    if std.source_url:
        document["officialSourceURL"] = std.source_url
    if std.issuer:
        document["publisher"] = std.issuer
    document.update(
        language=std.language,
        version=std.edition,
        adoptionStatus="Adopted" if std.status == "current" else "Deprecated",
        caseVersion="1.1",
    )
    if std.code:
        document["notes"] = f"{std.scheme} {std.code}"
    document["extensions"] = {EXTENSION: top}

    type_ids = {k: case_identifier(std.id, k, what="kind") for k in std.kinds}
    item_types = [{
        "identifier": type_ids[k],
        "uri": uri("CFItemTypes", type_ids[k]),
        "title": label,
        "description": label,
        "hierarchyCode": k,
        "typeCode": k,
        "lastChangeDateTime": stamp,
    } for k, label in std.kinds.items()]

    item_ids = {item.key: case_identifier(std.id, item.key) for item in std.items}
    items = []
    for item in std.items:
        ident = item_ids[item.key]
        row: dict[str, Any] = {"identifier": ident, "fullStatement": item.text}
        if item.code:
            row["humanCodingScheme"] = item.code
        row.update(
            CFItemType=std.kinds[item.kind],
            CFItemTypeURI={"title": std.kinds[item.kind], "identifier": type_ids[item.kind],
                           "uri": uri("CFItemTypes", type_ids[item.kind])},
            uri=uri("CFItems", ident),
            educationLevel=[item.level],
            language=std.language,
            lastChangeDateTime=stamp,
        )
        ext: dict[str, Any] = {"key": item.key, "kind": item.kind, "level": item.level}
        if item.replaced_by:
            ext["replaced_by"] = list(item.replaced_by)
        if item.equivalent is not None:
            ext["equivalent"] = item.equivalent
        row["extensions"] = {EXTENSION: ext}
        items.append(row)

    associations = []
    sequence: dict[str | None, int] = {}
    for item in std.items:
        n = sequence[item.parent] = sequence.get(item.parent, 0) + 1
        if item.parent is None:
            dest = {"title": std.title, "identifier": doc_id, "uri": uri("CFDocuments", doc_id)}
        else:
            pid = item_ids[item.parent]
            dest = {"title": std.by_key[item.parent].code or item.parent, "identifier": pid, "uri": uri("CFItems", pid)}
        ident = case_identifier(std.id, f"{item.key}>{item.parent or ''}", what="isChildOf")
        associations.append({
            "identifier": ident,
            "associationType": "isChildOf",
            "sequenceNumber": n,
            "uri": uri("CFAssociations", ident),
            "originNodeURI": {"title": item.code or item.key, "identifier": item_ids[item.key],
                              "uri": uri("CFItems", item_ids[item.key])},
            "destinationNodeURI": dest,
            "lastChangeDateTime": stamp,
        })

    return {
        "CFDocument": document,
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": item_types},
    }


# --------------------------------------------------------------------- import

def load_case_bytes(raw: bytes, *, standard_id: str | None = None) -> Standard:
    """Read an uploaded CASE JSON file; the size is checked before anything is parsed."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise CaseTooLarge(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB",
                           path=_SOURCE, limit=MAX_IMPORT_BYTES, size=len(raw))
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CaseNotJSON(f"the file is not JSON: {exc}", path=_SOURCE, problem=str(exc)) from None
    return from_case(data, standard_id=standard_id)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _need(obj: Any, field: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise CaseFieldMissing(f"{where} must be an object", path=_SOURCE, where=where, field="")
    value = obj.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CaseFieldMissing(f"{where} has no {field}", path=_SOURCE, where=where, field=field)
    return value


def _uuid(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _UUID.match(value):
        raise CaseBadUUID(f"{where}: {value!r} is not a UUID", path=_SOURCE, where=where, value=str(value)[:80])
    return value.lower()


def _text(value: Any, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise CaseFieldMissing(f"{where}: {field} must be text", path=_SOURCE, where=where, field=field)
    return value


def from_case(data: Any, *, standard_id: str | None = None) -> Standard:
    """A ``Standard`` from a CASE 1.0 or 1.1 CFPackage dict.

    The tree comes from ``isChildOf`` associations (ordered by
    ``sequenceNumber``); items that are children of the document are roots.
    ``standard_id`` names a foreign package (default ``case-<document uuid>@<version>``).
    Raises ``CaseInvalid`` subclasses for malformed packages and
    ``StandardInvalid`` subclasses if the result breaks a standard rule.
    """
    if not isinstance(data, dict):
        raise CaseFieldMissing("a CASE package is a JSON object", path=_SOURCE, where="package", field="CFDocument")
    doc = _need(data, "CFDocument", "package")
    doc_id = _uuid(_need(doc, "identifier", "CFDocument"), "CFDocument.identifier")
    _text(_need(doc, "title", "CFDocument"), "CFDocument", "title")
    raw_items = data.get("CFItems") or []
    raw_assocs = data.get("CFAssociations") or []
    if not isinstance(raw_items, list) or not isinstance(raw_assocs, list):
        raise CaseFieldMissing("CFItems and CFAssociations must be lists", path=_SOURCE, where="package", field="CFItems")

    items: dict[str, dict] = {}
    for n, raw in enumerate(raw_items):
        where = f"CFItems[{n}]"
        ident = _uuid(_need(raw, "identifier", where), f"{where}.identifier")
        _text(_need(raw, "fullStatement", where), where, "fullStatement")
        if ident in items or ident == doc_id:
            raise CaseDuplicateIdentifier(f"{where}: the identifier {ident} is used twice", path=_SOURCE,
                                          where=where, value=ident)
        items[ident] = raw

    parent, sequence = _tree(raw_assocs, items, doc_id)
    _check_cycles(parent, items)

    ours = (doc.get("extensions") or {}).get(EXTENSION) if isinstance(doc.get("extensions"), dict) else None
    if isinstance(ours, dict) and all(isinstance((i.get("extensions") or {}).get(EXTENSION), dict) for i in items.values()):
        return _from_our_package(ours, items, parent)
    return _from_foreign_package(data, doc, doc_id, items, parent, sequence, standard_id)


def _tree(raw_assocs: list, items: dict[str, dict], doc_id: str) -> tuple[dict[str, str | None], dict[str, float]]:
    """item -> parent item (None: child of the document) and item -> sequence number, from isChildOf."""
    best: dict[str, tuple[float, int, str | None]] = {}
    for n, raw in enumerate(raw_assocs):
        where = f"CFAssociations[{n}]"
        _uuid(_need(raw, "identifier", where), f"{where}.identifier")
        kind = _need(raw, "associationType", where)
        if kind != "isChildOf":
            continue
        origin = _uuid(_need(_need(raw, "originNodeURI", where), "identifier", f"{where}.originNodeURI"),
                       f"{where}.originNodeURI.identifier")
        dest = _uuid(_need(_need(raw, "destinationNodeURI", where), "identifier", f"{where}.destinationNodeURI"),
                     f"{where}.destinationNodeURI.identifier")
        if origin not in items:
            raise CaseUnknownNode(f"{where}: the child {origin} is not an item of the package", path=_SOURCE,
                                  where=where, value=origin)
        if dest != doc_id and dest not in items:
            raise CaseUnknownNode(f"{where}: the parent {dest} is not in the package", path=_SOURCE,
                                  where=where, value=dest)
        seq = raw.get("sequenceNumber")
        order = float(seq) if isinstance(seq, (int, float)) and not isinstance(seq, bool) else float("inf")
        candidate = (order, n, None if dest == doc_id else dest)
        # one parent per item in our model: the association with the lowest sequence number wins
        if origin not in best or candidate[:2] < best[origin][:2]:
            best[origin] = candidate
    parent = {ident: (best[ident][2] if ident in best else None) for ident in items}
    sequence = {ident: best[ident][0] for ident in best}
    return parent, sequence


def _check_cycles(parent: dict[str, str | None], items: dict[str, dict]) -> None:
    done: set[str] = set()
    for start in items:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done:
            if node in on_path:
                loop = path[path.index(node):]
                codes = [str(items[i].get("humanCodingScheme") or i) for i in loop]
                raise CaseCycle(f"the items {' → '.join(codes)} are each other's parents (isChildOf cycle)",
                                path=_SOURCE, items=", ".join(codes))
            on_path.add(node)
            path.append(node)
            node = parent[node]
        done.update(path)


def _from_our_package(top: dict, items: dict[str, dict], parent: dict[str, str | None]) -> Standard:
    data = dict(top)
    keys = {ident: raw["extensions"][EXTENSION].get("key") for ident, raw in items.items()}
    rows = []
    for ident, raw in items.items():
        ext = raw["extensions"][EXTENSION]
        row: dict[str, Any] = {"key": ext.get("key")}
        if raw.get("humanCodingScheme"):
            row["code"] = raw["humanCodingScheme"]
        row.update(kind=ext.get("kind"), level=ext.get("level"))
        if parent[ident] is not None:
            row["parent"] = keys[parent[ident]]
        row["text"] = raw["fullStatement"]
        for extra in ("replaced_by", "equivalent"):
            if extra in ext:
                row[extra] = ext[extra]
        rows.append(row)
    data["items"] = rows
    return standard_from_data(data, _SOURCE)


def _slug(text: str, allowed: str = r"[^A-Za-z0-9.-]+") -> str:
    return re.sub(allowed, "-", text).strip("-.")


def _key_part(text: str) -> str:
    return re.sub(r"[\s:,\[\]{}#]+", "-", text).strip("-")


def _from_foreign_package(data: dict, doc: dict, doc_id: str, items: dict[str, dict],
                          parent: dict[str, str | None], sequence: dict[str, float],
                          standard_id: str | None) -> Standard:
    # document order: depth first, siblings by sequenceNumber, then by position in CFItems
    position = {ident: n for n, ident in enumerate(items)}
    children: dict[str | None, list[str]] = {}
    for ident in items:
        children.setdefault(parent[ident], []).append(ident)
    for kids in children.values():
        kids.sort(key=lambda i: (sequence.get(i, float("inf")), position[i]))
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
        level = next((str(e).strip() for e in edu or [] if str(e).strip()), None)
        if level is None:
            level = level_of.get(parent[ident] or "", "all")
        level_of[ident] = level
        if level not in levels:
            levels.append(level)

    keys: dict[str, str] = {}
    seen_codes: dict[tuple[str, str, str], str] = {}
    for ident in order:
        raw = items[ident]
        code = raw.get("humanCodingScheme")
        code = code.strip() if isinstance(code, str) else ""
        if code:
            triple = (level_of[ident], kind_of[ident], code)
            if triple in seen_codes:
                raise CaseDuplicateCode(f"the code {code} is used by two {kinds[kind_of[ident]]} items of level "
                                        f"{level_of[ident]}", path=_SOURCE, value=code, level=level_of[ident])
            seen_codes[triple] = ident
            keys[ident] = f"{_key_part(level_of[ident])}.{kind_of[ident]}.{_key_part(code)}"
        else:
            keys[ident] = ident

    version = doc.get("version") if isinstance(doc.get("version"), str) else ""
    changed = doc.get("lastChangeDateTime") if isinstance(doc.get("lastChangeDateTime"), str) else ""
    edition = _slug(version)[:40] or changed[:4] or "1"
    sid = standard_id or f"case-{doc_id}@{edition}"
    if standard_id and STANDARD_ID.match(standard_id):
        edition = standard_id.split("@", 1)[1]
    status = "superseded" if str(doc.get("adoptionStatus", "")).lower() == "deprecated" else "current"
    publisher = doc.get("publisher") or doc.get("creator") or ""
    out: dict[str, Any] = {
        "id": sid, "scheme": "custom", "title": doc["title"], "edition": edition, "status": status,
        "language": doc.get("language") if isinstance(doc.get("language"), str) and doc.get("language") else "und",
        "levels": [{"key": lv, "label": lv, "cumulative": False} for lv in levels] or
                  [{"key": "all", "label": "all", "cumulative": False}],
        "kinds": kinds or {"Item": "Item"},
        "items": [],
    }
    if isinstance(publisher, str) and publisher:
        out["issuer"] = publisher
    if isinstance(doc.get("officialSourceURL"), str) and doc["officialSourceURL"]:
        out["source_url"] = doc["officialSourceURL"]
    for ident in order:
        raw = items[ident]
        row: dict[str, Any] = {"key": keys[ident], "kind": kind_of[ident], "level": level_of[ident],
                               "text": raw["fullStatement"]}
        code = raw.get("humanCodingScheme")
        if isinstance(code, str) and code.strip():
            row["code"] = code.strip()
        if parent[ident] is not None:
            row["parent"] = keys[parent[ident]]
        out["items"].append(row)
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
