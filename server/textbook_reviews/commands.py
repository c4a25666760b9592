"""``jointbook dossier BOOK VERSION --out FILE.pdf``: the review dossier (送审材料) of a release."""


from __future__ import annotations
from pathlib import Path
import click


@click.command("dossier")
@click.argument("book")
@click.argument("version")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Where to write the PDF.")
@click.option("--statement", type=click.File("r", encoding="utf-8"),
              help="A text file with the editors' statement (编写说明).")
@click.pass_context
def dossier_command(ctx: click.Context, book: str, version: str, out: str, statement) -> None:
    """Typeset the review dossier of BOOK's release VERSION: statement, authors by side, alignment,
    changes since the previous edition, readers' feedback of the period and the signed review records."""
    from server.app import create_app
    from server.errors import describe
    from server.textbook_reviews.dossier import make_dossier
    from materials import MaterialsError
    from build.errors import SiteError
    from server.errors import UserError

    root = ctx.find_root()
    config = {"START_JOB_RUNNER": False}
    if root.obj and root.obj.get("instance"):
        config["JOINTBOOK_INSTANCE"] = root.obj["instance"]
    app = create_app(config)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        try:
            done = make_dossier(book, version, Path(out), statement.read() if statement else "")
        except (UserError, MaterialsError, SiteError) as error:
            raise click.ClickException(describe(error)) from error
    click.echo(f"{done.path}: {done.pages} pages in {done.duration:.1f} s")
