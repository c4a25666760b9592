"""A PDF signature (pyHanko) on a document the platform typesets, with the college's own certificate.

The review record's signatures are the members' accounts, times and the
SHA-256 of what they signed; they prove themselves inside the platform and
the library. A college that holds a certificate (a PKCS#12 file, ``.p12`` /
``.pfx``, with its private key) can also sign the review dossier as a PDF, so
any PDF reader shows who signed it and that not a byte has changed since.
pyHanko writes the signature (an incremental update with a CMS signature, the
certificate and its chain embedded); nothing is written by hand here.
"""
from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import SiteError

__all__ = ["SigningFailed", "sign_pdf"]

FIELD = "CollegeSignature"


class SigningFailed(SiteError):
    """The certificate could not be read (wrong password, not PKCS#12, no key) or the PDF not signed."""

    code = "print.signing_failed"


def sign_pdf(pdf: bytes, certificate: str | Path, password: bytes | None, *, reason: str = "", location: str = "",
             name: str | None = None) -> bytes:
    """``pdf`` with a signature made with the PKCS#12 ``certificate`` (opened with ``password``)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12(str(certificate), passphrase=password)
    except (OSError, ValueError) as exc:
        raise SigningFailed(f"the certificate cannot be read: {exc}") from None
    if signer is None:  # pyHanko logs why and returns None: a wrong password or no key in the file
        raise SigningFailed("the certificate cannot be read: wrong password, or no private key in it")
    out = io.BytesIO()
    meta = signers.PdfSignatureMetadata(field_name=FIELD, reason=reason or None, location=location or None,
                                        name=name)
    try:
        # pyHanko's sign_pdf runs its own event loop (asyncio.run), which fails in a thread that already
        # has one, such as a caller driving a browser: a thread of its own always has none
        with ThreadPoolExecutor(max_workers=1) as thread:
            thread.submit(signers.sign_pdf, IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                          output=out).result()
    except Exception as exc:  # pyHanko raises its own errors from several modules for a PDF it cannot sign
        raise SigningFailed(f"the PDF could not be signed: {exc}") from None
    return out.getvalue()
