"""mkdocs hook: the site's "The model" page is solvers.md at the repository's root (one text,
read by people on GitHub and on the site), its links made relative to the site's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def on_page_read_source(page: Any, config: Any) -> str | None:
    if page.file.src_uri == "model.md":
        return (ROOT / "solvers.md").read_text(encoding="utf-8")
    return None
