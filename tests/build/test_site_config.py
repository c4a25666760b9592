"""The MkDocs configuration comes from book.yml through an allow-list only."""
from __future__ import annotations

from build.config import HOOKS, THEME_DIR, site_config
from build.previews import build_preview, prune_previews
from materials.books import BookConfig, Part

from .conftest import BOOK


def book(site: dict) -> BookConfig:
    return BookConfig(title="<b>机车</b>", language="zh-CN", license="CC-BY-SA-4.0", edition="2026",
                      standards=(), navigation=(Part("第一篇", ("01.md", "02.md")),), review={}, site=site)


def test_authors_cannot_inject_hooks_plugins_theme_or_scripts():
    config = site_config(BOOK, book({
        "palette": {"primary": "javascript:alert(1)", "accent": "orange"},
        "features": ["navigation.tabs", "navigation.instant", "x"],
        "hooks": ["/tmp/evil.py"], "plugins": ["macros"], "custom_dir": "/tmp",
        "extra_javascript": ["https://evil.example/x.js"], "theme": {"name": "readthedocs"},
    }), {"01.md": "一", "02.md": "二"}, version="1.0", released=True)
    assert config["hooks"] == [str(HOOKS)]
    assert [list(p)[0] for p in config["plugins"]] == ["search", "offline"]
    assert config["theme"]["custom_dir"] == str(THEME_DIR) and config["theme"]["name"] == "material"
    assert config["theme"]["palette"] == {"primary": "indigo", "accent": "orange"}
    assert "navigation.tabs" in config["theme"]["features"]
    assert "navigation.instant" not in config["theme"]["features"] and "x" not in config["theme"]["features"]
    assert "extra_javascript" not in config and config["theme"]["font"] is False
    assert config["site_name"] == "&lt;b&gt;机车&lt;/b&gt;"
    assert config["theme"]["language"] == "zh" and config["plugins"][0]["search"]["lang"] == "zh"
    assert config["nav"][1] == {"第一篇": [{"一": "chapters/01.md"}, {"二": "chapters/02.md"}]}
    assert config["extra"]["version"]["provider"] == "mike"


def test_preview_is_skipped_when_the_book_tree_is_unchanged_and_pruned_when_closed(published, tmp_path):
    lib = published.lib
    first = build_preview(lib, BOOK, 7, "main", tmp_path / "previews", platform_url=None)
    again = build_preview(lib, BOOK, 7, "main", tmp_path / "previews", platform_url=None)
    assert not first.skipped and again.skipped
    assert (tmp_path / "previews" / "7" / "chapters" / "01-locomotive-overview.html").is_file()
    assert prune_previews(tmp_path / "previews", keep={"8"}) == ["7"]
    assert not (tmp_path / "previews" / "7").exists()
