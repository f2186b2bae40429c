"""Interface text lives in the catalogs: no template spells out Arabic, French or English words of
its own, and the reporting sentences come out of the catalogs in each language."""

from __future__ import annotations

import re
from pathlib import Path

from nashra.moderation.texts import text

TEMPLATES = Path(__file__).parents[1] / "src" / "nashra" / "web" / "templates"
ARABIC = re.compile(r"[\u0600-\u06ff]")
COMMENT = re.compile(r"{#.*?#}", re.DOTALL)
SEED_THANKS = (
    "شكرا على الإبلاغ! سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
)


def test_no_template_hard_codes_arabic_text() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(COMMENT.sub("", path.read_text()).splitlines(), 1):
            # The language switcher names each language in itself, on purpose.
            if ARABIC.search(line) and 'hreflang="ar"' not in line:
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:80]}")
    assert found == []


def test_reporting_sentences_come_from_the_catalogs() -> None:
    assert text("thanks", "ar") == SEED_THANKS
    assert text("thanks", "fr").startswith("Merci pour votre signalement")
    assert text("thanks", "en").startswith("Thank you for reporting")
    assert text("thanks", "xx") == SEED_THANKS  # an unknown language falls back to Arabic
