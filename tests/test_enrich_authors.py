"""Bylines: agencies, outlet names, datelines, "by"/«بقلم», initials and junk are not authors."""

from __future__ import annotations

import pytest

from nashra.enrich.authors import AGENCIES, agency_name, author_key, clean_byline

ALARABIYA = ["العربية", "Al Arabiya", "alarabiya"]


@pytest.mark.parametrize(
    ("raw", "agency"),
    [
        ("و م ع", "MAP"),
        ("و.م.ع", "MAP"),
        ("ومع", "MAP"),
        ("(و م ع)", "MAP"),
        ("الرباط (و م ع)", "MAP"),
        ("MAP", "MAP"),
        ("Rabat - MAP", "MAP"),
        ("وكالة المغرب العربي للأنباء", "MAP"),
        ("أ ف ب", "AFP"),
        ("أ.ف.ب", "AFP"),
        ("AFP", "AFP"),
        ("فرانس برس", "AFP"),
        ("واشنطن - فرانس برس", "AFP"),
        ("د ب أ", "dpa"),
        ("د.ب.أ", "dpa"),
        ("باريس - د ب أ", "dpa"),
        ("مدريد - د ب أ", "dpa"),
        ("رويترز", "Reuters"),
        ("Reuters", "Reuters"),
        ("لندن - رويترز", "Reuters"),
        ("الرياض - واس", "SPA"),
        ("الأناضول", "Anadolu"),
        ("العربية.نت، وكالات", "agencies"),
        ("العربية.نت ووكالات", "agencies"),
    ],
)
def test_agency_tags_are_an_agency_not_an_author(raw: str, agency: str) -> None:
    byline = clean_byline(raw, ALARABIYA)
    assert byline.agency == agency
    assert byline.author == ""
    assert byline.author_key == ""


@pytest.mark.parametrize(
    "raw",
    [
        "العربية.نت",
        "دبي ـ العربية.نت",  # a tatweel typed for a dash
        "دبي - قناة العربية",
        "أبوظبي - سكاي نيوز عربية",
        "فرانس 24",
        "هيئة التحرير",
        "La rédaction",
        "admin",
        "30174026-20d9-40a2-9e04-5b63346a78a6",  # an id left in the author field
        "https://www.example.com/author/x",
        "م.ب",  # initials
        "A.B.",
        "J.-P. D.",
        "2018-03-01",
        "الرباط",  # a dateline alone
        "",
        "   ",
        None,
    ],
)
def test_outlets_desks_datelines_initials_and_junk_are_not_authors(raw: str | None) -> None:
    names = [*ALARABIYA, "سكاي نيوز عربية", "فرانس 24"]
    byline = clean_byline(raw, names)
    assert byline.author == ""
    assert byline.agency == ""


@pytest.mark.parametrize(
    ("raw", "author"),
    [
        ("القاهرة - أحمد الريدي", "أحمد الريدي"),  # a place before a dash
        ("القاهرة- أحمد الريدي", "أحمد الريدي"),
        ("اليمن- إسلام سيف", "إسلام سيف"),
        ("العربية.نت - إسلام سيف", "إسلام سيف"),  # the outlet before a dash
        ("العربية.نت – عهد فاضل", "عهد فاضل"),
        ("الأراضي اليمنية - هاني الصفيان", "هاني الصفيان"),  # a place we do not know
        ("طاهر هاني", "طاهر هاني"),
        ("بقلم: عبد الله الدرويش", "عبد الله الدرويش"),
        ("بقلم عبد الله الدرويش", "عبد الله الدرويش"),
        ("By John Smith", "John Smith"),
        ("by John Smith", "John Smith"),
        ("Par Jean-Pierre Dupont", "Jean-Pierre Dupont"),  # a hyphen inside a name stays
        ("  مها   بن عبد العظيم ", "مها بن عبد العظيم"),
    ],
)
def test_person_names_are_kept_clean(raw: str, author: str) -> None:
    assert clean_byline(raw, ALARABIYA).author == author


def test_person_and_agency_together() -> None:
    byline = clean_byline("الرباط - محمد العلوي (و م ع)")
    assert (byline.author, byline.agency) == ("محمد العلوي", "MAP")
    byline = clean_byline("Le Monde avec AFP", ["Le Monde", "lemonde"])
    assert (byline.author, byline.agency) == ("", "AFP")
    byline = clean_byline("Jean Dupont et Marie Curie")
    assert byline.author == "Jean Dupont, Marie Curie"


def test_one_writer_spelled_differently_has_one_key() -> None:
    spellings = [
        "عبد الله الدرويش",
        "عبدالله الدرويش",
        "عبدُ اللهِ الدرويش",
        "الدكتور عبد الله الدرويش",
    ]
    assert len({author_key(s) for s in spellings}) == 1
    assert author_key("إسلام سيف") == author_key("اسلام سيف")
    assert author_key("أبو بكر سالم") == author_key("ابوبكر سالم")
    assert author_key("Hélène Dupré") == author_key("HELENE DUPRE")
    assert author_key("محمد بن علي") == author_key("محمد ابن علي")
    assert author_key("أحمد الريدي") != author_key("أحمد الحربي")


def test_every_agency_has_names_in_each_language() -> None:
    for code in AGENCIES:
        for lang in ("ar", "fr", "en"):
            assert agency_name(code, lang)
    assert agency_name("MAP", "ar") == "و م ع"
    assert agency_name("unknown-code") == "unknown-code"
