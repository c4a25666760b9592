"""``jointbook build`` and ``jointbook release``: book sites and their downloads from the command line.

Plain click commands over build/ and materials/ (no app, no database); the
CLI group registers them. The library and the sites directory are those of the
instance (``jointbook --instance DIR``, ``JOINTBOOK_INSTANCE`` or ``./instance``,
with its ``LIBRARY_PATH`` / ``SITES_DIR`` settings) unless given. The printed
book, the EPUB and the task sheets are built with the sites' cache
(``SITES/.cache``), and their QR codes and links lead to the release's pages
at the instance's ``PLATFORM_URL``.
"""


from __future__ import annotations
import sys
from pathlib import Path
from typing import Any
import click
from build.downloads import DOWNLOADS, FORMATS, build_download, download_path, offered
from build.errors import SiteError
from build.publish import release as publish_release
from build.site import build_site
from materials import Author, Library, MaterialsError
from server.config import load_config


def _settings() -> dict[str, Any]:
    root = click.get_current_context().find_root()
    instance = (root.obj or {}).get("instance")
    return load_config({"JOINTBOOK_INSTANCE": instance} if instance else None)


def _instance_paths(library: str | None, sites: str | None) -> tuple[Path, Path]:
    """``--library`` / ``--sites`` when given, else the settings of the instance ``jointbook`` was given."""
    if library and sites:
        return Path(library), Path(sites)
    settings = _settings()
    return Path(library or settings["LIBRARY_PATH"]), Path(sites or settings["SITES_DIR"])


def _release_url(book: str, version: str) -> str:
    """The release's published address, where its printed QR codes lead."""
    return f"{str(_settings().get('PLATFORM_URL') or '').rstrip('/')}/read/{book}/{version}/"


def _fail(exc: Exception) -> None:
    log = getattr(exc, "params", {}).get("log")
    if log:
        click.echo(log, err=True)
    code = getattr(exc, "code", "error")
    click.echo(f"error [{code}]: {exc}", err=True)
    sys.exit(1)


def _progress(done: int, total: int, what: str) -> None:
    click.echo(f"  {done}/{total} {what}", err=True)


@click.command("build", help="Build BOOK at a revision: its site into a directory (default: SITES/BOOK/draft), "
                              "or with --format its printed book (pdf), EPUB (epub) or task sheets (sheets) into --out.")
@click.argument("book")
@click.option("--rev", default=None, help="Branch, tag or commit to build (default: main, or the tag of --version).")
@click.option("--format", "fmt", type=click.Choice(["site", *FORMATS]), default="site", show_default=True)
@click.option("--version", default="", help="The release it is printed as (on the edition page; QR codes lead to "
                                             "its pages at PLATFORM_URL).")
@click.option("--out", "out", type=click.Path(), default=None,
              help="Output directory (site) or file (default: BOOK-VERSION.pdf… here).")
@click.option("--site-url", default=None, help="Where QR codes and links lead (default: the release at PLATFORM_URL; "
                                               "none without --version).")
