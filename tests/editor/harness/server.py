"""A small local web server for the editor harness: the platform's static files, the harness
page, and two endpoints the chapter page also has — rendering Markdown with the platform's one
pipeline (``materials.rendering``) and taking an uploaded image. Used by the browser tests in
tests/editor and by benchmarks/editor.py; it needs nothing of ``server/``."""
from __future__ import annotations

import json
import mimetypes
import re
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from materials.rendering import render_markdown

ROOT = Path(__file__).resolve().parents[3]
STATIC = ROOT / "server" / "static"
HARNESS = Path(__file__).resolve().parent


class Handler(BaseHTTPRequestHandler):
    uploads: dict[str, bytes] = {}

    def log_message(self, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for header, value in (headers or {"Cache-Control": "no-store"}).items():
            self.send_header(header, value)
        self.end_headers()
        self.wfile.write(body)

    def file(self, base: Path, name: str, cached: bool = False) -> None:
        """A file; with `cached`, as the platform serves its static files (Flask): kept by the
        browser and checked again each time (ETag, no-cache), so a page opened again starts from
        the browser's copy of the scripts and the code compiled from them."""
        path = (base / name).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            self.send(404, b"not found", "text/plain")
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "text/javascript"):
            kind += "; charset=utf-8"
        stat = path.stat()
        tag = f'"{stat.st_mtime_ns}-{stat.st_size}"'
        if cached and self.headers.get("If-None-Match") == tag:
            self.send_response(304)
            self.send_header("ETag", tag)
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            return
        self.send(200, path.read_bytes(), kind, {"ETag": tag, "Cache-Control": "no-cache"} if cached else None)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/static/"):
            self.file(STATIC, path[len("/static/"):], cached=True)
        elif path.startswith("/harness/"):
            self.file(HARNESS, path[len("/harness/"):])
        elif path == "/":
            self.file(HARNESS, "index.html")
        elif path == "/favicon.ico":
            self.send(204, b"", "image/x-icon")
        elif path.startswith("/assets/"):
            name = path[len("/assets/"):]
            data = self.uploads.get(name)
            if data is None:  # any other picture of the book: a small grey square
                data = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">'
                        b'<rect width="120" height="80" fill="#ccd"/></svg>')
                self.send(200, data, "image/svg+xml")
            else:
                self.send(200, data, mimetypes.guess_type(name)[0] or "application/octet-stream")
        else:
            self.send(404, b"not found", "text/plain")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        if self.path == "/render":
            html = render_markdown(json.loads(data)["text"])
            html = re.sub(r'src="\.\./assets/', 'src="/assets/', html)
            self.send(200, json.dumps({"html": html}).encode(), "application/json")
        elif self.path == "/upload":
            name = re.sub(r"[^\w.-]", "-", self.headers.get("X-Name") or "image.png")
            self.uploads[name] = data
            self.send(201, json.dumps({"name": name}).encode(), "application/json")
        else:
            self.send(404, b"not found", "text/plain")


class Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A page that navigates on (the next test's ``goto``) drops the requests still open: not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving():
    """The harness at http://127.0.0.1:<free port>/ for the duration of the block."""
    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
