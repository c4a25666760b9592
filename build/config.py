"""The MkDocs configuration of a book site, generated from ``book.yml``.

Authors never write ``mkdocs.yml``: what they may choose (title, language,
palette, features, navigation) passes through the allow-lists below, and
everything that could run code or load from the internet (hooks, plugins,
``custom_dir``, scripts, fonts) is fixed here by the platform.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import html
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

import material

from materials.rendering import MARKDOWN_EXTENSION_CONFIGS, MARKDOWN_EXTENSIONS

HERE = Path(__file__).resolve().parent
HOOKS = HERE / "hooks.py"
THEME_DIR = HERE.parent / "templates" / "site"

# Material's colour names (docs: setup/changing-the-colors).
COLOURS = (
    "red", "pink", "purple", "deep purple", "indigo", "blue", "light blue", "cyan",
    "teal", "green", "light green", "lime", "yellow", "amber", "orange",
    "deep orange", "brown", "grey", "blue grey", "black", "white",
)
DEFAULT_PALETTE = {"primary": "indigo", "accent": "orange"}

# Features a book may switch on; none of them loads anything from outside the site.
FEATURES = (
    "navigation.tabs", "navigation.tabs.sticky", "navigation.sections",
    "navigation.expand", "navigation.path", "navigation.indexes", "navigation.top",
    "navigation.footer", "navigation.tracking", "navigation.prune",
    "toc.follow", "toc.integrate",
    "search.highlight", "search.suggest", "search.share",
    "content.code.copy", "content.code.annotate", "content.tabs.link",
    "content.tooltips", "header.autohide", "announce.dismiss",
)
# Always on: previous/next links at the foot of every chapter.
BASE_FEATURES = ("navigation.footer",)

# Material's search wants jieba-segmented words split on the zero-width space.
SEARCH_SEPARATOR = r"[\s\u200b\u3000\-、。，．？！；]+"

GENERATED_DIR = "jointbook"
GENERATED_PAGES = ("alignment", "contributors", "changes")
DOWNLOADS_PAGE = "downloads"  # a release's only: its printed book, EPUB and task sheets


def material_language(language: str | None) -> str:
    """Material's theme language for a BCP 47 tag (zh-CN -> zh)."""
    tag = (language or "zh-CN").replace("_", "-")
    lower = tag.lower()
    if lower in ("zh-tw", "zh-hk", "zh-hant"):
        return "zh-TW" if lower == "zh-tw" else "zh-Hant"
    if lower.startswith("zh"):
        return "zh"
    base = lower.split("-")[0]
    if (Path(material.__file__).parent / "templates" / "partials" / "languages" / f"{base}.html").exists():
        return base
    return "en"


def is_chinese(language: str | None) -> bool:
    return (language or "zh-CN").lower().startswith("zh")


def allowed_palette(site: Mapping[str, Any] | None) -> dict[str, str]:
    palette = dict(DEFAULT_PALETTE)
    given = (site or {}).get("palette") or {}
    if isinstance(given, Mapping):
        for key in ("primary", "accent"):
            value = given.get(key)
            if isinstance(value, str) and value.strip().lower() in COLOURS:
                palette[key] = value.strip().lower()
    return palette


def allowed_features(site: Mapping[str, Any] | None, parts: Iterable[Any] = ()) -> list[str]:
    """The theme's features the book chose, and what it needs: a part whose own page is a folder's
    ``index.md`` is that page (``navigation.indexes``), unless the book integrates the contents
    into the navigation, which Material does not combine with it."""
    given = (site or {}).get("features") or []
    chosen = [f for f in given if isinstance(f, str) and f in FEATURES] if isinstance(given, list) else []
    indexes = any((part.page or "").rsplit("/", 1)[-1] == "index.md" for part in parts)
    needed = ("navigation.indexes",) if indexes and "toc.integrate" not in chosen else ()
    return list(dict.fromkeys([*chosen, *BASE_FEATURES, *needed]))


