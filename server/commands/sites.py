"""``jointbook build`` and ``jointbook release``: book sites from the command line.

Plain click commands over build/ and materials/ (no app, no database); the
CLI group registers them.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from build.errors import SiteError
from build.publish import release as publish_release
from build.site import build_site
from materials import Author, Library, MaterialsError

DEFAULT_LIBRARY = "instance/library.git"
DEFAULT_SITES = "instance/sites"


def _fail(exc: Exception) -> None:
    log = getattr(exc, "params", {}).get("log")
    if log:
        click.echo(log, err=True)
    code = getattr(exc, "code", "error")
    click.echo(f"error [{code}]: {exc}", err=True)
    sys.exit(1)


@click.command("build", help="Build BOOK's site at a revision into a directory (default: SITES/BOOK/draft).")
@click.argument("book")
@click.option("--rev", default="main", show_default=True, help="Branch, tag or commit to build.")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Output directory.")
@click.option("--library", type=click.Path(), default=DEFAULT_LIBRARY, show_default=True)
@click.option("--sites", type=click.Path(), default=DEFAULT_SITES, show_default=True)
@click.option("--platform-url", default=None, help="Where the feedback form posts (\"\" = same origin).")
@click.option("--force", is_flag=True, help="Build even if the same input was built into --out.")
def build_command(book: str, rev: str, out: str | None, library: str, sites: str, platform_url: str | None,
                  force: bool) -> None:
    try:
        lib = Library(library)
        target = Path(out) if out else Path(sites) / ".drafts" / book
        result = build_site(lib, book, rev, target, version="draft", platform_url=platform_url,
                            cache_dir=Path(sites) / ".cache", force=force)
    except (SiteError, MaterialsError) as exc:
        _fail(exc)
        return
    state = "unchanged" if result.skipped else "built"
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{state}: {result.out_dir} ({result.duration:.1f} s)")


@click.command("release", help="Tag main as BOOK/vVERSION and publish its site under SITES/BOOK/VERSION.")
@click.argument("book")
@click.argument("version")
@click.option("--library", type=click.Path(), default=DEFAULT_LIBRARY, show_default=True)
@click.option("--sites", type=click.Path(), default=DEFAULT_SITES, show_default=True)
@click.option("--rev", default="main", show_default=True)
@click.option("--message", "-m", default=None, help="Tag message.")
@click.option("--tagger-name", default="Jointbook", show_default=True)
@click.option("--tagger-email", default="jointbook@localhost", show_default=True)
@click.option("--platform-url", default="", help="Where the feedback form posts (default: same origin).")
def release_command(book: str, version: str, library: str, sites: str, rev: str, message: str | None,
                    tagger_name: str, tagger_email: str, platform_url: str) -> None:
    try:
        lib = Library(library)
        done = publish_release(lib, book, version, sites, Author(tagger_name, tagger_email, None), message,
                               rev=rev, platform_url=platform_url)
    except (SiteError, MaterialsError) as exc:
        _fail(exc)
        return
    click.echo(f"released {done.tag} ({done.commit[:10]}): {done.site} ({done.build.duration:.1f} s)")


build = build_command
release = release_command
