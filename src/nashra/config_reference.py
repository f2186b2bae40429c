"""The settings reference of the README, written from the declarations in :mod:`nashra.config`
(``scripts/settings_doc.py --write`` puts it between the README's markers; a test checks it)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from nashra.config import Declared, Settings, declared_settings

__all__ = ["BEGIN", "END", "markdown", "shown_default"]

BEGIN = "<!-- settings: written by scripts/settings_doc.py from src/nashra/config.py -->"
END = "<!-- end settings -->"


def shown_default(declared: Declared) -> str:
    """The default as the README shows it."""
    if declared.field.metadata.get("shown"):
        return str(declared.field.metadata["shown"])
    value: Any = declared.default
    if value is None or value in ("", ()):
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, Path | str):
        return f"`{value}`"
    return f"`{','.join(value)}`"


def _title(section: str) -> str:
    owner = type(getattr(Settings(), section)) if section else Settings
    summary = (inspect.getdoc(owner) or "").split("\n")[0]
    return f"`settings.{section}`: {summary}" if section else f"`settings`: {summary}"


def markdown() -> str:
    """One table per section: variable and TOML key, default, meaning."""
    lines: list[str] = []
    current: str | None = None
    for declared in declared_settings():
        if declared.section != current:
            current = declared.section
            if lines:
                lines.append("")
            lines += [
                f"**{_title(current)}**",
                "",
                "| variable (TOML key) | default | meaning |",
                "|---|---|---|",
            ]
        doc = declared.doc.replace("|", "\\|")
        lines.append(
            f"| `{declared.env}` (`{declared.name}`) | {shown_default(declared)} | {doc} |"
        )
    return "\n".join(lines) + "\n"