def text(value: Any) -> str:
    """User text placed in a theme template: MkDocs templates do not autoescape."""
    return html.escape(str(value or ""), quote=True)


def navigation(parts: Iterable[Any], titles: Mapping[str, str], labels: Mapping[str, str],
               downloads: bool = False) -> list:
    """MkDocs ``nav`` from book.yml parts; chapter titles come from front matter. A release
    (``downloads``) also has its download page, among the pages about the course."""
    nav: list = [{labels["home"]: "index.md"}]
    for part in parts:  # a part's own page first: with navigation.indexes, an index.md is the section's page
        chapters = [{text(titles.get(name, name)): f"chapters/{name}"} for name in part.files()
                    if name in titles]
        if chapters:
            nav.append({text(part.title): chapters})
    pages = [*GENERATED_PAGES, *((DOWNLOADS_PAGE,) if downloads else ())]
    nav.append({labels["about"]: [{labels[page]: f"{GENERATED_DIR}/{page}.md"} for page in pages]})
    return nav


LABELS = {
    "zh": {"home": "首页", "about": "课程信息", "alignment": "标准对标",
           "contributors": "编写团队", "changes": "版本变化", "downloads": "下载"},
    "en": {"home": "Home", "about": "About this course", "alignment": "Standards alignment",
           "contributors": "Contributors", "changes": "Changes", "downloads": "Download"},
}


def labels_for(language: str | None) -> dict[str, str]:
    return LABELS["zh" if is_chinese(language) else "en"]


def site_config(book: str, config: Any, titles: Mapping[str, str], *, version: str,
                platform_url: str | None = None, contact: str | None = None, released: bool = False) -> dict:
    """The whole MkDocs configuration (without docs_dir/site_dir) for one build.

    Only a ``released`` site has Material's version selector: it reads the
    ``versions.json`` beside the site's directory, which only releases have.

    ``config`` is the book's BookConfig; ``titles`` maps chapter file name to
    its front-matter title, in any order (book.yml decides the order).
    """
    site = config.site if isinstance(getattr(config, "site", None), Mapping) else {}
    language = material_language(config.language)
    chinese = is_chinese(config.language)
    edition = str(config.edition or "")
    return {
        "site_name": text(config.title),
        "site_description": text(getattr(config, "description", "") or ""),
        "copyright": text(" · ".join(p for p in (getattr(config, "license", ""), edition) if p)),
        "use_directory_urls": False,
        "theme": {
            "name": "material",
            "custom_dir": str(THEME_DIR),
            "language": language,
            "font": False,
            "palette": allowed_palette(site),
            "features": allowed_features(site, config.navigation),
        },
        "plugins": [
            {"search": {"lang": "zh" if chinese else language.split("-")[0],
                        "separator": SEARCH_SEPARATOR}},
            # search index inlined as a script, so a site opened from disk still searches
            {"offline": {}},
            *([{"redirects": {"redirect_maps": maps}}] if (maps := redirect_maps(config, titles)) else []),
        ],
        "hooks": [str(HOOKS)],
        "markdown_extensions": markdown_extensions(),
        "nav": navigation(config.navigation, titles, labels_for(config.language), downloads=released),
        "validation": {"nav": {"omitted_files": "info", "not_found": "warn"},
                       "links": {"not_found": "warn", "anchors": "info"}},
        "extra": {
            "generator": False,
            **({"version": {"provider": "mike", "default": "latest"}} if released else {}),
            # a local copy: Material's offline plugin would otherwise add unpkg.com
            "polyfills": ["assets/vendor/iframe-worker/shim.js"],
            "jointbook": {
                "book": book,
                "version": version,
                "edition": text(edition),
                "license": text(getattr(config, "license", "") or ""),
                "subtitle": text(getattr(config, "subtitle", "") or ""),
                "platform_url": platform_url.rstrip("/") if platform_url else platform_url,
                "contact": contact or "",
                "chinese": chinese,
            },
        },
    }


