"""``jointbook build`` and ``jointbook release``: book sites from the command line.

Plain click commands over build/ and materials/ (no app, no database); the
CLI group registers them. The library and the sites directory are those of the
instance (``jointbook --instance DIR``, ``JOINTBOOK_INSTANCE`` or ``./instance``,
with its ``LIBRARY_PATH`` / ``SITES_DIR`` settings) unless given.
"""


from __future__ import annotations
import sys
from pathlib import Path
import click
from build.errors import SiteError
from build.publish import release as publish_release
from build.site import build_site
from materials import Author, Library, MaterialsError
from server.config import load_config


def _instance_paths(library: str | None, sites: str | None) -> tuple[Path, Path]:
    """``--library`` / ``--sites`` when given, else the settings of the instance ``jointbook`` was given."""
    if library and sites:
        return Path(library), Path(sites)
    root = click.get_current_context().find_root()
    instance = (root.obj or {}).get("instance")
    settings = load_config({"JOINTBOOK_INSTANCE": instance} if instance else None)
    return Path(library or settings["LIBRARY_PATH"]), Path(sites or settings["SITES_DIR"])


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
@click.option("--library", type=click.Path(), default=None, help="Default: the instance's library.")
@click.option("--sites", type=click.Path(), default=None, help="Default: the instance's sites directory.")
@click.option("--platform-url", default=None, help="Where the feedback form posts (\"\" = same origin).")
@click.option("--force", is_flag=True, help="Build even if the same input was built into --out.")
def build_command(book: str, rev: str, out: str | None, library: str | None, sites: str | None,
                  platform_url: str | None, force: bool) -> None:
    library_path, sites_dir = _instance_paths(library, sites)
    try:
        lib = Library(library_path)
        target = Path(out) if out else sites_dir / ".drafts" / book
        result = build_site(lib, book, rev, target, version="draft", platform_url=platform_url,
                            cache_dir=sites_dir / ".cache", force=force)
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
@click.option("--library", type=click.Path(), default=None, help="Default: the instance's library.")
@click.option("--sites", type=click.Path(), default=None, help="Default: the instance's sites directory.")
@click.option("--rev", default="main", show_default=True)
@click.option("--message", "-m", default=None, help="Tag message.")
@click.option("--tagger-name", default="Jointbook", show_default=True)
@click.option("--tagger-email", default="jointbook@localhost", show_default=True)
@click.option("--platform-url", default="", help="Where the feedback form posts (default: same origin).")
def release_command(book: str, version: str, library: str | None, sites: str | None, rev: str,
                    message: str | None, tagger_name: str, tagger_email: str, platform_url: str) -> None:
    library_path, sites_dir = _instance_paths(library, sites)
    try:
        lib = Library(library_path)
        done = publish_release(lib, book, version, sites_dir, Author(tagger_name, tagger_email, None), message,
                               rev=rev, platform_url=platform_url)
    except (SiteError, MaterialsError) as exc:
        _fail(exc)
        return
    click.echo(f"released {done.tag} ({done.commit[:10]}): {done.site} ({done.build.duration:.1f} s)")


build = build_command
release = release_command