@click.option("--task", "tasks", multiple=True, help="With --format sheets: only this task chapter (repeatable).")
@click.option("--library", type=click.Path(), default=None, help="Default: the instance's library.")
@click.option("--sites", type=click.Path(), default=None, help="Default: the instance's sites directory.")
@click.option("--platform-url", default=None, help="Where the feedback form posts (\"\" = same origin).")
@click.option("--force", is_flag=True, help="Build even if the same input was built before.")
def build_command(book: str, rev: str | None, fmt: str, version: str, out: str | None, site_url: str | None,
                  tasks: tuple[str, ...], library: str | None, sites: str | None, platform_url: str | None,
                  force: bool) -> None:
    library_path, sites_dir = _instance_paths(library, sites)
    try:
        lib = Library(library_path)
        if rev is None:
            rev = f"{book}/v{version}" if version and f"{book}/v{version}" in lib.tags() else "main"
        if fmt == "site":
            target = Path(out) if out else sites_dir / ".drafts" / book
            result = build_site(lib, book, rev, target, version=version or "draft", platform_url=platform_url,
                                cache_dir=sites_dir / ".cache", force=force)
            for warning in result.warnings:
                click.echo(f"warning: {warning}", err=True)
            click.echo(f"{'unchanged' if result.skipped else 'built'}: {result.out_dir} ({result.duration:.1f} s)")
            return
        if site_url is None:
            site_url = _release_url(book, version) if version else None
        target = Path(out) if out else Path(DOWNLOADS[fmt].filename(book, version or rev.replace("/", "-")))
        cache = sites_dir / ".cache"
        if fmt == "sheets" and tasks:
            from build.task_sheets import build_task_sheets
            made = build_task_sheets(lib, book, rev, target, tasks=list(tasks), version=version, site_url=site_url,
                                     cache_dir=cache, force=force, progress=_progress)
        else:
            made = build_download(lib, book, rev, fmt, target, version=version, site_url=site_url, cache_dir=cache,
                                  progress=_progress)
    except (SiteError, MaterialsError) as exc:
        _fail(exc)
        return
    for warning in made.warnings:
        click.echo(f"warning: {warning}", err=True)
    pages = getattr(made, "pages", None)
    click.echo(f"{'unchanged' if made.skipped else 'built'}: {target} ({target.stat().st_size} bytes"
               f"{f', {pages} pages' if pages else ''}, {made.duration:.1f} s)")


@click.command("release", help="Tag main as BOOK/vVERSION, publish its site under SITES/BOOK/VERSION, then its "
                                "printed book, EPUB and task sheets beside it.")
@click.argument("book")
@click.argument("version")
@click.option("--library", type=click.Path(), default=None, help="Default: the instance's library.")
@click.option("--sites", type=click.Path(), default=None, help="Default: the instance's sites directory.")
@click.option("--rev", default="main", show_default=True)
@click.option("--message", "-m", default=None, help="Tag message.")
@click.option("--tagger-name", default="Jointbook", show_default=True)
@click.option("--tagger-email", default="jointbook@localhost", show_default=True)
@click.option("--platform-url", default="", help="Where the feedback form posts (default: same origin).")
@click.option("--downloads", default=None, help="Which downloads to make, comma-separated (default: the "
                                                "instance's RELEASE_DOWNLOADS, pdf,epub,sheets; none: none).")
def release_command(book: str, version: str, library: str | None, sites: str | None, rev: str,
                    message: str | None, tagger_name: str, tagger_email: str, platform_url: str,
                    downloads: str | None) -> None:
    library_path, sites_dir = _instance_paths(library, sites)
    try:
        lib = Library(library_path)
        done = publish_release(lib, book, version, sites_dir, Author(tagger_name, tagger_email, None), message,
                               rev=rev, platform_url=platform_url)
    except (SiteError, MaterialsError) as exc:
        _fail(exc)
        return
    click.echo(f"released {done.tag} ({done.commit[:10]}): {done.site} ({done.build.duration:.1f} s)")
    wanted = (downloads if downloads is not None else str(_settings().get("RELEASE_DOWNLOADS") or "")).split(",")
    for item in offered(lib.book(book, done.commit)):
        if item.format not in [w.strip() for w in wanted]:
            continue
        target = download_path(sites_dir, book, version, item.format)
        try:
            build_download(lib, book, done.commit, item.format, target, version=version,
                           site_url=_release_url(book, version), cache_dir=sites_dir / ".cache")
        except SiteError as exc:  # the site is published; the download can be made again later
            click.echo(f"warning: {item.label_en} not made [{exc.code}]: {exc}", err=True)
            continue
        click.echo(f"  {item.label_en}: {target} ({target.stat().st_size} bytes)")


build = build_command
release = release_command
