"""What the standards API takes and answers: the catalog, one standard, imports."""
from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from server.rest.schemas import Body, Query, StandardId
from server.standards.imports import IMPORT_FORMATS


def _from_base64(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("base64 text expected")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


# A file's bytes sent as base64 text: decoded on validation, so a sheet that is no base64 is a 422.
Base64File = Annotated[bytes, BeforeValidator(_from_base64),
                       WithJsonSchema({"type": "string", "contentEncoding": "base64"})]


class StandardSearch(Query):
    q: Annotated[str, Field(max_length=200)] | None = None


class ExportFormat(Query):
    format: Literal["case", "csv", "yaml"] = "case"


class StandardSummary(BaseModel):
    id: str
    title: str
    scheme: str
    code: str | None = None
    edition: str
    status: str
    issuer: str | None = None
    counts: dict[str, int]
    matched_items: list[dict[str, Any]] | None = None


class StandardList(BaseModel):
    standards: list[StandardSummary]
    broken: list[dict[str, Any]] | None = None


class Standard(BaseModel):
    standard: dict[str, Any]
    counts: dict[str, Any]
    editions: dict[str, Any]
    case_identifier: str


class StandardImport(Body):
    """A CASE package (``format`` case) or a filled CSV sheet (``format`` csv, as text or as base64 bytes)."""

    format: Literal[IMPORT_FORMATS]
    package: dict[str, Any] | None = Field(None, description="a CASE 1.0/1.1 CFPackage (format case)")
    csv: str | None = Field(None, description="the filled sheet as text (format csv)")
    csv_base64: Base64File | None = Field(None, description="the sheet's bytes, base64 (e.g. GBK from Excel)")
    meta: dict[str, Any] | None = Field(
        None, description="id, title, scheme, edition, status, language, ... (format csv)")
    standard_id: StandardId | None = Field(None, description="id for a foreign CASE package")
    direct: bool = Field(False, description="commit onto main (admins, where the book allows)")

    @model_validator(mode="after")
    def _the_format_s_content(self) -> StandardImport:
        if self.format == "case" and self.package is None:
            raise ValueError("package: a CASE package is required")
        if self.format == "csv" and self.csv is None and self.csv_base64 is None:
            raise ValueError("csv: a CSV sheet is required")
        return self

    @property
    def sheet(self) -> bytes:
        """The CSV sheet's bytes (format csv)."""
        return self.csv_base64 if self.csv_base64 is not None else (self.csv or "").encode("utf-8")


class ImportProblem(BaseModel):
    where: str = Field(description="the place to fix: a JSON path (CFItems[3].identifier), a sheet's row and column")
    code: str
    severity: Literal["error", "warning"]
    message: str = Field(description="in the asker's language where the code is known")


class ImportCheck(BaseModel):
    """The dry run of an import: nothing is saved."""

    ok: bool = Field(description="true when the import would be accepted")
    standard: str | None = None
    title: str | None = None
    problems: list[ImportProblem]
    created: list[str] = Field(description="item keys the import would create")
    changed: list[str] = Field(description="item keys whose content would change")
    unchanged: list[str] = Field(description="item keys left alone")
    removed: list[str] = Field(description="item keys of the version compared with that the file leaves out")
    replaces: str | None = Field(None, description="the standard compared with (same id, proposal, or superseded)")
