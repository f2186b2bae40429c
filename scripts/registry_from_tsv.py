"""Merge ``src/nashra/sources/data/sources-morocco.tsv`` into the default registry (issue 19).

Each outlet of the TSV gets its site and feed address with their provenance (the list, its
confidence and note), unverified; outlets the TSV marks CLOSED are kept but disabled with the
reason; outlets with no address at all are disabled as "no known address". Addresses already in
the registry that the TSV does not give are kept, with their provenance stated. Run it again after
editing the TSV: ``.venv/bin/python scripts/registry_from_tsv.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nashra.sources.registry import Registry

HERE = Path(__file__).resolve().parent.parent / "src" / "nashra" / "sources"
TSV = HERE / "data" / "sources-morocco.tsv"
DEFAULT = HERE / "default.yaml"
LIST = "sources-morocco.tsv (public pages and code, 2026)"


def merge(registry: Registry, rows: list[dict[str, str]]) -> None:
    for row in rows:
        source = registry.get(row["slug"])
        if source is None:
            continue
        site, feed = row["site_url"].strip(), row["feed_url"].strip()
        note = row["note"].strip()
        if site:
            source.site_url = site
        if feed:
            source.feeds = [feed]
        if site or feed:
            source.provenance = f"{LIST}, confidence {row['confidence'] or 'unknown'}" + (
                f"; {note}" if note else ""
            )
        elif note:
            source.provenance = f"{LIST}: no address; {note}"
        if note.upper().startswith("CLOSED"):
            source.enabled = False
            source.disabled_reason = note
    for source in registry.values():
        if not source.provenance and (source.site_url or source.feeds):
            source.provenance = "Nashra's default registry before the TSV (source not recorded)"
        if not source.site_url and not source.feeds:
            source.enabled = False
            source.disabled_reason = source.disabled_reason or "no known address"
        source.verified = ""


def main() -> None:
    text = DEFAULT.read_text(encoding="utf-8")
    header = "".join(line + "\n" for line in text.splitlines() if line.startswith("#") and
                     text.index(line) < text.index("\nsources:"))  # fmt: skip
    registry = Registry.loads(text, origin=str(DEFAULT))
    with TSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    merge(registry, rows)
    body = registry.dump().split("\n", 1)[1]  # without dump()'s own first comment line
    DEFAULT.write_text(header + body, encoding="utf-8")
    enabled = registry.enabled()
    print(
        f"{len(registry)} outlets: {sum(bool(s.feeds) for s in enabled)} with a feed, "
        f"{sum(not s.feeds for s in enabled)} by autodiscovery, "
        f"{len(registry) - len(enabled)} disabled"
    )


if __name__ == "__main__":
    main()