RESERVED_TOP = ("chapters", "assets", "search", GENERATED_DIR)  # the site's own folders: no old page answers there


def redirect_maps(config: Any, titles: Mapping[str, str]) -> dict[str, str]:
    """mkdocs-redirects' map for the book's ``redirects``: each old page answers at both addresses an
    MkDocs site may have given it (``a/b.html`` and ``a/b/``, which is ``a/b/index.html`` here), with a
    page that sends the reader on to its chapter. An old page whose chapter left the book, or whose
    address is one of the site's own (its home page, ``chapters/``…), is left out."""
    maps: dict[str, str] = {}
    wanted = [(old, new) for old, new in (getattr(config, "redirects", None) or {}).items() if new in titles]
    for old, new in wanted:  # the directory form first: a real old page of that address wins
        name = old.rsplit("/", 1)[-1].lower()
        if name not in ("index.md", "readme.md"):
            maps[old[:-3] + "/index.md"] = f"chapters/{new}"
    for old, new in wanted:
        maps[old] = f"chapters/{new}"
    return {old: new for old, new in maps.items()
            if old.split("/", 1)[0] not in RESERVED_TOP and old.lower() not in ("index.md", "readme.md", "404.md")}


def markdown_extensions() -> list:
    """The project's one Markdown pipeline, in MkDocs' list form."""
    configs = MARKDOWN_EXTENSION_CONFIGS or {}
    out: list = []
    for name in MARKDOWN_EXTENSIONS:
        key = name if isinstance(name, str) else getattr(name, "__module__", str(name))
        options = configs.get(key)
        out.append({key: _plain(options)} if options else key)
    return out


def _plain(value: Any) -> Any:
    """Extension options as YAML-safe data (callables become !!python/name tags)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Safe YAML plus functions by import name (superfences' custom formatters)."""


def _represent_function(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value.__module__}.{value.__qualname__}", "")


def _represent_partial(dumper: yaml.SafeDumper, value: functools.partial) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:python/object/apply:functools.partial",
                                    {"args": [value.func, *value.args], "kwds": dict(value.keywords)})


_Dumper.add_multi_representer(type(len), _represent_function)
_Dumper.add_multi_representer(type(_plain), _represent_function)
_Dumper.add_representer(functools.partial, _represent_partial)


def dump(config: Mapping[str, Any]) -> str:
    """mkdocs.yml text; MkDocs reads it with its own loader (python/name allowed)."""
    return yaml.dump(dict(config), Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def fingerprint(config: Mapping[str, Any]) -> str:
    """Hash of what shapes every page: the config (paths excluded) and our code.

    Part of every cached page's key, so a template, hook or theme upgrade
    invalidates the cache by itself.
    """
    data = {k: v for k, v in config.items() if k not in ("docs_dir", "site_dir")}
    h = hashlib.sha256(dump(data).encode())
    h.update(code_fingerprint().encode())
    return h.hexdigest()


_CODE: str | None = None


def code_fingerprint() -> str:
    """Hash of the theme overrides, the hooks and the versions of the tools."""
    global _CODE
    if _CODE is None:
        import markdown
        import mkdocs
        import pymdownx
        h = hashlib.sha256()
        try:    # cached search entries hold jieba's words
            jieba_version = importlib.metadata.version("jieba")
        except importlib.metadata.PackageNotFoundError:
            jieba_version = ""
        h.update(f"{mkdocs.__version__} {material.__version__} {markdown.__version__} "
                 f"{pymdownx.__version__} {jieba_version}".encode())
        for path in sorted([HOOKS, HERE / "run.py", HERE / "cache.py", *THEME_DIR.rglob("*.html"), *THEME_DIR.rglob("*.js"),
                            *THEME_DIR.rglob("*.css")]):
            if path.is_file():
                h.update(str(path.relative_to(HERE.parent)).encode())
                h.update(path.read_bytes())
        _CODE = h.hexdigest()
    return _CODE
