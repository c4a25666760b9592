"""Preview sites of change requests: ``<previews_dir>/<cr>/``.

Rebuilt when the change request's head changes what the site is made of;
skipped when the book tree (with standards, library.yml and our code) is the
one of the last successful preview, recorded in ``<cr>.json`` beside the
output. Old previews are pruned.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

from .errors import SiteError
from .site import BuildResult, build_site, recorded_key

CR_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
KEEP_DAYS = 30


class PreviewInvalid(SiteError):
    code = "preview.invalid_id"


def preview_dir(previews_dir: str | Path, cr: str | int) -> Path:
    cr = str(cr)
    if not CR_RE.match(cr):
        raise PreviewInvalid(f"invalid change request id {cr!r}", cr=cr)
    return Path(previews_dir) / cr


def build_preview(lib, book: str, cr: str | int, rev: str, previews_dir: str | Path, *,
                  platform_url: str | None = "", cache_dir: str | Path | None = None,
                  timeout: float = 600) -> BuildResult:
    """Build (or keep) the preview of change request ``cr`` at ``rev``."""
    out = preview_dir(previews_dir, cr)
    cache = cache_dir if cache_dir is not None else Path(previews_dir) / ".cache"
    result = build_site(lib, book, rev, out, version=f"preview-{cr}", platform_url=platform_url,
                        cache_dir=cache, timeout=timeout)
    record = out.with_name(f"{out.name}.json")
    record.write_text(json.dumps({
        "book": book, "cr": str(cr), "commit": lib.resolve(rev), "key": result.key,
        "tree": lib.subtree(rev, f"books/{book}"), "skipped": result.skipped,
        "built_at": time.time(), "duration": round(result.duration, 3),
    }, indent=1))
    return result


def preview_record(previews_dir: str | Path, cr: str | int) -> dict | None:
    try:
        return json.loads(preview_dir(previews_dir, cr).with_suffix(".json").read_text())
    except (OSError, ValueError):
        return None


def is_current(lib, book: str, cr: str | int, rev: str, previews_dir: str | Path, *,
               platform_url: str | None = "") -> bool:
    """Whether the preview already shows ``rev`` (no job needed)."""
    from .site import site_key
    out = preview_dir(previews_dir, cr)
    return recorded_key(out) == site_key(lib, book, rev, version=f"preview-{cr}", platform_url=platform_url,
                                         contact=getattr(lib.book(book, rev, chapters=False).config, "contact", None))


def prune_previews(previews_dir: str | Path, keep: set[str] | None = None, *, max_age_days: float = KEEP_DAYS) -> list[str]:
    """Remove previews of change requests not in ``keep`` (the open ones), and any older than the limit."""
    root = Path(previews_dir)
    removed = []
    if not root.is_dir():
        return removed
    cutoff = time.time() - max_age_days * 86400
    for path in root.iterdir():
        if path.name.startswith(".") or not path.is_dir() or not CR_RE.match(path.name):
            continue
        record = path.with_name(f"{path.name}.json")
        try:
            built = json.loads(record.read_text()).get("built_at", 0)
        except (OSError, ValueError):
            built = path.stat().st_mtime
        if (keep is not None and path.name not in keep) or built < cutoff:
            shutil.rmtree(path, ignore_errors=True)
            record.unlink(missing_ok=True)
            removed.append(path.name)
    return sorted(removed)
