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
@click.option("--sign-with", "certificate", type=click.Path(exists=True, dir_okay=False),
              help="Sign the PDF with this certificate and its key (PKCS#12: .p12 or .pfx).")
@click.option("--password-file", type=click.File("rb"),
              help="A file holding the certificate's password (its first line).")
@click.option("--reason", default="教材审核送审材料", show_default=True, help="The reason the signature states.")
@click.pass_context
def dossier_command(ctx: click.Context, book: str, version: str, out: str, statement, certificate, password_file,
                    reason: str) -> None:
    """Typeset the review dossier of BOOK's release VERSION: statement, authors by side, alignment,
    changes since the previous edition, readers' feedback of the period and the signed review records;
    with --sign-with, sign it as a PDF with the college's certificate."""
    from server.app import create_app
    from server.errors import describe
    from server.textbook_reviews.dossier import make_dossier
    from materials import MaterialsError
    from build.errors import SiteError
    from build.signing import sign_pdf
    from server.errors import UserError

    root = ctx.find_root()
    config = {"START_JOB_RUNNER": False}
    if root.obj and root.obj.get("instance"):
        config["JOINTBOOK_INSTANCE"] = root.obj["instance"]
    app = create_app(config)
    if password_file is not None and certificate is None:
        raise click.UsageError("--password-file goes with --sign-with")
    password = (password_file.read().splitlines() or [b""])[0] if password_file is not None else None
    with app.test_request_context(headers={"Accept-Language": "en"}):
        try:
            target = Path(out)
            unsigned = target.with_name(f".{target.name}.unsigned") if certificate else target
            done = make_dossier(book, version, unsigned, statement.read() if statement else "")
            if certificate is not None:  # OUT is written only once it is signed
                try:
                    unsigned.write_bytes(sign_pdf(unsigned.read_bytes(), certificate, password or None,
                                                  reason=reason))
                    unsigned.replace(target)
                finally:
                    unsigned.unlink(missing_ok=True)
        except (UserError, MaterialsError, SiteError) as error:
            raise click.ClickException(describe(error)) from error
    click.echo(f"{target}: {done.pages} pages in {done.duration:.1f} s{', signed' if certificate else ''}")
