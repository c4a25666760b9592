"""Standards as other systems and spreadsheets read them: CASE 1.1 packages and downloads.

A standard's CASE 1.1 package is converted once per blob id (and base URL),
and the index of every CASE identifier once per set of blob ids, because
standard files are large and immutable per edition; the CASE REST service
and the downloads read from here.
"""
from __future__ import annotations
import json
import re
import threading
from typing import Any
from cachetools import LRUCache, cached
from flask import Response
from materials import MaterialsError
from materials.standards.case import CF_TYPES, identifier_key, to_case
from materials.standards.spreadsheet import CSV_ENCODING, standard_to_csv
from materials.standards.writing import dump_standard
from server.errors import UserError
from server.library import library
from server.standards.service import Entry


_CACHE_SIZE = 64
EXPORTS = {"case": ("json", "application/json"), "csv": ("csv", "text/csv"), "yaml": ("yml", "application/yaml")}
SAFE_FILENAME = re.compile(r"[^A-Za-z0-9.@-]+")


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda found, base_url: (found.blob, base_url or ""),
        lock=threading.Lock())
def case_package(found: Entry, base_url: str | None) -> dict:
    """The CASE 1.1 CFPackage of a standard, converted once per blob id (and base URL)."""
    assert found.standard is not None
    lib = library()
    try:
        changed = lib.log("main", found.path, limit=1)[0].authored_at
    except (MaterialsError, IndexError):
        changed = None
    return to_case(found.standard, base_url=base_url, changed_at=changed)


# where each kind of CASE object lives in a package, and the REST collection that serves it
_PLACES = (("CFItems", ("CFItems",)), ("CFAssociations", ("CFAssociations",)), ("CFRubrics", ("CFRubrics",))) + \
    tuple((name, ("CFDefinitions", name)) for name in CF_TYPES)


def objects_of(package: dict, cf_type: str) -> list[dict]:
    """The objects of one CASE collection (``CFItems``, ``CFSubjects``…) in a package."""
    if cf_type == "CFDocuments":
        return [package["CFDocument"]]
    place = dict(_PLACES)[cf_type]
    found: Any = package
    for step in place:
        found = found.get(step) if isinstance(found, dict) else None
    return [o for o in found or [] if isinstance(o, dict)]


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda found: tuple(e.blob for e in found), lock=threading.Lock())
def case_index(found: list[Entry]) -> dict[tuple[str, str], str]:
    """(CF collection, identifier) -> the id of the standard whose package holds it, for every standard,
    kept by the blob ids of the standards. The identifiers are the package's own: the publisher's where
    they were kept, else the derived UUIDv5. The first standard holding a shared definition serves it."""
    index: dict[tuple[str, str], str] = {}
    for e in found:
        if e.standard is None:
            continue
        package = to_case(e.standard)
        for cf_type in ("CFDocuments",) + tuple(name for name, _ in _PLACES):
            for obj in objects_of(package, cf_type):
                ident = obj.get("identifier")
                if isinstance(ident, str):
                    index.setdefault((cf_type, identifier_key(ident)), e.standard.id)
    return index


def download_name(standard_id: str, extension: str) -> str:
    return SAFE_FILENAME.sub("-", standard_id) + "." + extension


def export_response(std: Any, fmt: str, base_url: str, found: Entry | None = None) -> Response:
    """A download of the standard as CASE 1.1 JSON, CSV (UTF-8 with BOM, for Excel) or YAML."""
    if fmt not in EXPORTS:
        raise UserError("request.invalid", status=404, detail=f"format: {fmt}")
    extension, mimetype = EXPORTS[fmt]
    if fmt == "case":
        package = case_package(found, base_url) if found is not None else to_case(std, base_url=base_url)
        body: bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    elif fmt == "csv":
        body = standard_to_csv(std, "zh-CN" if std.language.startswith("zh") else "en").encode(CSV_ENCODING)
        mimetype += "; charset=utf-8"
    else:
        body = dump_standard(std).encode("utf-8")
        mimetype += "; charset=utf-8"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(std.id, extension)}"'
    return response
