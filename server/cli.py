"""The ``jointbook`` command: serve the platform, run the task queue's workers, create the library,
manage accounts.

Building and releasing sites (``jointbook build`` / ``release``) live with
their domain, in ``server.sites.commands``.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import click
from flask import Flask

from server.accounts.models import SIDES, Role
from server.sites import commands as site_commands
from server.standards import commands as standard_commands
from server.textbook_reviews import commands as review_commands


def _app(ctx: click.Context, **overrides: Any) -> Flask:
    from server.app import create_app

    config: dict[str, Any] = dict(overrides)
    if ctx.obj and ctx.obj.get("instance"):
        config["JOINTBOOK_INSTANCE"] = ctx.obj["instance"]
    return create_app(config)


@click.group()
@click.option("--instance", type=click.Path(file_okay=False), envvar="JOINTBOOK_INSTANCE",
              help="Instance directory (database, library, sites). Default: ./instance")
@click.pass_context
def main(ctx: click.Context, instance: str | None) -> None:
    """Jointbook: colleges and enterprises writing textbooks together."""
    ctx.ensure_object(dict)
    ctx.obj["instance"] = str(Path(instance).resolve()) if instance else None


# ---------------------------------------------------------------- serve

def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def _serve_on(sock: socket.socket, app: Flask, threads: int) -> None:
    from waitress import serve as waitress_serve

    waitress_serve(app, sockets=[sock], threads=threads, ident="jointbook", channel_timeout=120,
                   max_request_body_size=int(app.config["MAX_CONTENT_LENGTH"]) + 1024 * 1024)


def _leave_now(*_: Any) -> None:
    """A web process stops at once on SIGTERM. Raising SystemExit from the handler is not enough:
    it may land in a garbage-collection callback, which swallows it, and the process serves on."""
    sys.stdout.flush()
    os._exit(0)


def _web_process(ctx: click.Context, sock: socket.socket, threads: int) -> None:
    """One web process: its own app (engine) serving the shared socket."""
    signal.signal(signal.SIGTERM, _leave_now)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    app = _app(ctx, RUN_MIGRATIONS=False)
    _serve_on(sock, app, threads)


def _jobs_process(ctx: click.Context) -> None:
    """The process of the task queue's workers beside the web processes: the one consumer of this machine."""
    from server.jobs.workers import run_workers

    app = _app(ctx, RUN_MIGRATIONS=False)
    run_workers(app, interrupt=False, wait_for_queue=True, announce=click.echo)  # the parent decides too


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Web processes (default: WORKERS setting, up to 4).")
@click.option("--threads", type=int, default=None, help="Threads per process (default: THREADS setting, 8).")
@click.option("--no-starter", is_flag=True, help="Create an empty library instead of the starter course.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int | None, threads: int | None, no_starter: bool) -> None:
    """Run the platform with waitress, and the task queue's workers beside it (creates instance/ on first run)."""
    from server.first_run import prepare_instance

    app = _app(ctx)  # migrates the database
    try:
        created_library, accounts = prepare_instance(app, starter=not no_starter)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    workers = max(1, workers or int(app.config["WORKERS"]))
    threads = max(1, threads or int(app.config["THREADS"]))
    sock = _bind(host, port)
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Jointbook instance: {app.config['JOINTBOOK_INSTANCE']}")
    if created_library:
        click.echo(f"Created the library at {app.config['LIBRARY_PATH']}")
    if accounts:
        click.echo("\nDemo accounts (passwords are shown only now; change them under “My account”):")
        for account in accounts:
            click.echo(f"  {account.username:<20} {account.password}   {account.side:<10} {account.display_name}")
        click.echo("")
    click.echo(f"Serving on http://{shown_host}:{sock.getsockname()[1]}/  ({workers} process(es) × {threads} threads)")
    sys.stdout.flush()
    app.extensions["jointbook.engine"].dispose()
    _warm_up()
    _supervise(ctx, sock, workers, threads)


def _warm_up() -> None:
    """Load the Markdown pipeline (extensions, Pygments) once before forking: every worker inherits
    it instead of making its first preview wait a third of a second."""
    from materials.rendering import render_markdown

    render_markdown("# Jointbook\n\n!!! note\n    *x*\n\n```python\nprint(1)\n```\n\n| a |\n|---|\n| 1 |\n")


def _supervise(ctx: click.Context, sock: socket.socket, workers: int, threads: int) -> None:
    """Pre-fork: N web children accept on the same socket, one more runs the task queue's workers;
    a child that dies is replaced by one of its kind. Forked before any thread starts in this process."""
    children: dict[int, str] = {}
    stopping = False

    def spawn(kind: str) -> None:
        pid = os.fork()
        if pid == 0:
            # The child inherits this process's handlers; until it installs its own, a SIGTERM must end
            # it, not run the parent's stop() on a copy of its children (which would swallow it).
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                if kind == "web":
                    _web_process(ctx, sock, threads)
                else:
                    sock.close()
                    _jobs_process(ctx)
            finally:
                sys.stdout.flush()
                os._exit(0)
        children[pid] = kind

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    spawn("jobs")
    for _ in range(workers):
        spawn("web")
    while children:
        try:
            pid, _status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:  # pragma: no cover - PEP 475 retries for us
            continue
        kind = children.pop(pid, "web")
        if not stopping:
            time.sleep(0.5)  # a child crashing at start must not spin the CPU
            spawn(kind)


# ---------------------------------------------------------------- worker

@main.command()
@click.option("--workers", type=int, default=None, help="Threads running jobs (default: JOB_WORKERS setting, 2).")
@click.pass_context
def worker(ctx: click.Context, workers: int | None) -> None:
    """Run the task queue's workers alone, until SIGTERM or Ctrl-C (another host: the same DATABASE_URL,
    REDIS_URL, library and sites; with the SQLite queue, only where no `jointbook serve` runs)."""
    import logging

    from server.jobs.workers import QueueBusy, run_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = _app(ctx)
    try:
        run_workers(app, workers, announce=click.echo)
    except QueueBusy as error:
        raise click.ClickException(f"{error}; with the SQLite queue one consumer serves a machine "
                                   "(jointbook serve runs one). Set REDIS_URL to share a queue between hosts.")


# ---------------------------------------------------------------- init

@main.command()
@click.option("--empty", is_flag=True, help="Without the starter course.")
@click.pass_context
def init(ctx: click.Context, empty: bool) -> None:
    """Create the database and the library (with the starter course unless --empty)."""
    from server.library import create_library

    app = _app(ctx)
    path = Path(app.config["LIBRARY_PATH"])
    try:
        created = create_library(path, starter=not empty)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{'Created' if created else 'Already there'}: {path}")


# ---------------------------------------------------------------- user

@main.group()
def user() -> None:
    """Manage accounts."""


def _commit_or_fail(app: Flask, work) -> Any:  # noqa: ANN001 - callable(session)
    from server.database import new_session
    from server.errors import UserError, describe

    with app.test_request_context(), new_session(app) as session:
        from flask import g

        g.db_session = session  # audit records go into this session
        try:
            result = work(session)
            session.commit()
            return result
        except UserError as error:
            session.rollback()
            raise click.ClickException(f"{error.code}: {describe(error)}") from error


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", help="Name shown to others.")
@click.option("--side", type=click.Choice(SIDES), default="school", show_default=True)
@click.option("--email")
@click.option("--admin", "is_admin", is_flag=True, help="Global administrator.")
@click.option("--password", help="Default: generated and printed.")
@click.option("--book", "books", multiple=True, help="Book to join (repeatable).")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.author.value, show_default=True)
@click.pass_context
def user_add(ctx: click.Context, username: str, display_name: str | None, side: str, email: str | None,
             is_admin: bool, password: str | None, books: tuple[str, ...], role: str) -> None:
    """Create an account."""
    from server.accounts.passwords import generated_password
    from server.accounts.service import create_user, set_membership

    generated = password is None
    password = password or generated_password()

    def work(session):  # noqa: ANN001, ANN202
        account = create_user(session, username, password, display_name=display_name, side=side, email=email,
                              is_admin=is_admin)
        for book in books:
            set_membership(session, account, book, role)
        return account

    account = _commit_or_fail(_app(ctx), work)
    click.echo(f"Created {account.username} ({side}{', administrator' if is_admin else ''})")
    if generated:
        click.echo(f"Password: {password}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List accounts with side, rights and books."""
    from sqlalchemy import select

    from server.database import new_session
    from server.accounts.models import User

    app = _app(ctx)
    with new_session(app) as session:
        for account in session.scalars(select(User).order_by(User.username)):
            books = ", ".join(f"{m.book}:{m.role}" for m in sorted(account.memberships, key=lambda m: m.book))
            flags = ("admin " if account.is_admin else "") + ("" if account.active else "disabled")
            click.echo(f"{account.username:<20} {account.side:<10} {flags:<15} {account.display_name}  {books}")


@user.command("set-side")
@click.argument("username")
@click.argument("side", type=click.Choice(SIDES))
@click.pass_context
def user_set_side(ctx: click.Context, username: str, side: str) -> None:
    """Move an account to another side."""
    from server.accounts.service import find_user, update_user

    _commit_or_fail(_app(ctx), lambda s: update_user(s, find_user(s, username), side=side))
    click.echo(f"{username}: side {side}")


@user.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["admin", "user", "none", *[r.value for r in Role]]))
@click.option("--book", help="The book, for reader/author/reviewer/maintainer/none.")
@click.pass_context
def user_set_role(ctx: click.Context, username: str, role: str, book: str | None) -> None:
    """Global: admin | user.  On a book (--book): reader | author | reviewer | maintainer | none (remove)."""
    from server.accounts.service import find_user, remove_membership, set_membership, update_user

    if role in ("admin", "user"):
        if book:
            raise click.UsageError("admin/user is a global role; leave out --book")
        _commit_or_fail(_app(ctx), lambda s: update_user(s, find_user(s, username), is_admin=role == "admin"))
        click.echo(f"{username}: {'administrator' if role == 'admin' else 'not an administrator'}")
        return
    if not book:
        raise click.UsageError("a book role needs --book")
    if role == "none":
        _commit_or_fail(_app(ctx), lambda s: remove_membership(s, find_user(s, username), book))
        click.echo(f"{username}: removed from {book}")
    else:
        _commit_or_fail(_app(ctx), lambda s: set_membership(s, find_user(s, username), book, role))
        click.echo(f"{username}: {role} of {book}")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@click.pass_context
