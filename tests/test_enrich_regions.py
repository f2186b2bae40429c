"""The Moroccan gazetteer: spellings, Arabic proclitics, French elision, where a place is named."""

from __future__ import annotations

import re

import pytest

from nashra.enrich.gazetteer import REGIONS
from nashra.enrich.regions import find_region, split_lead, tag_regions

ARABIC = re.compile(r"[\u0600-\u06ff]")


def slugs(title: str, body: str = "") -> list[str]:
    return [m.slug for m in tag_regions(title, body)]


def test_there_are_twelve_regions_with_arabic_and_french_names() -> None:
    assert len(REGIONS) == 12
    assert len({r.slug for r in REGIONS}) == 12
    for region in REGIONS:
        assert region.name_ar and region.name_fr
        assert len(region.places) >= 4, region.slug
        for place, spellings in region.places.items():
            arabic = [s for s in spellings if ARABIC.search(s)]
            assert arabic and len(arabic) < len(spellings), (region.slug, place)


@pytest.mark.parametrize(
    "title",
    [
        "حريق في الدار البيضاء",
        "حريق في الدارالبيضاء",
        "حريق بكازا",
        "Incendie à Casablanca",
        "Le Raja de Casa en finale au Maroc",
        "حريق في البيضاء يستنفر السلطات المغربية",  # the short name, in a Moroccan context
    ],
)
def test_casablanca_spellings(title: str) -> None:
    assert slugs(title) == ["casablanca-settat"]


@pytest.mark.parametrize(
    ("title", "region"),
    [
        ("افتتاح معرض بالرباط في المغرب", "rabat-sale-kenitra"),  # ب + ال
        ("أمطار غزيرة والرباط تحت الماء بالمغرب", "rabat-sale-kenitra"),  # و + ال
        ("زيارة للرباط من وفد مغربي", "rabat-sale-kenitra"),  # ل + ال → لل
        ("وصول القطار لمراكش", "marrakech-safi"),  # ل
        ("مهرجان بمراكش", "marrakech-safi"),  # ب
        ("ومراكش تستقبل السياح", "marrakech-safi"),  # و
        ("وبمراكش افتتح المعرض", "marrakech-safi"),  # و + ب
        ("فاس تحتفي بالموسيقى", "fes-meknes"),
        ("بطنجة وتطوان", "tanger-tetouan-al-hoceima"),
        ("أمطار في أسفي", "marrakech-safi"),  # hamza variants of آسفي
        ("أمطار في اسفي", "marrakech-safi"),
        ("الحُسَيْمَة تستعد للصيف", "tanger-tetouan-al-hoceima"),  # harakat
    ],
)
def test_arabic_prefixes(title: str, region: str) -> None:
    assert slugs(title) == [region]


@pytest.mark.parametrize(
    ("title", "region"),
    [
        ("Le port d'Agadir bat un record", "souss-massa"),
        ("Le port d’Agadir bat un record", "souss-massa"),  # typographic apostrophe
        ("Les pluies touchent l'Oriental", "oriental"),
        ("La médina de Fès restaurée", "fes-meknes"),
        ("La médina de Fes restaurée", "fes-meknes"),
        ("Séisme dans la province d'Al Haouz", "marrakech-safi"),
        ("Festival de Tan-Tan", "guelmim-oued-noun"),
        ("Vol direct pour Laâyoune", "laayoune-sakia-el-hamra"),
    ],
)
def test_french_spellings_and_elision(title: str, region: str) -> None:
    assert slugs(title) == [region]


def test_latin_names_must_be_capitalised() -> None:
    assert slugs("Le caramel salé et le beurre salé") == []
    assert slugs("Il a visité Salé") == ["rabat-sale-kenitra"]


def test_ambiguous_words_need_a_moroccan_context() -> None:
    # Al Bayda is also a Yemeni province, «العيون» means "the eyes", «بركان» a volcano.
    assert slugs("غارات على البيضاء في اليمن", "قصف التحالف محافظة البيضاء") == []
    assert slugs("ثوران بركان في إندونيسيا") == []
    assert slugs("دموع العيون") == []
    assert slugs("نهضة بركان تفوز") == ["oriental"]  # the club's name is not ambiguous
    assert slugs("ثوران بركان", "أعلنت السلطات المغربية عن زلزال خفيف") == ["oriental"]


def test_title_and_lead_weigh_more_than_a_mention_deep_in_the_body() -> None:
    filler = "\n".join(["كلام عام عن الاقتصاد العالمي والأسواق."] * 6)
    assert slugs("أخبار", filler + "\nوفي طنجة أيضا") == []  # one passing mention at the end
    assert slugs("أخبار", "افتتح في طنجة معرض.\n" + filler) == ["tanger-tetouan-al-hoceima"]
    many = filler + "\n" + "\n".join(["وفي طنجة أيضا"] * 4)
    assert slugs("أخبار", many) == ["tanger-tetouan-al-hoceima"]  # the body keeps coming back


def test_regions_are_ordered_by_score() -> None:
    matches = tag_regions("زلزال في الحوز", "شعر به سكان مراكش وأكادير بالمغرب")
    assert [m.slug for m in matches][:2] == ["marrakech-safi", "souss-massa"]
    assert matches[0].score > matches[1].score
    assert set(matches[0].places) == {"Al Haouz", "Marrakech"}


def test_no_region_for_empty_or_foreign_text() -> None:
    assert slugs("", "") == []
    assert slugs("قمة في باريس", "اجتمع القادة الأوروبيون في بروكسل") == []


def test_split_lead_keeps_first_paragraphs_and_cuts_long_ones() -> None:
    lead, rest = split_lead("أ\nب\nج\nد")
    assert (lead, rest) == ("أ\nب", "ج\nد")
    long = "كلمة " * 300
    lead, rest = split_lead(long)
    assert len(lead) <= 600 and lead + rest.replace("\n", "") == long.rstrip("\n")


def test_find_region_for_the_search_mode() -> None:
    assert find_region("البيضاء").slug == "casablanca-settat"
    assert find_region("بالدار البيضاء").slug == "casablanca-settat"
    assert find_region("fes").slug == "fes-meknes"  # typed queries are not capitalised
    assert find_region("souss-massa").slug == "souss-massa"
    assert find_region("العيون").slug == "laayoune-sakia-el-hamra"
    assert find_region("") is None
    assert find_region("باريس") is None
