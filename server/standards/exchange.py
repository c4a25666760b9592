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
from materials.standards.case import case_identifier, to_case
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


@cached(LRUCache(maxsize=_CACHE_SIZE), key=lambda found: tuple(e.blob for e in found), lock=threading.Lock())
def case_index(found: list[Entry]) -> dict[str, tuple[str, str, str | None]]:
    """CASE identifier -> (CF type, standard id, item key / association key) for every standard,
    kept by the blob ids of the standards."""
    index: dict[str, tuple[str, str, str | None]] = {}
    for e in found:
        std = e.standard
        if std is None:
            continue
        index[case_identifier(std.id)] = ("CFDocuments", std.id, None)
        for item in std.items:
            index[case_identifier(std.id, item.key)] = ("CFItems", std.id, item.key)
            assoc = f"{item.key}>{item.parent or ''}"
            index[case_identifier(std.id, assoc, what="isChildOf")] = ("CFAssociations", std.id, assoc)
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