def user_disable(ctx: click.Context, username: str, enable: bool) -> None:
    """Disable an account (it can no longer sign in or use tokens)."""
    from server.accounts.service import find_user, update_user

    _commit_or_fail(_app(ctx), lambda s: update_user(s, find_user(s, username), active=enable))
    click.echo(f"{username}: {'enabled' if enable else 'disabled'}")


# ---------------------------------------------------------------- book

@contextmanager
def acting_as(app: Flask, username: str | None) -> Iterator[Any]:
    """A request context in which ``username`` (default: the first active administrator) is the
    signed-in person: what the command does is recorded, committed and audited in their name."""
    from flask import g
    from flask_login import login_user
    from sqlalchemy import select

    from server.accounts.models import User
    from server.accounts.service import find_user
    from server.database import new_session
    from server.errors import UserError, describe

    with app.test_request_context(), new_session(app) as session:
        g.db_session = session
        try:
            if username:
                person = find_user(session, username)
            else:
                person = session.scalar(select(User).where(User.is_admin, User.active).order_by(User.id).limit(1))
                if person is None:
                    raise click.ClickException("no active administrator: create one with jointbook user add --admin, "
                                               "or name the person with --as")
            login_user(person)
            yield person
        except UserError as error:
            session.rollback()
            raise click.ClickException(f"{error.code}: {describe(error)}") from error


