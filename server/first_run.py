"""What the first ``jointbook serve`` on an empty instance creates: library and demo accounts.

Demo passwords are generated, printed once, and stored nowhere in plain text.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from server.database import new_session
from server.library import create_library
from server.accounts.models import Membership, Role, User
from server.accounts.passwords import generated_password


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    side: str
    is_admin: bool
    role: Role | None  # role on every starter book
    password: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin", "管理员 Administrator", "school", True, Role.maintainer),
    DemoAccount("teacher", "王老师 Teacher Wang", "school", False, Role.author),
    DemoAccount("technician", "李师傅 Technician Li", "enterprise", False, Role.author),
    DemoAccount("school-reviewer", "张老师 Reviewer Zhang", "school", False, Role.reviewer),
    DemoAccount("enterprise-reviewer", "赵工 Reviewer Zhao", "enterprise", False, Role.reviewer),
)


def create_demo_accounts(app: Flask, books: list[str]) -> list[DemoAccount]:
    """Create the demo accounts if the database has no account at all; return them with passwords."""
    created: list[DemoAccount] = []
    with new_session(app) as session:
        if session.scalar(select(func.count()).select_from(User)):
            return []
        for spec in DEMO_ACCOUNTS:
            password = generated_password()
            user = User(username=spec.username, display_name=spec.display_name, side=spec.side,
                        is_admin=spec.is_admin, active=True)
            user.set_password(password)
            session.add(user)
            if spec.role is not None:
                for book in books:
                    session.add(Membership(user=user, book=book, role=spec.role.value))
            created.append(DemoAccount(spec.username, spec.display_name, spec.side, spec.is_admin, spec.role, password))
        session.commit()
    return created


def prepare_instance(app: Flask, starter: bool = True) -> tuple[bool, list[DemoAccount]]:
    """Create the library (with the starter course) and the demo accounts when missing."""
    library_path = Path(app.config["LIBRARY_PATH"])
    created_library = create_library(library_path, starter=starter)
    Path(app.config["SITES_DIR"]).mkdir(parents=True, exist_ok=True)
    with app.app_context():
        from server.library import book_titles

        books = list(book_titles())
    return created_library, create_demo_accounts(app, books)
