"""``python -m nashra.web.i18n extract|update|compile``: maintain the catalogs without make.

extract  scan templates and Python sources into ``messages.pot``
update   merge ``messages.pot`` into each language's ``messages.po``
compile  build each ``messages.mo`` (committed, so an install needs no build step)
"""

from __future__ import annotations

import sys

from babel.messages.frontend import CommandLineInterface

from nashra.web.i18n import CATALOG_DIR, DOMAIN

WEB_DIR = CATALOG_DIR.parent
# Features outside nashra.web (moderation, search…) mark their reader-facing text with _() too.
PACKAGE_DIR = WEB_DIR.parent
POT = CATALOG_DIR / f"{DOMAIN}.pot"
MAPPING = CATALOG_DIR / "babel.cfg"


def run(action: str) -> None:
    """Run one pybabel action on the portal's catalogs."""
    if action == "extract":
        args = ["extract", "-F", str(MAPPING), "-o", str(POT), "--no-location", "--sort-output",
                "--project", "nashra", "-k", "_", str(PACKAGE_DIR)]  # fmt: skip
    elif action == "update":
        args = [
            "update",
            "-i",
            str(POT),
            "-d",
            str(CATALOG_DIR),
            "-D",
            DOMAIN,
            "--no-fuzzy-matching",
        ]
    elif action == "compile":
        args = ["compile", "-d", str(CATALOG_DIR), "-D", DOMAIN, "--statistics"]
    else:
        raise SystemExit(f"unknown action {action!r}: use extract, update or compile")
    CommandLineInterface().run(["pybabel", *args])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        raise SystemExit(__doc__)
    for action in argv:
        run(action)


if __name__ == "__main__":
    main()