@main.group()
def book() -> None:
    """Create books, or bring back an exported one."""


@book.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The book's title.")
@click.option("--template", type=click.Choice(["classic", "workbook"]), default="classic", show_default=True)
@click.option("--language", default="zh-CN", show_default=True)
@click.option("--license", "license_", default="CC-BY-SA-4.0", show_default=True)
@click.option("--edition", default="1", show_default=True)
@click.option("--as", "username", default=None, help="Who creates it (default: the first active administrator).")
@click.pass_context
def book_create(ctx: click.Context, slug: str, title: str, template: str, language: str, license_: str, edition: str,
                username: str | None) -> None:
    """Create the book SLUG from a template, as one commit; its creator becomes its maintainer."""
    from materials.books import LANGUAGES
    from materials.new_book import NewBook
    from server.books.creation import new_book

    if language not in LANGUAGES:
        raise click.BadParameter(f"one of {', '.join(LANGUAGES)}", param_hint="--language")
    with acting_as(_app(ctx), username) as person:
        created = new_book(person, NewBook(slug=slug, title=title, template=template, language=language,
                                           license=license_, edition=edition))
    click.echo(f"Created the book {created.slug} ({created.title}), commit {created.commit[:12]}; "
               f"{person.username} is its maintainer")


@book.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", default=None, help="Who brings it in (default: the first active administrator).")
@click.pass_context
def book_import(ctx: click.Context, file: str, username: str | None) -> None:
    """Bring back a book from FILE, a zip written by jointbook export or the book's page, as one commit."""
    from materials import MaterialsError
    from server.books.creation import bring_back
    from server.errors import describe

    with acting_as(_app(ctx), username) as person:
        try:
            created, kept = bring_back(person, Path(file).read_bytes())
        except MaterialsError as error:
            raise click.ClickException(f"{error.code}: {describe(error)}") from error
    click.echo(f"Brought back the book {created.slug} ({created.title}), commit {created.commit[:12]}; "
               f"{person.username} is its maintainer")
    for path in kept:
        click.echo(f"  kept the library's own {path} (the zip's differs)")


