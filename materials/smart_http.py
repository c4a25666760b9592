"""Git's own smart HTTP protocol for a book's repository: ``git http-backend``, started here.

Clones and pushes speak the protocol git itself serves, so every git client
works and nothing of the protocol is written by hand. ``git http-backend`` is a
CGI program: it reads the request from its environment and standard input and
writes the answer, headers first, to standard output. Its environment is built
here from scratch (``gitcommand.isolated_environment`` plus the CGI variables),
from values checked against what git sends; nothing a client sends reaches its
command line, and nothing becomes git configuration.

A push is decided by the platform while git holds it in quarantine: the
mirror's ``pre-receive`` hook (``PUSH_HOOK``) hands the ref updates and the
quarantine folder to the process that started git, through the Unix socket
named by ``JOINTBOOK_PUSH_SOCKET``, and prints the answer back as the
``remote:`` lines the pusher reads.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .errors import MaterialsError
from .gitcommand import isolated_environment

SERVICES = ("git-upload-pack", "git-receive-pack")
REQUEST_TYPES = {"git-upload-pack": "application/x-git-upload-pack-request",
                 "git-receive-pack": "application/x-git-receive-pack-request"}
REPOSITORY = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\.git$")
_PROTOCOL = re.compile(r"^version=[0-9]$")
_USER = re.compile(r"^[A-Za-z0-9_.@+-]{1,100}$")
_ADDRESS = re.compile(r"^[0-9A-Fa-f.:]{1,45}$")
SOCKET_VARIABLE = "JOINTBOOK_PUSH_SOCKET"

PUSH_HOOK = """#!{python}
# Jointbook: the platform that started this git decides every push (see materials/smart_http.py).
import json, os, socket, sys
path = os.environ.get("{variable}")
if not path:
    sys.stderr.write("This book takes pushes through the platform only.\\n")
    sys.exit(1)
request = {{"updates": sys.stdin.read(), "quarantine": os.environ.get("GIT_QUARANTINE_PATH", "")}}
channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
channel.connect(path)
channel.sendall(json.dumps(request).encode())
channel.shutdown(socket.SHUT_WR)
answer = b""
while True:
    chunk = channel.recv(65536)
    if not chunk:
        break
    answer += chunk
answer = json.loads(answer or b'{{"ok": false, "messages": ["The platform did not answer."]}}')
for line in answer["messages"]:
    sys.stderr.write(line + "\\n")
sys.exit(0 if answer["ok"] else 1)
"""


def push_hook() -> str:
    """The mirror's ``pre-receive`` hook, run by this interpreter (standard library only)."""
    return PUSH_HOOK.format(python=sys.executable, variable=SOCKET_VARIABLE)


def backend_environment(project_root: str | Path, repository: str, action: str, *, method: str,
                        service: str | None, content_type: str, content_encoding: str, protocol: str,
                        remote_user: str, remote_addr: str, push_socket: str | None = None) -> dict[str, str]:
    """The whole environment of one ``git http-backend`` run; ``MaterialsError`` for a value git would
    not send (the caller answers 404 or 400)."""
    if not REPOSITORY.match(repository or ""):
        raise MaterialsError("no such repository", reason="repository")
    if action == "info/refs":
        if method != "GET" or service not in SERVICES:
            raise MaterialsError("only git's smart protocol is served", reason="dumb")
        query = f"service={service}"
    elif action in SERVICES:
        if method != "POST" or content_type != REQUEST_TYPES[action]:
            raise MaterialsError("not a git request", reason="content_type")
        query = ""
    else:
        raise MaterialsError("no such repository", reason="action")
    env = isolated_environment()
    env.update({
        "GIT_PROJECT_ROOT": str(Path(project_root).absolute()),
        "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{repository}/{action}",
        "REQUEST_METHOD": method,
        "QUERY_STRING": query,
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    })
    if action != "info/refs":
        env["CONTENT_TYPE"] = content_type
    if content_encoding in ("gzip", "x-gzip"):
        env["HTTP_CONTENT_ENCODING"] = content_encoding
    if _PROTOCOL.match(protocol or ""):
        env["GIT_PROTOCOL"] = protocol
    if not _USER.match(remote_user or ""):
        raise MaterialsError("no such account", reason="user")
    env["REMOTE_USER"] = remote_user
    if _ADDRESS.match(remote_addr or ""):
        env["REMOTE_ADDR"] = remote_addr
    if push_socket:
        env[SOCKET_VARIABLE] = push_socket
    return env


def start_backend(env: dict[str, str]) -> subprocess.Popen:
    """``git http-backend`` with ``env``; the caller feeds its input and reads its answer."""
    return subprocess.Popen(["git", "http-backend"], env=env, cwd=env["HOME"], start_new_session=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_cgi_headers(stream) -> tuple[int, list[tuple[str, str]]]:
    """The status and headers ``git http-backend`` writes before the body."""
    status, headers = 200, []
    while True:
        line = stream.readline()
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name, value))
    return status, headers
