"""The review dossier from the platform: the readers' feedback of the period from the inbox, the figures of the
cooperation dashboard, made by a job from the releases page or by ``jointbook dossier``."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
from click.testing import CliRunner

from helpers import STARTER_BOOK as BOOK
from helpers import csrf_from
from materials import Author, Library
from server.cli import main
from server.jobs.queue import run_pending

EDITOR = Author("Editor", "editor@college.example", "school")
PAGE = "chapters/03-brake-test.md"


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "read.pdf"
    path.write_bytes(data)
    return re.sub(r"[ \t]+", " ", "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages))


def send_feedback(app) -> None:
    reader = app.test_client()
    for kind, fields in {"error": {"text": "表中的压力单位写错了"}, "question": {"text": "为什么要做五步闸试验？"},
                         "rating": {"rating": 4, "text": ""}}.items():
        response = reader.post("/api/feedback", json={"book": BOOK, "version": "1.0", "page": PAGE, "kind": kind,
                                                      "website": "", **fields})
        assert response.status_code == 201, response.get_data(as_text=True)


def test_a_maintainer_makes_the_dossier_from_the_releases_page_with_the_dashboards_figures(app, signed_in, tmp_path):
    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    send_feedback(app)
    maintainer = signed_in("maintainer")
    back = f"/books/{BOOK}/textbook-reviews"
    made = maintainer.post(f"/books/{BOOK}/releases/1.0/dossier",
                           data={"csrf_token": csrf_from(maintainer, back), "dossier-statement": "本书由校企合编。",
                                 "dossier-back": back})
    assert made.status_code == 302 and made.headers["Location"].endswith(back)
    assert signed_in("teacher").post(f"/books/{BOOK}/releases/1.0/dossier",
                                     data={"csrf_token": csrf_from(maintainer, back)}).status_code in (400, 403)
    run_pending(app)
    pdf = maintainer.get(f"/books/{BOOK}/releases/1.0/dossier.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data, tmp_path)
    assert "本书由校企合编。" in text and "纠错 1" in text and "提问 1" in text and "平均评分 4" in text
    assert "表中的压力单位写错了" in text
    figures = maintainer.get(f"/api/books/{BOOK}/dashboard?release=1.0").get_json()
    share = next(t for t in figures["tables"] if t["name"] == "text_share")
    labels = {"school": "学校", "enterprise": "企业"}
    for side, lines, _chars, percent in share["rows"]:
        assert re.search(rf"{labels.get(side, side)}\S* {lines} {percent}%", text), (side, lines, percent)
    assert signed_in("outsider").get(f"/books/{BOOK}/releases/1.0/dossier.pdf").status_code == 403
    assert maintainer.get(f"/books/{BOOK}/releases/9.9/dossier.pdf").status_code == 404


def test_jointbook_dossier_writes_the_pdf(app, tmp_path):
    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    send_feedback(app)
    statement = tmp_path / "statement.txt"
    statement.write_text("编写说明：面向机车检修岗位。\n", encoding="utf-8")
    out = tmp_path / "dossier.pdf"
    env = {"JOINTBOOK_INSTANCE": app.config["JOINTBOOK_INSTANCE"], "DATABASE_URL": app.config["DATABASE_URL"],
           "LIBRARY_PATH": app.config["LIBRARY_PATH"], "TRANSLATIONS_DIR": app.config["TRANSLATIONS_DIR"],
           "SECRET_KEY": "test-secret", "RUN_MIGRATIONS": "false"}
    result = CliRunner().invoke(main, ["dossier", BOOK, "1.0", "--out", str(out), "--statement", str(statement)],
                                env=env)
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "编写说明：面向机车检修岗位。" in text and "五、读者反馈（使用跟踪报告）" in text and "纠错 1" in text
    missing = CliRunner().invoke(main, ["dossier", BOOK, "7.0", "--out", str(out)], env=env)
    assert missing.exit_code != 0 and "has not been released" in missing.output


def test_every_section_of_the_dossier_has_the_figures_the_platform_shows(app, signed_in, tmp_path):
    """Shares by side and coverage at the release as the dashboard has them, readers' feedback as the
    usage-tracking report of the period has it, read back from the PDF's text section by section."""
    from server.textbook_reviews.dossier import make_dossier
    from server.textbook_reviews.usage_report import usage_period, usage_report

    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    send_feedback(app)
    maintainer = signed_in("maintainer")
    with app.test_request_context():
        done = make_dossier(BOOK, "1.0", tmp_path / "dossier.pdf", "校企合编。")
        report = usage_report(BOOK, usage_period(None, None))
    text = pdf_text(done.path.read_bytes(), tmp_path)
    headings = ["一、编写说明", "二、编写者及校企双方贡献", "三、与标准的对应", "四、与上一版相比的修订",
                "五、读者反馈（使用跟踪报告）", "六、审核记录"]
    starts = [text.rindex(h) for h in headings]  # the last one: the contents list names them first
    assert starts == sorted(starts)
    section = {h: text[a:b] for h, a, b in zip(headings, starts, starts[1:] + [len(text)])}

    figures = maintainer.get(f"/api/books/{BOOK}/dashboard?release=1.0").get_json()
    tables = {t["name"]: t for t in figures["tables"]}
    labels = {"school": "学校", "enterprise": "企业"}
    for side, lines, _chars, percent in tables["text_share"]["rows"]:
        assert re.search(rf"{labels.get(side, side)}\S* {lines} {percent}%", section["二、编写者及校企双方贡献"])
    (version, _date, *levels), = tables["coverage"]["rows"]
    assert version == "1.0"
    coverage = re.findall(r"(\d+) / (\d+) ([\d.]+)%", section["三、与标准的对应"])
    assert [float(p) for _c, _t, p in coverage] == levels

    feedback = re.sub(r"\s+", "", section["五、读者反馈（使用跟踪报告）"])
    assert f"纠错{report.by_kind['error']}" in feedback and f"提问{report.by_kind['question']}" in feedback
    assert f"已通过变更请求修正的错误{len(report.fixed)}" in feedback
    assert f"已回答的问题{len(report.answered)}" in feedback and f"平均评分{report.average_rating:g}" in feedback  # Typst prints 4.0 as 4
    assert "本版本尚无签署的审核记录。" in section["六、审核记录"]


