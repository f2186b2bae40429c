"""The story engine on its own: fingerprints, entities, the window, merges and re-assignment."""

from __future__ import annotations

import random
from array import array
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from nashra.config import load_settings, parse_weights
from nashra.demo.corpus import load_ant_rows
from nashra.stories.entities import conflict, extract_entities
from nashra.stories.features import features_of
from nashra.stories.index import StoryConfig, StoryIndex
from nashra.stories.ledger import StoryLedger
from nashra.stories.minhash import (
    BINS,
    MAX_TERMS,
    _densify,
    _shingle_hashes,
    band_keys,
    signature,
    similarity,
    term_id,
)
from nashra.stories.summary import summarise
from nashra.text import analyse
from test_stories_support import hard_cases

T0 = datetime(2018, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def ant_rows() -> list[dict]:
    return sorted(load_ant_rows(), key=lambda r: (r["time_iso"], r["docno"]))


def _f(pk: int, title: str, body: str, hours: float = 0.0, source: str = "x", lang: str = "ar"):
    return features_of(
        pk=pk,
        source=source,
        published=T0 + timedelta(hours=hours),
        title=title,
        body=body,
        lang=lang,
    )


# -- fingerprints ---------------------------------------------------------------------------


def test_signature_of_identical_text_is_identical_and_of_edited_text_close(ant_rows) -> None:
    body = ant_rows[0]["text"]
    terms = analyse(body)
    sig = signature(terms)
    assert len(sig) == BINS * 4
    assert signature(analyse(body)) == sig
    edited = analyse(body + "\nوأضاف المصدر أن التحقيق ما زال جاريا في انتظار نتائج الخبرة.")
    assert similarity(sig, signature(edited)) >= 0.6
    assert set(band_keys(sig)) & set(band_keys(signature(edited)))
    unrelated = signature(analyse(ant_rows[500]["text"]))
    assert similarity(sig, unrelated) < 0.2


def _signature_one_shingle_at_a_time(terms: list[str]) -> bytes:
    """The signature as first written (stored signatures were made so): each shingle through
    Python's own tuple hash, one at a time."""
    ids = [term_id(t) for t in terms[:MAX_TERMS]]
    mins = [0xFFFFFFFF] * BINS
    for h in map(hash, zip(ids, ids[1:], ids[2:], strict=False)):
        h &= (1 << 64) - 1
        mins[h & (BINS - 1)] = min(mins[h & (BINS - 1)], h >> 32)
    if 0xFFFFFFFF in mins:
        _densify(mins)
    return array("I", mins).tobytes()


def test_signature_is_the_one_stored_signatures_were_made_with(ant_rows) -> None:
    """The batched shingle hashes reproduce Python's tuple hash bit for bit (stored signatures
    stay valid): on real bodies, on short ones with empty bins, and on ids at the edges of the
    integer hash (multiples of 2**61 - 1, the top of 64 bits)."""
    for row in ant_rows[:300]:
        terms = analyse(row["text"])
        assert signature(terms) == _signature_one_shingle_at_a_time(terms)
    for n in (3, 4, 10):
        terms = analyse(ant_rows[7]["text"])[:n]
        assert signature(terms) == _signature_one_shingle_at_a_time(terms)
    modulus = (1 << 61) - 1
    edges = [0, 1, modulus - 1, modulus, modulus + 1, 2 * modulus, (1 << 64) - 1, 1 << 63]
    rng = random.Random(3)
    ids = edges + [rng.getrandbits(64) for _ in range(2000)]
    expected = [hash(t) & ((1 << 64) - 1) for t in zip(ids, ids[1:], ids[2:], strict=False)]
    assert _shingle_hashes(np.array(ids, dtype=np.uint64)).tolist() == expected


def test_signature_of_too_short_or_empty_text_is_empty_and_matches_nothing() -> None:
    assert signature([]) == b""
    assert signature(["كلمة", "ثانية"]) == b""
    assert band_keys(b"") == []
    assert similarity(b"", b"") == 0.0
    assert similarity(signature(analyse("واحد اثنان ثلاثة أربعة")), b"") == 0.0


# -- entities -------------------------------------------------------------------------------


def test_entities_of_a_seizure_headline() -> None:
    e = extract_entities("حجز 3 أطنان من الشيرا بميناء طنجة المتوسط")
    assert e.figures == {"3"}
    assert e.cities == {"طنجة"}
    assert not e.negated


def test_figures_next_to_casualty_words_are_tolls_and_do_not_conflict() -> None:
    a = extract_entities("مقتل 10 أشخاص في حادث سير")
    b = extract_entities("ارتفاع حصيلة حادث السير إلى 15 قتيلا")
    assert a.tolls == {"10"} and b.tolls == {"15"}
    assert conflict(a, b) is None


def test_place_names_are_not_found_inside_other_words() -> None:
    # «المحمدية» is a city, «محمد» a name; «مالي» a country, «المالية» finance.
    e = extract_entities("الملك محمد السادس يترأس مجلسا حول قانون المالية")
    assert e.cities == frozenset() and e.countries == frozenset()


def test_conflicts_figure_place_negation_and_none() -> None:
    e = extract_entities
    assert conflict(e("حجز 3 أطنان بطنجة"), e("حجز 7 أطنان بطنجة")) == "figure"
    assert conflict(e("فيضانات في الحسيمة"), e("فيضانات في تارودانت")) == "place"
    assert conflict(e("الحكومة تؤكد رفع الأسعار"), e("الحكومة تنفي رفع الأسعار")) == "negation"
    assert conflict(e("Saisie à Tanger"), e("Saisie record au port de Tanger")) is None
    # A headline that names nothing says nothing against one that does.
    assert conflict(e("حجز كمية من المخدرات"), e("حجز 3 أطنان بطنجة")) is None


@pytest.mark.parametrize("title", ["", "   ", "!!! ... ؟؟", "12345"])
def test_entities_of_degenerate_headlines(title: str) -> None:
    e = extract_entities(title)
    assert not e.cities and not e.countries and not e.negated
    assert e.figures == ({"12345"} if title == "12345" else frozenset())


def test_features_of_an_empty_article_are_empty_but_valid() -> None:
    f = _f(1, "", "")
    assert f.title_terms == () and f.vector == {} and f.sig == b""
    index = StoryIndex()
    decision = index.assign(f)
    assert decision.created and index.story_of(1) == decision.story


# -- configuration --------------------------------------------------------------------------


def _story_config(**values: str) -> StoryConfig:
    return StoryConfig.of(load_settings(env={}, **values).stories)


def test_config_from_settings_and_bad_values() -> None:
    config = _story_config(story_window_hours="24", story_match="0.5")
    assert config.window == timedelta(hours=24) and config.match == 0.5
    assert _story_config().window == timedelta(hours=48)
    with pytest.raises(ValueError, match="positive"):
        _story_config(story_window_hours="0")
    with pytest.raises(ValueError):
        _story_config(story_match="high")


def test_outlet_weights_parse_from_table_or_string_and_reject_garbage() -> None:
    assert parse_weights({"hespress": 1}) == {"hespress": 1.0}
    assert parse_weights("hespress=1.5, le360=0.5") == {"hespress": 1.5, "le360": 0.5}
    assert parse_weights("") == {}
    with pytest.raises(ValueError, match="slug=weight"):
        parse_weights("hespress")
    with pytest.raises(ValueError):
        parse_weights("hespress=much")


def test_representative_prefers_complete_originals_then_outlet_weight() -> None:
    base = {"title": "t", "lang": "ar", "copy_of": None, "partial": False}
    members = [
        {**base, "pk": 1, "source": "a", "published": T0, "chars": 200, "partial": True},
        {**base, "pk": 2, "source": "b", "published": T0 + timedelta(hours=1), "chars": 3000},
        {**base, "pk": 3, "source": "c", "published": T0 + timedelta(hours=2), "chars": 3000,
         "copy_of": 2},
    ]  # fmt: skip
    summary = summarise(members)
    assert summary.representative == 2
    assert summary.outlets == ("a", "b", "c") and summary.size == 3
    assert summary.first_published == T0
    assert summarise(members, {"c": 2.0}).representative == 3
    with pytest.raises(ValueError):
        summarise([])


# -- the window engine ----------------------------------------------------------------------


def test_stream_of_the_corpus_keeps_every_article_in_exactly_one_story(ant_rows) -> None:
    index = StoryIndex(StoryConfig(window=timedelta(hours=48)))
    ledger = StoryLedger()
    peak = 0
    for i, row in enumerate(ant_rows[:1000]):
        f = features_of(
            pk=i + 1,
            source=row["src"],
            published=datetime.fromisoformat(row["time_iso"]),
            title=row["title"],
            body=row["text"],
        )
        ledger.apply(index.assign(f))
        peak = max(peak, len(index.members))
        floor = index.floor
        assert all(m.features.published >= floor for m in index.members.values())
    ledger.check()
    assert len(ledger.story) == 1000
    # The window holds about two days of news, not the whole stream.
    assert peak < 1000 * 0.6
    assert 1 < len(ledger.members) < 1000


def test_a_copy_published_earlier_becomes_the_original() -> None:
    case = next(c for c in hard_cases() if c["kind"] == "wire copy")
    index = StoryIndex()
    ledger = StoryLedger()
    later = _f(1, case["a"]["title"], case["a"]["body"], hours=5, source="late")
    ledger.apply(index.assign(later))
    copy = _f(2, "عنوان آخر للخبر نفسه", case["a"]["body"], hours=6, source="copy")
    ledger.apply(index.assign(copy))
    assert ledger.copy_of[2] == 1
    early = _f(3, case["a"]["title"], case["a"]["body"], hours=1, source="early")
    decision = index.assign(early)
    ledger.apply(decision)
    assert decision.copy_of is None
    assert ledger.copy_of[1] == 3 and ledger.copy_of[2] == 3
    assert len({ledger.story_of(pk) for pk in (1, 2, 3)}) == 1
    ledger.check()


def test_a_bridge_article_merges_two_stories() -> None:
    index = StoryIndex()
    ledger = StoryLedger()
    a = _f(1, "ترامب يقيل وزير الخارجية تيلرسون", "تيلرسون غادر الخارجية بعد خلافات مع ترامب")
    b = _f(2, "بومبيو يترك إدارة المخابرات", "بومبيو يغادر المخابرات المركزية بعد سنة", 1)
    for f in (a, b):
        ledger.apply(index.assign(f))
    assert ledger.story_of(1) != ledger.story_of(2)
    # A lower threshold (as after a configuration change) lets the bridge reach both stories.
    index.config = replace(index.config, match=0.2, merge=0.2)
    bridge = _f(
        3,
        "ترامب يقيل تيلرسون ويعين بومبيو",
        "قرر ترامب تعيين بومبيو مكان تيلرسون على رأس الخارجية وترك المخابرات",
        2,
    )
    decision = index.assign(bridge)
    ledger.apply(decision)
    assert decision.merges == [(2, 1)]
    assert ledger.story_of(1) == ledger.story_of(2) == ledger.story_of(3) == 1
    assert ledger.merged_into == {2: 1}
    ledger.check()


def test_a_weakly_attached_article_moves_to_a_better_match() -> None:
    index = StoryIndex(StoryConfig(match=0.3, merge=0.99, margin=0.05))
    ledger = StoryLedger()
    fire = _f(1, "حريق يلتهم سوقا شعبيا بفاس", "اندلع حريق مهول في سوق شعبي بفاس")
    weak = _f(2, "خسائر في سوق شعبي بفاس بعد أمطار غزيرة", "أمطار غزيرة تسببت في خسائر بسوق شعبي", 1)  # fmt: skip
    for f in (fire, weak):
        ledger.apply(index.assign(f))
    assert ledger.story_of(2) == ledger.story_of(1)
    weak_link = index.members[2].link
    index.config = replace(index.config, match=0.4)
    rain = _f(3, "أمطار غزيرة تغرق شوارع فاس", "غمرت المياه شوارع فاس بعد أمطار غزيرة", 2)
    ledger.apply(index.assign(rain))
    assert ledger.story_of(3) != ledger.story_of(1)
    index.config = replace(index.config, match=0.3)
    both = _f(
        4,
        "أمطار غزيرة تغرق شوارع فاس وتخلف خسائر بسوق شعبي",
        "غمرت مياه أمطار غزيرة شوارع فاس وتسببت في خسائر بسوق شعبي",
        3,
    )
    decision = index.assign(both)
    ledger.apply(decision)
    assert decision.story == ledger.story_of(3)
    assert [(pk, old, new) for pk, old, new, _ in decision.moves] == [(2, 1, decision.story)]
    assert ledger.story_of(2) == ledger.story_of(3) != ledger.story_of(1)
    assert index.members[2].link > weak_link
    ledger.check()


def test_config_reads_the_fitted_settings_and_refuses_bad_ones() -> None:
    config = _story_config(
        story_title_weight="2",
        story_centroid="0.5",
        story_entity_weight="0.03",
        story_decay_hours="12",
        story_guards="place, negation",
    )
    assert (config.title_weight, config.centroid, config.entity_weight) == (2.0, 0.5, 0.03)
    assert config.decay_hours == 12.0 and config.guards == ("place", "negation")
    assert _story_config(story_guards="").guards == ()
    with pytest.raises(ValueError, match="unknown guard 'colour'"):
        _story_config(story_guards="place,colour")
    with pytest.raises(ValueError, match="story_decay_hours"):
        _story_config(story_decay_hours="-1")
    with pytest.raises(ValueError, match="story_centroid"):
        _story_config(story_centroid="1.5")
    with pytest.raises(ValueError, match="unknown story settings"):
        StoryConfig().tuned(threshold=0.3)


def test_defaults_come_from_the_settings() -> None:
    from nashra.config import Settings

    config, settings = StoryConfig(), Settings()
    assert (
        config.match == settings.stories.story_match
        and config.merge == settings.stories.story_merge
    )
    assert config.decay_hours == settings.stories.story_decay_hours
    assert ",".join(config.guards) == settings.stories.story_guards


def test_guards_can_be_switched_off_one_by_one() -> None:
    case = next(c for c in hard_cases() if c["kind"] == "negation")

    def grouped(guards: tuple[str, ...]) -> bool:
        index = StoryIndex(StoryConfig(guards=guards))
        a = _f(1, case["a"]["title"], case["a"]["body"], 0)
        b = _f(2, case["b"]["title"], case["b"]["body"], 1)
        index.assign(a)
        index.assign(b)
        return index.story_of(1) == index.story_of(2)

    assert not grouped(("figure", "place", "negation"))
    assert grouped(("figure", "place"))  # without its guard the negated headline joins


def test_time_decay_weakens_a_match_far_from_the_story() -> None:
    title, body = "حريق يلتهم سوقا شعبيا بفاس", "اندلع حريق مهول في سوق شعبي بفاس ليلة الأحد"
    for decay, hours, together in ((0.0, 40, True), (6.0, 40, False), (6.0, 1, True)):
        index = StoryIndex(StoryConfig(decay_hours=decay))
        index.assign(_f(1, title, body, 0))
        index.assign(_f(2, title + " والسلطات تحقق", body + " والسلطات تفتح تحقيقا", hours))
        assert (index.story_of(1) == index.story_of(2)) is together, (decay, hours)


def test_two_halves_of_one_event_look_alike_as_wholes_and_merge() -> None:
    index = StoryIndex(StoryConfig(match=0.5, merge=0.45))
    ledger = StoryLedger()
    visit = "ولي العهد السعودي يصل إلى واشنطن في زيارة رسمية يلتقي خلالها ترامب في البيت الأبيض"
    talks = "ترامب يستقبل ولي العهد السعودي في البيت الأبيض ويبحثان العلاقات والاستثمارات"
    rows = [
        (1, "ولي العهد السعودي يصل واشنطن", visit),
        (2, "محمد بن سلمان في واشنطن", visit + " وتستمر الزيارة أسبوعين"),
        (3, "ترامب يستقبل ولي العهد في البيت الأبيض", talks),
        (4, "ترامب وولي العهد يبحثان الاستثمارات", talks + " بمئتي مليار دولار"),
        (5, "حريق يلتهم سوقا شعبيا بفاس", "اندلع حريق مهول في سوق شعبي بفاس ليلة الأحد"),
    ]
    for pk, title, body in rows:
        ledger.apply(index.assign(_f(pk, title, body, pk)))
    visit_story, talks_story, fire = (ledger.story_of(pk) for pk in (1, 3, 5))
    assert len({visit_story, talks_story, fire}) == 3  # a strict threshold keeps them apart
    assert index._cluster_cosine(visit_story, talks_story) > 0.3
    assert index._cluster_cosine(visit_story, fire) < 0.1
    index.config = replace(index.config, match=0.3)
    bridge = _f(6, "ولي العهد السعودي وترامب في البيت الأبيض", visit + " " + talks, 6)
    decision = index.assign(bridge)
    ledger.apply(decision)
    ledger.check()
    assert decision.merges and len({ledger.story_of(pk) for pk in (1, 2, 3, 4, 6)}) == 1
    assert ledger.story_of(5) == fire


def test_conflicts_lists_every_reason_and_countries_are_their_own_guard() -> None:
    from nashra.stories.entities import conflicts

    e = extract_entities
    both = conflicts(e("حجز 3 أطنان بطنجة"), e("حجز 7 أطنان بالناظور"))
    assert both == ["figure", "place"]
    assert conflicts(e("قمة في مصر"), e("قمة في تونس")) == ["country"]
    assert conflict(e("قمة في مصر"), e("قمة في تونس")) == "country"
    assert conflicts(e("حجز كمية من المخدرات"), e("حجز 3 أطنان بطنجة")) == []
    # with the figure guard off, the place still vetoes
    index = StoryIndex(StoryConfig(guards=("place",)))
    assert index._veto(e("حجز 3 أطنان بطنجة"), e("حجز 7 أطنان بالناظور")) == "place"
    assert (
        StoryIndex(StoryConfig(guards=("figure", "place")))._veto(e("قمة في مصر"), e("قمة في تونس"))
        is None
    )
