"""A module-scoped app for the standards and alignment tests that only read (app start-up dominates their time).

Load it from a test module with ``load_shared()`` (tests run with --import-mode=importlib, so it is
not on ``sys.path``); tests that write to the library use the function-scoped ``app`` instead.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from server.app import create_app
from server.database import engine, new_session
from server.accounts.models import Membership, User

PASSWORD = "correct horse battery"
STARTER_BOOK = "locomotive-maintenance"
PEOPLE = {"admin": ("school", True, None), "maintainer": ("school", False, "maintainer"),
          "teacher": ("school", False, "author"), "reviewer": ("enterprise", False, "reviewer"),
          "reader": ("school", False, "reader"), "outsider": ("enterprise", False, None)}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build_app(directory: Path, starter_library: Path, password_hash: str):
    library = directory / "library.git"
    shutil.copytree(starter_library, library)
    app = create_app({
        "JOINTBOOK_INSTANCE": str(directory / "instance"), "DATABASE_URL": f"sqlite:///{directory / 'jb.db'}",
        "LIBRARY_PATH": str(library), "SECRET_KEY": "test-secret", "TESTING": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with new_session(app) as session:
        for name, (side, admin, role) in PEOPLE.items():
            user = User(username=name, display_name=name.title(), side=side, is_admin=admin, active=True,
                        password_hash=password_hash)
            session.add(user)
            if role:
                session.add(Membership(user=user, book=STARTER_BOOK, role=role))
        session.commit()
    return app


def sign_in(app, username: str):
    client = app.test_client()
    token = CSRF_FIELD.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def dispose(app) -> None:
    engine(app).dispose()