def college_certificate(tmp_path: Path, password: bytes) -> tuple[Path, bytes]:
    """A self-signed certificate with its key as the college would hold it (PKCS#12), and the certificate (DER)."""
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "某铁道职业技术学院"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "某铁道职业技术学院教材审核")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    path = tmp_path / "college.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"college", key, cert, None, serialization.BestAvailableEncryption(password)))
    return path, cert.public_bytes(serialization.Encoding.DER)


def in_own_thread(function, *args):
    """pyHanko's validation runs an event loop of its own; a browser test before may have left one in this thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(function, *args).result()


def test_a_dossier_is_signed_from_a_thread_that_already_runs_an_event_loop(app, tmp_path):
    import asyncio

    from build.signing import sign_pdf
    from pypdf import PdfWriter

    certificate, _ = college_certificate(tmp_path, b"pw")
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    plain = io.BytesIO()
    writer.write(plain)

    async def inside_a_loop():
        return sign_pdf(plain.getvalue(), certificate, b"pw", reason="审核通过")

    # a fresh thread of the test's, so the loop is this test's whatever ran before in the process
    signed = in_own_thread(asyncio.run, inside_a_loop())
    assert signed.startswith(plain.getvalue()[:8]) and b"/ByteRange" in signed


def test_jointbook_dossier_signs_the_pdf_with_the_colleges_certificate(app, tmp_path):
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    lib = Library(app.config["LIBRARY_PATH"])
    lib.create_tag(f"{BOOK}/v1.0", "main", EDITOR, "Release 1.0")
    certificate, der = college_certificate(tmp_path, b"s3cret")
    (tmp_path / "college.cer").write_bytes(der)
    trusted = load_cert_from_pemder(str(tmp_path / "college.cer"))
    password = tmp_path / "password.txt"
    password.write_bytes(b"s3cret\n")
    out = tmp_path / "signed.pdf"
    env = {"JOINTBOOK_INSTANCE": app.config["JOINTBOOK_INSTANCE"], "DATABASE_URL": app.config["DATABASE_URL"],
           "LIBRARY_PATH": app.config["LIBRARY_PATH"], "TRANSLATIONS_DIR": app.config["TRANSLATIONS_DIR"],
           "SECRET_KEY": "test-secret", "RUN_MIGRATIONS": "false"}
    result = CliRunner().invoke(main, ["dossier", BOOK, "1.0", "--out", str(out), "--sign-with", str(certificate),
                                       "--password-file", str(password)], env=env)
    assert result.exit_code == 0, result.output
    assert "signed" in result.output
    with out.open("rb") as f:
        signatures = PdfFileReader(f).embedded_signatures
        assert len(signatures) == 1
        status = in_own_thread(validate_pdf_signature, signatures[0], ValidationContext(trust_roots=[trusted]))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert "某铁道职业技术学院教材审核" in status.signing_cert.subject.human_friendly
    assert "五、读者反馈（使用跟踪报告）" in pdf_text(out.read_bytes(), tmp_path)  # still the dossier

    untrusted = ValidationContext(trust_roots=[])
    with out.open("rb") as f:
        assert not in_own_thread(validate_pdf_signature, PdfFileReader(f).embedded_signatures[0], untrusted).trusted

    password.write_bytes(b"wrong\n")
    before = out.read_bytes()
    refused = CliRunner().invoke(main, ["dossier", BOOK, "1.0", "--out", str(tmp_path / "other.pdf"),
                                        "--sign-with", str(certificate), "--password-file", str(password)], env=env)
    assert refused.exit_code != 0 and "could not be signed" in refused.output
    assert out.read_bytes() == before and list(tmp_path.glob("*other.pdf*")) == []  # nothing unsigned left