# ---------------------------------------------------------------- import

@main.group("import")
def import_group() -> None:
    """Bring existing material into a book, as a change request."""


@import_group.command("docx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--book", "book_name", required=True, help="The book the chapters go into.")
@click.option("--split-level", type=click.IntRange(1, 6), default=1, show_default=True,
              help="A new chapter starts at each heading of this level.")
@click.option("--as", "username", default=None, help="In whose name (default: the first active administrator).")
@click.pass_context
def import_docx_command(ctx: click.Context, file: str, book_name: str, split_level: int, username: str | None) -> None:
    """Import the Word document FILE into --book: prints the report, opens a change request."""
    from materials import MaterialsError
    from server.errors import describe
    from server.imports import service

    path = Path(file)
    with acting_as(_app(ctx), username) as person:
        try:
            pending = service.convert(person, book_name, path.name, path.read_bytes(), split_level)
        except MaterialsError as error:
            raise click.ClickException(f"{error.code}: {describe(error)}") from error
        _report_and_open(pending, book_name, person)


def _report_and_open(pending: Any, book_name: str, person: Any, sides: dict[str, str] | None = None) -> None:
    """Print an import's report, then open its change request in ``person``'s name."""
    from server.imports import service

    click.echo(f"Import of {pending.source} into {book_name}:")
    for chapter in pending.converted.chapters:
        click.echo(f"  chapter {chapter.filename}: {chapter.title}")
    for entry in pending.report["entries"]:
        place = entry.get("place") or {}
        where = ", ".join(str(v) for v in (place.get("heading"), place.get("paragraph") and
                                           f"paragraph {place['paragraph']}") if v)
        click.echo(f"  [{entry['outcome']}] {entry['message']}" + (f" ({where})" if where else ""))
    cr = service.confirm(person, book_name, pending.token, sides)
    click.echo(f"Opened change request #{cr.number} in {book_name} as {person.username}")


@import_group.command("mkdocs")
@click.argument("path", type=click.Path(exists=True))
@click.option("--book", "book_name", required=True, help="The book the chapters go into.")
@click.option("--history", is_flag=True, help="Replay every commit that touched the docs, with its author, date "
              "and message (PATH is a Git repository or a git bundle).")
@click.option("--sides", "sides_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="With --history: a YAML (email: side) or CSV (email,side) file of the authors' sides; "
              "school, enterprise or unknown.")
