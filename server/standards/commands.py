"""``jointbook standards check`` and ``convert``: a standard file checked or converted without the library.

A maintainer checks a CASE package, a standard's YAML or a filled sheet (CSV
in any encoding Excel writes, or .xlsx) before importing it: the dry-run
report prints every problem at its place and what the file would create,
and the command fails when there is a problem. ``convert`` writes the same
standard as CASE 1.1 JSON, YAML or CSV, through the readers and writers an
import and an export use, so a conversion keeps what they keep. Neither
command opens the instance: no app, no database, no library.
"""


from __future__ import annotations
import json
import sys
from pathlib import Path
from typing import Any
import click
from materials import MaterialsError
from materials.standards.case import to_case
from materials.standards.reading import parse_standard
from materials.standards.report import ERROR, ImportReport, Problem
from materials.standards.spreadsheet import CSV_ENCODING, standard_to_csv
from materials.standards.standard import SCHEMES, STATUSES, Standard
from materials.standards.writing import dump_standard
from server.standards.imports import check_upload

FORMATS = ("case", "yaml", "csv")
SHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


def file_format(path: Path, given: str | None) -> str:
    """``case``, ``yaml`` or ``csv`` (any sheet): as given, else from the file name, else from the content."""
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "case"
    if suffix in (".yml", ".yaml"):
        return "yaml"
    if suffix in SHEET_SUFFIXES:
        return "csv"
    head = path.read_bytes()[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    return "case" if head.startswith(b"{") else "csv"


def sheet_meta(path: Path, standard_id: str | None, title: str | None, scheme: str, edition: str | None,
               status: str, language: str, levels: str | None) -> dict[str, Any]:
    """The fields a sheet does not hold, from the options (a placeholder id when only checking)."""
    sid = standard_id or f"sheet@{edition or '1'}"
    meta: dict[str, Any] = {"id": sid, "title": title or path.stem, "scheme": scheme,
                            "edition": edition or sid.rpartition("@")[2], "status": status, "language": language}
    if levels:
        cumulative = scheme in ("cn-noss", "cn-1x")
        parts = [p.strip().split(None, 1) for p in levels.replace("\n", ";").split(";") if p.strip()]
        meta["levels"] = [{"key": p[0], "label": p[-1], "cumulative": cumulative} for p in parts]
    return meta


def report_of(path: Path, fmt: str, meta: dict[str, Any], standard_id: str | None) -> ImportReport:
    """The dry run of one file, as an import would make it (without the library's own checks)."""
    raw = path.read_bytes()
    if fmt == "yaml":
        report = ImportReport(source="YAML")
        try:
            report.standard = parse_standard(raw, path.name)
        except MaterialsError as error:
            where = f"line {error.line}" if error.line else path.name
            report.problems.append(Problem(where, error.code, error.message, ERROR, dict(error.params)))
        return report
    return check_upload(fmt, raw, meta if fmt == "csv" else None, standard_id if fmt == "case" else None)


def print_report(report: ImportReport, out: Any = None) -> None:
    out = out or sys.stdout
    std = report.standard
    for p in report.problems:
        label = "problem" if p.severity == ERROR else "note"
        click.echo(f"{label}: {p.where}: {p.message} [{p.code}]", file=out)
    if std is None:
        errors = len(report.errors)
        click.echo(f"refused: {errors} problem{'s' if errors != 1 else ''}; nothing would be imported", file=out)
        return
    counts: dict[str, int] = {}
    for item in std.items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    kinds = ", ".join(f"{std.kinds.get(k, k)} {n}" for k, n in counts.items())
    click.echo(f"standard: {std.id} — {std.title} (edition {std.edition}, {std.scheme})", file=out)
    click.echo(f"levels: {', '.join(lv.key for lv in std.levels)}", file=out)
    click.echo(f"would create: {len(std.items)} items ({kinds})", file=out)


def write_as(std: Standard, fmt: str) -> bytes:
    if fmt == "case":
        return json.dumps(to_case(std), ensure_ascii=False, indent=2).encode("utf-8")
    if fmt == "yaml":
        text = dump_standard(std)
        if parse_standard(text, f"{std.id}.yml") != std:  # as an import refuses it: never a lossy file
            raise click.ClickException(f"{std.id} cannot be written as YAML without changing it")
        return text.encode("utf-8")
    return standard_to_csv(std, "zh-CN" if std.language.startswith("zh") else "en").encode(CSV_ENCODING)


def _sheet_options(command):
    options = [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="The file's format (default: from its name: .json CASE, .yml YAML, .csv/.tsv/.txt/.xlsx a sheet)."),
        click.option("--id", "standard_id", default=None,
                     help="The standard's id (slug@edition): a sheet's id, or a new id for a CASE package."),
        click.option("--title", default=None, help="A sheet's title (default: the file name)."),
        click.option("--scheme", type=click.Choice(SCHEMES), default="cn-noss", show_default=True),
        click.option("--edition", default=None, help="A sheet's edition (default: the part of --id after @)."),
        click.option("--status", type=click.Choice(STATUSES), default="current", show_default=True),
        click.option("--language", default="zh-CN", show_default=True),
        click.option("--levels", default=None,
                     help='A sheet\'s levels, lowest first: "L5 五级/初级工; L4 四级/中级工" (default: from the sheet).'),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group("standards")
def standards_group() -> None:
    """Check or convert standard files (CASE, YAML, CSV/XLSX) without touching the library."""


@standards_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_sheet_options
def check_command(file: Path, fmt: str | None, standard_id: str | None, title: str | None, scheme: str,
                  edition: str | None, status: str, language: str, levels: str | None) -> None:
    """Print the dry-run report of FILE: every problem at its place, and what an import would create.
    Exits with 1 when there is a problem."""
    kind = file_format(file, fmt)
    report = report_of(file, kind, sheet_meta(file, standard_id, title, scheme, edition, status, language, levels),
                       standard_id)
    print_report(report)
    if report.errors or report.standard is None:
        sys.exit(1)


@standards_group.command("convert")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", type=click.Choice(FORMATS), required=True, help="The format to write.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write (default: standard output).")
@_sheet_options
def convert_command(file: Path, target: str, out: Path | None, fmt: str | None, standard_id: str | None,
                    title: str | None, scheme: str, edition: str | None, status: str, language: str,
                    levels: str | None) -> None:
    """Convert FILE to CASE 1.1 JSON, YAML or CSV (UTF-8 with BOM, for Excel). A file with a problem is
    not converted: its report is printed and the command exits with 1."""
    kind = file_format(file, fmt)
    if kind == "csv" and not standard_id:
        raise click.UsageError("a sheet holds only items: give the standard's --id (and --title, --edition)")
    report = report_of(file, kind, sheet_meta(file, standard_id, title, scheme, edition, status, language, levels),
                       standard_id)
    if report.standard is None or report.errors:
        print_report(report, sys.stderr)
        sys.exit(1)
    data = write_as(report.standard, target)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        click.echo(f"Wrote {report.standard.id} as {target} to {out} ({len(report.standard.items)} items)",
                   err=True)
