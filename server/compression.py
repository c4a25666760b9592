"""The platform's own pages and files go compressed to browsers that accept it (flask-compress).

Published sites are compressed once at build (``build.compression``) and sent
as they are by ``server.sites``; flask-compress leaves those responses alone,
as it leaves every response that already has a Content-Encoding or is a file
sent straight from disk. Streamed responses are not compressed, so a job's
progress reaches the page as it is written.
"""
from __future__ import annotations

from flask import Flask
from flask_compress import Compress

DEFAULTS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    "COMPRESS_BR_LEVEL": 5,
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,
}


def init_compression(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    Compress(app)
