"""The interface in Chinese (zh-CN) and English.

The language comes from the person's choice (kept in the session by the
language switch), else from the browser's Accept-Language, else the
instance default. Catalogs are kept as ``.po`` text in ``server/translations``
and compiled to ``.mo`` in ``TRANSLATIONS_DIR`` (under the instance directory
unless configured) at start, only when a ``.po`` is newer, so no generated
binary is committed and a stale catalog can never be served.
"""
from __future__ import annotations

import os
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, request, session
from flask_babel import Babel

CATALOGS = Path(__file__).parent / "translations"
# Locale code -> the name shown in the language switch (always in its own language).
LOCALES: dict[str, str] = {"zh_CN": "中文", "en": "English"}


def select_locale() -> str:
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    for language, _quality in request.accept_languages:
        tag = language.replace("-", "_").lower()
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return current_app.config.get("DEFAULT_LOCALE", "zh_CN")


def compile_catalogs(target: Path) -> Path:
    """Compile every ``.po`` under ``server/translations`` into ``target`` when missing or stale."""
    for po_path in CATALOGS.glob("*/LC_MESSAGES/*.po"):
        # Flask-Babel looks catalogs up by Babel's full name of the locale ("zh_Hans_CN").
        locale = po_path.parts[-3]
        mo_path = target / str(Locale.parse(locale)) / "LC_MESSAGES" / po_path.with_suffix(".mo").name
        if mo_path.is_file() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        draft = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with draft.open("wb") as fh:
            write_mo(fh, catalog)
        os.replace(draft, mo_path)  # atomic: a concurrent reader sees the old or the new file
    return target


def init_i18n(app: Flask) -> None:
    compiled = compile_catalogs(Path(app.config["TRANSLATIONS_DIR"]))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compiled)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")  # msgids are English
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["LOCALES"] = LOCALES


# ---------------------------------------------------------------- for developers

# review/ words its codes in English, marked with N_ (review/messages.py); the server translates them.
EXTRACT_FROM = [("server/**.py", "python"), ("review/**.py", "python"), ("templates/ui/**.html", "jinja2")]  # as in babel.cfg
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def update_catalogs() -> list[str]:
    """Add every new message of the code to each ``.po`` (keeping translations); return the untranslated.

    Run ``python3 -m server.i18n`` after adding ``_()`` strings, then fill in
    the empty ``msgstr`` lines of ``server/translations/zh_CN/LC_MESSAGES/messages.po``.
    """
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import write_po

    root = Path(__file__).resolve().parent.parent
    template = Catalog(project="Jointbook")
    for filename, lineno, message, comments, context in extract_from_dir(str(root), EXTRACT_FROM, keywords=KEYWORDS):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    untranslated: list[str] = []
    for po_path in CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=po_path.parts[-3])
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path.open("wb") as fh:
            write_po(fh, catalog, no_location=True, sort_output=True, width=0)
        untranslated += [f"{po_path.parts[-3]}: {m.id}" for m in catalog if m.id and not m.string]
    return untranslated


if __name__ == "__main__":
    missing = update_catalogs()
    print("\n".join(missing) if missing else "every message is translated")
