"""Dates as each demo outlet prints them on its pages (the visible text, not the metadata)."""

from __future__ import annotations

from datetime import datetime

WEEKDAYS_AR = ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"]
# Egypt and the Gulf
MONTHS_GULF = [
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
]  # fmt: skip
# Levant and Iraq (Syriac names)
MONTHS_LEVANT = [
    "كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
    "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول",
]  # fmt: skip
# Morocco
MONTHS_MAGHREB = [
    "يناير", "فبراير", "مارس", "أبريل", "ماي", "يونيو",
    "يوليوز", "غشت", "شتنبر", "أكتوبر", "نونبر", "دجنبر",
]  # fmt: skip
MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip


def visible_date(when: datetime, style: str) -> str:
    """The date line an outlet of ``style`` shows under its headlines."""
    wd = WEEKDAYS_AR[when.weekday()]
    m = when.month - 1
    hm = f"{when:%H:%M}"
    if style == "gulf":
        return f"{wd} {when.day} {MONTHS_GULF[m]} {when.year} - {hm}"
    if style == "alarabiya":
        return f"نشر في: {wd} {when.day} {MONTHS_GULF[m]} {when.year}م - {hm}"
    if style == "cnn":
        return (
            f"{wd}، {when:%d} {MONTHS_GULF[m]}/{MONTHS_LEVANT[m]} {when.year}، "
            f"آخر تحديث {hm} (GMT{when:%z})"
        )
    if style == "levant":
        return f"{when.day} {MONTHS_LEVANT[m]}/ {MONTHS_GULF[m]} {when.year}"
    if style == "france24":
        return f"نشرت في: {when:%d/%m/%Y} - {hm}"
    if style == "maghreb":
        return f"{wd} {when.day} {MONTHS_MAGHREB[m]} {when.year} - {hm}"
    if style == "fr":
        return f"Publié le {when.day} {MONTHS_FR[m]} {when.year} à {when:%Hh%M}"
    raise ValueError(f"unknown date style {style!r}")
