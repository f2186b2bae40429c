"""Sections: the per-outlet mapping, the shipped classifier (held-out figures against a
TF-IDF + LinearSVC baseline computed here), the confidence threshold and the order."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nashra.demo.corpus import ant_article, archive_records, load_ant_rows
from nashra.demo.examples import ant_examples, french_page_examples
from nashra.demo.outlets import ANT_SOURCE_OUTLET
from nashra.demo.sites import DemoSites
from nashra.enrich.classifier import (
    MODEL_FILE,
    Example,
    SectionModel,
    evaluate,
    score,
    shipped_model,
)
from nashra.enrich.fitting import (
    _threshold,
    baseline_guesses,
    c_judges,
    fit,
    validation_split,
)
from nashra.enrich.sections import CLASSIFIER, MAPPING, choose_section, mapped_section
from nashra.enrich.training import (
    HELD_OUT_FROM,
    jsonl_examples,
    split,
    tsv_examples,
)
from nashra.sections import SECTIONS
from nashra.sources.registry import Source, default_registry

DATA = Path(__file__).parent / "data" / "enrich"
# A floor under the figure scripts/train_sections.py printed for the hand-written French
# paragraphs (0.667 on 24): a regression of a few paragraphs fails the suite. The Arabic floor is
# the baseline, computed below on the same split.
FR_ACCURACY_FLOOR = 0.55
URL_SECTIONED = {
    "skynewsarabia", "alarabiya", "cnnarabic", "lemonde", "lefigaro", "lesechos", "euronews-fr"
}  # fmt: skip


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    out = list(ant_examples())
    out += tsv_examples(DATA / "fr_sections.tsv", "fr")
    out += tsv_examples(DATA / "ar_sections.tsv", "ar")
    out += french_page_examples()
    return out


@pytest.fixture(scope="module")
def held_out(examples: list[Example]) -> list[Example]:
    return split(examples)[1]


@pytest.fixture(scope="module")
def ant_held_out(held_out: list[Example]) -> list[Example]:
    return [e for e in held_out if e.published and e.lang == "ar"]


# -- the per-outlet mapping ------------------------------------------------------------------


def test_every_demo_outlet_maps_its_categories_and_url_paths_to_the_expected_section() -> None:
    sites = DemoSites(limit=60)
    sources = {s.slug: s for s in sites.sources("http://127.0.0.1:9")}
    checked, by_url = set(), set()
    for expected in sites.expected_articles():
        source = sources[expected["source"]]
        url = "http://127.0.0.1:9" + expected["url_path"]
        # what the crawl sees: the feed's category label and the article's URL
        choice = choose_section(
            source, [expected["category"]], url, expected["title"], "", expected["lang"]
        )
        assert (choice.section, choice.source, choice.confidence) == (
            expected["section"],
            MAPPING,
            1.0,
        ), (source.slug, url)
        # the category label alone, on an address that says nothing
        assert mapped_section(source, [expected["category"]], "http://x/") == expected["section"]
        # the URL alone, for outlets whose addresses carry a section segment (BBC's, France
        # 24's and Hespress's do not: «/arabic/world-43241509»)
        if source.slug in URL_SECTIONED:
            assert mapped_section(source, [], url) == expected["section"], (source.slug, url)
            by_url.add(source.slug)
        checked.add(source.slug)
    assert checked == set(sources)
    assert by_url == URL_SECTIONED


def test_feed_category_wins_over_url_and_labels_are_case_and_space_insensitive() -> None:
    source = Source(slug="outlet", categories={"Sport": "sports", "economie": "economics"})
    assert mapped_section(source, ["  SPORT "], "http://o.ma/economie/1") == "sports"
    assert mapped_section(source, ["inconnu"], "http://o.ma/economie/1") == "economics"
    assert mapped_section(source, [], "http://o.ma/autre/1") is None


def test_a_mapping_to_an_unknown_section_is_ignored() -> None:
    source = Source(slug="outlet", categories={"gossip": "gossip"})
    assert mapped_section(source, ["gossip"], "http://o.ma/gossip/1") is None


def test_default_registry_specialised_outlets_fall_back_to_their_section() -> None:
    registry = default_registry()
    elbotola = registry.get("elbotola")
    assert elbotola is not None and elbotola.default_section == "sports"
    # a text the classifier cannot read (no known word) → the outlet's default section
    choice = choose_section(elbotola, [], "https://www.elbotola.com/x", "zzqx", "", "ar")
    assert (choice.section, choice.source) == ("sports", MAPPING)


def test_unlabelled_article_goes_to_the_classifier_with_its_confidence() -> None:
    source = Source(slug="generic")
    title = "الوداد يفوز على الرجاء في ديربي الدار البيضاء"
    body = "سجل مهاجم الوداد هدفين في الشوط الثاني من المباراة أمام الرجاء في البطولة الاحترافية."
    choice = choose_section(source, [], "https://generic.ma/1", title, body, "ar")
    assert choice.section == "sports"
    assert choice.source == CLASSIFIER
    assert 0.5 <= choice.confidence <= 1.0


def test_french_article_is_classified_by_the_french_model() -> None:
    source = Source(slug="generic", lang="fr")
    choice = choose_section(
        source,
        [],
        "https://generic.fr/1",
        "Le ministère de la Santé lance une campagne de vaccination",
        "Les médecins des hôpitaux publics appellent les parents à faire vacciner les enfants.",
        "fr",
    )
    assert choice.section == "health"
    assert choice.source == CLASSIFIER


def test_language_without_model_and_no_default_gives_no_section() -> None:
    choice = choose_section(Source(slug="generic"), [], "https://g.ma/1", "Hello", "world", "en")
    assert (choice.section, choice.source, choice.confidence) == (None, None, None)


# -- the shipped classifier -----------------------------------------------------------------


def test_shipped_model_loads_fast_and_knows_every_section() -> None:
    shipped_model.cache_clear()
    started = time.perf_counter()
    model = shipped_model()
    elapsed = time.perf_counter() - started
    assert model is not None
    assert elapsed < 1.0, f"the model took {elapsed:.2f} s to load"
    assert set(model.languages) == {"ar", "fr"}
    for lang_model in model.languages.values():
        assert set(lang_model.sections) <= set(SECTIONS)
        assert 0.0 < lang_model.threshold < 1.0
    assert set(model.languages["fr"].sections) == set(SECTIONS)


def test_shipped_model_loads_and_classifies_without_scikit_learn_or_numpy() -> None:
    code = (
        "import sys\n"
        "for name in ('sklearn', 'numpy', 'scipy'):\n"
        "    sys.modules[name] = None  # any import of them now fails\n"
        "from nashra.enrich.classifier import shipped_model\n"
        "p = shipped_model().predict('الوداد يفوز على الرجاء', 'سجل مهاجم الوداد هدفين في المباراة', 'ar')\n"
        "print(p.section)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "sports"


def test_held_out_split_is_by_date_for_ant_and_by_hash_otherwise(examples: list[Example]) -> None:
    train, test = split(examples)
    ant_train = [e for e in train if e.published]
    ant_test = [e for e in test if e.published and e.lang == "ar"]
    assert ant_train and ant_test
    assert max(e.published for e in ant_train) < HELD_OUT_FROM <= min(e.published for e in ant_test)
    assert min(e.published for e in ant_test) == "2018-03-22"
    assert max(e.published for e in ant_test) == "2018-03-31"
    written = [e for e in examples if not e.published]
    held = [e for e in written if e in test]
    assert 0.15 < len(held) / len(written) < 0.25
    assert split(examples) == (train, test)  # deterministic
    # the French publisher pages are all held out
    assert {e.key for e in french_page_examples()} <= {e.key for e in test}


def test_ant_examples_carry_the_slug_their_imported_articles_get() -> None:
    """``Example.outlet`` of an ANT article is the source slug ``nashra import`` (and the demo
    sites) give it: an outlet feature learnt from it would match ``Source.slug`` at run time."""
    rows = {row["docno"]: row for row in load_ant_rows()}
    imported = {record["url"]: record["source"] for record in archive_records()}
    ant = list(ant_examples())
    assert {e.outlet for e in ant} == set(ANT_SOURCE_OUTLET.values())
    for e in ant:
        row = rows[e.key]
        assert e.outlet == imported[row["url"]] == ant_article(row).source
    assert all(e.outlet == "" for e in tsv_examples(DATA / "ar_sections.tsv", "ar"))


def test_validation_is_cut_from_the_training_side_only(examples: list[Example]) -> None:
    train, _ = split(examples)
    fitting, validation = validation_split([e for e in train if e.lang == "ar"])
    dated = sorted({e.published for e in validation if e.published})
    assert dated == [f"2018-03-{d}" for d in range(15, 22)]  # the third week
    assert all(e.published < "2018-03-15" for e in fitting if e.published)
    assert any(not e.published for e in validation)  # and some hand-written paragraphs


def test_c_is_judged_on_the_validation_news_when_there_is_any(examples: list[Example]) -> None:
    train, _ = split(examples)
    _, validation = validation_split([e for e in train if e.lang == "ar"])
    judged = [validation[i] for i in c_judges(validation)]
    assert judged and all(e.published for e in judged)
    assert len(judged) == sum(1 for e in validation if e.published)
    # French has no dated news on the training side: every validation paragraph judges
    _, french = validation_split([e for e in train if e.lang == "fr"])
    assert french and not any(e.published for e in french)
    assert c_judges(french) == list(range(len(french)))


def test_shipped_model_beats_the_tfidf_svm_baseline_on_the_held_out_week(
    examples: list[Example], ant_held_out: list[Example]
) -> None:
    model = shipped_model()
    assert model is not None
    train, _ = split(examples)
    ours = evaluate(model, ant_held_out)
    baseline = score([e.section for e in ant_held_out], baseline_guesses(train, ant_held_out))
    print(f"\nANT held-out, ours\n{ours.table()}\nTF-IDF + LinearSVC\n{baseline.table()}")
    assert ours.total > 1500
    assert ours.accuracy >= baseline.accuracy, (ours.table(), baseline.table())
    assert ours.macro_f1 >= baseline.macro_f1, (ours.table(), baseline.table())
    for section in ("international", "sports", "economics", "technology", "culture"):
        assert ours.per_section[section]["f1"] >= 0.75, ours.table()


def test_french_held_out_accuracy(held_out: list[Example]) -> None:
    model = shipped_model()
    assert model is not None
    french = evaluate(model, [e for e in held_out if e.lang == "fr" and not e.published])
    print(f"\nFrench held-out\n{french.table()}")
    assert french.total > 10
    assert french.accuracy >= FR_ACCURACY_FLOOR, french.table()


def test_the_portal_shows_only_sure_answers(ant_held_out: list[Example]) -> None:
    model = shipped_model()
    assert model is not None
    answers = evaluate(model, ant_held_out)
    shown = evaluate(model, ant_held_out, sure_only=True)
    assert 0.5 < shown.coverage < 1.0  # some articles are left without a section
    assert shown.precision > answers.accuracy  # and those shown are more often right


def test_low_confidence_gives_no_section_but_keeps_the_confidence(
    ant_held_out: list[Example],
) -> None:
    model = shipped_model()
    assert model is not None
    generic, sporty = Source(slug="generic"), Source(slug="sporty", default_section="sports")
    unsure = 0
    for e in ant_held_out[:300]:
        prediction = model.predict(e.title, e.body, e.lang)
        assert prediction is not None
        choice = choose_section(generic, [], "https://g.ma/1", e.title, e.body, e.lang)
        assert choice.source == CLASSIFIER
        assert choice.confidence == round(prediction.confidence, 4)
        if prediction.sure:
            assert choice.section == prediction.section
            assert prediction.confidence >= model.languages["ar"].threshold
        else:
            unsure += 1
            assert choice.section is None
            # an outlet with a default section files the unsure article there
            fallback = choose_section(sporty, [], "https://g.ma/1", e.title, e.body, e.lang)
            assert (fallback.section, fallback.source) == ("sports", MAPPING)
    assert unsure > 0


def test_threshold_maximises_right_minus_twice_wrong() -> None:
    # sorted by confidence: right, right, wrong, right, wrong, wrong
    confidences = [0.99, 0.95, 0.9, 0.85, 0.6, 0.5]
    right = [True, True, False, True, False, False]
    # gains: 1, 2, 0, 1, -1, -3 → keep the first two
    assert _threshold(confidences, right) == 0.95
    assert _threshold([0.9], [False]) == 1.0  # nothing worth showing


def test_shipped_model_never_saw_the_held_out_split(examples: list[Example]) -> None:
    """The shipped model's training counts are those of the training side exactly."""
    model = shipped_model()
    assert model is not None
    train_side, _ = split(examples)
    for lang in ("ar", "fr"):
        counts = sum(model.meta["examples"][lang].values())
        assert counts == sum(1 for e in train_side if e.lang == lang)


