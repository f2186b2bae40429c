"""Write the README's settings reference from the declarations in ``src/nashra/config.py``.

    .venv/bin/python scripts/settings_doc.py           # print the tables
    .venv/bin/python scripts/settings_doc.py --write   # … and replace them in README.md

The tables sit between the two markers of :mod:`nashra.config_reference` in the README's
"Configuration" section; ``tests/test_config.py`` fails when they differ from the declarations.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nashra.config_reference import BEGIN, END, markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def write(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    path.write_text(f"{text[:start]}\n\n{markdown()}\n{text[end:]}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="replace the tables in README.md")
    args = parser.parse_args(argv)
    if args.write:
        write()
    else:
        print(markdown(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