@click.option("--as", "username", default=None, help="In whose name (default: the first active administrator).")
@click.pass_context
def import_mkdocs_command(ctx: click.Context, path: str, book_name: str, history: bool, sides_file: str | None,
                          username: str | None) -> None:
    """Import the MkDocs project at PATH (its folder, a .zip of it, its Git repository or a git bundle) into
    --book: prints the report, opens a change request."""
    from materials import MaterialsError
    from materials.imports import read_folder
    from materials.imports.mkdocs_history import is_bundle, is_repository
    from server.errors import describe
    from server.imports import service

    source = Path(path)
    sides = _read_sides(Path(sides_file)) if sides_file else {}
    if sides and not history:
        raise click.BadParameter("only with --history", param_hint="--sides")
    repository = source.is_dir() and is_repository(source) and not any(
        (source / name).is_file() for name in ("mkdocs.yml", "mkdocs.yaml")) or is_bundle(source)
    with acting_as(_app(ctx), username) as person:
        try:
            name = source.resolve().name
            if history or repository:
                pending = service.convert_mkdocs(person, book_name, name, repository=source, with_history=history)
            elif source.is_dir():
                pending = service.convert_mkdocs(person, book_name, name, files=read_folder(source))
            else:
                pending = service.convert_mkdocs(person, book_name, source.name, source.read_bytes())
        except MaterialsError as error:
            raise click.ClickException(f"{error.code}: {describe(error)}") from error
        if pending.history is not None:
            chosen = {a["email"]: a["side"] for a in pending.history} | {k.strip().lower(): v for k, v in sides.items()}
            for author in pending.history:
                click.echo(f"  author {author['name']} <{author['email']}>: {author['commits']} commit(s), "
                           f"side {chosen.get(author['email'], 'unknown')}")
        _report_and_open(pending, book_name, person, sides)


def _read_sides(path: Path) -> dict[str, str]:
    """``email: side`` from a YAML mapping, or ``email,side`` rows of a CSV file (a header row is skipped)."""
    import csv
    import io

    import yaml

    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows = [row for row in csv.reader(io.StringIO(text)) if row and any(cell.strip() for cell in row)]
        if rows and "@" not in rows[0][0]:
            rows = rows[1:]
        if any(len(row) < 2 for row in rows):
            raise click.BadParameter("each row is email,side", param_hint="--sides")
        return {row[0].strip(): row[1].strip() for row in rows}
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise click.BadParameter(f"not valid YAML: {str(error)[:200]}", param_hint="--sides") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise click.BadParameter("a mapping of email: side", param_hint="--sides")
    return {str(k): v for k, v in data.items()}


# ---------------------------------------------------------------- export

@main.command("export")
@click.argument("book_name", metavar="BOOK")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The zip file to write.")
@click.option("--rev", default="main", show_default=True, help="Branch, tag or commit to export.")
@click.pass_context
def export_command(ctx: click.Context, book_name: str, out: str, rev: str) -> None:
    """Write BOOK (book.yml, chapters, assets and the standards it declares) as a zip."""
    from materials import Library, MaterialsError
    from materials.export import book_zip
    from server.config import load_config

    instance = (ctx.obj or {}).get("instance")
    settings = load_config({"JOINTBOOK_INSTANCE": instance} if instance else None)
    try:
        data = book_zip(Library(settings["LIBRARY_PATH"]), book_name, rev)
    except MaterialsError as error:
        raise click.ClickException(f"{error.code}: {error}") from error
    Path(out).write_bytes(data)
    click.echo(f"Wrote {book_name} at {rev} to {out} ({len(data)} bytes)")


@main.command("export-bundle")
@click.argument("book_name", metavar="BOOK")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="The .bundle file to write.")
@click.pass_context
def export_bundle_command(ctx: click.Context, book_name: str, out: str) -> None:
    """Write BOOK with its whole history as a git bundle (git clone FILE gives the book alone)."""
    from materials import Library, MaterialsError
    from server.config import load_config
    from server.git_http.service import mirrors_root, write_bundle

    instance = (ctx.obj or {}).get("instance")
    settings = load_config({"JOINTBOOK_INSTANCE": instance} if instance else None)
    target = Path(out).absolute()
    target.unlink(missing_ok=True)
    try:
        write_bundle(Library(settings["LIBRARY_PATH"]), book_name, mirrors_root(settings), target)
    except MaterialsError as error:
        raise click.ClickException(f"{error.code}: {error}") from error
    click.echo(f"Wrote {book_name} with its history to {out} ({target.stat().st_size} bytes)")


main.add_command(site_commands.build_command)
main.add_command(site_commands.release_command)
main.add_command(standard_commands.standards_group)
main.add_command(review_commands.dossier_command)

if __name__ == "__main__":
    main()