def test_fit_save_load_round_trip(tmp_path: Path) -> None:
    items = [
        Example(f"s{i}", "fr", "sports", "", f"match football but équipe joueur {i}")
        for i in range(6)
    ] + [
        Example(f"e{i}", "fr", "economics", "", f"bourse banque dirham inflation {i}")
        for i in range(6)
    ]
    model, reports = fit(items)
    assert reports["fr"].examples == {"economics": 6, "sports": 6}
    path = tmp_path / MODEL_FILE
    model.save(path)
    loaded = SectionModel.load_file(path)
    for text, section in (
        ("le joueur marque un but", "sports"),
        ("la banque et la bourse", "economics"),
    ):
        a, b = model.predict("", text, "fr"), loaded.predict("", text, "fr")
        assert a is not None and b is not None
        assert a.section == b.section == section
        assert a.confidence == pytest.approx(b.confidence, abs=1e-3)


def test_fit_refuses_a_language_with_one_section() -> None:
    items = [Example(f"s{i}", "fr", "sports", "", f"match {i}") for i in range(4)]
    with pytest.raises(ValueError, match="two sections"):
        fit(items)


def test_model_file_of_another_version_is_refused(tmp_path: Path) -> None:
    model = shipped_model()
    assert model is not None
    data = model.to_json()
    data["version"] = 999
    with pytest.raises(ValueError, match="version"):
        SectionModel.from_json(data)


def test_bad_training_lines_are_reported_with_their_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("sports\tun match\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:2"):
        list(tsv_examples(bad, "fr"))
    bad.write_text("gossip\tdes rumeurs\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown section 'gossip'"):
        list(tsv_examples(bad, "fr"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "a", "lang": "fr", "section": "sports"}\n{"key": 1}\n', "utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not an example"):
        list(jsonl_examples(bad))
    bad.write_text('{"key": "a", "lang": "fr", "section": "gossip"}\n', "utf-8")
    with pytest.raises(ValueError, match="unknown section 'gossip'"):
        list(jsonl_examples(bad))


def test_empty_text_is_not_classified() -> None:
    model = shipped_model()
    assert model is not None
    assert model.predict("", "", "ar") is None
    assert model.predict("...", "123 456", "fr") is None


def test_source_default_section_not_used_when_mapping_hits() -> None:
    source = dataclasses.replace(
        Source(slug="hespress", categories={"politique": "politics"}), default_section="sports"
    )
    assert mapped_section(source, [], "https://hespress.com/politique/1.html") == "politics"
