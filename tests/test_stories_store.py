"""Story assignment against a real archive (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from nashra.config import Settings, load_settings
from nashra.demo.corpus import load_ant_rows
from nashra.store import Store
from nashra.store.db import schema_is_current
from nashra.store.schema import article_signatures, articles, stories
from nashra.stories.commands import stories as stories_group
from nashra.stories.store import StoryStore, assign_story
from test_stories_support import hard_cases, save


def _assigner(store: Store, **extra) -> StoryStore:
    return StoryStore.of(store, load_settings(env={}, **extra).stories)


def _check_invariants(store: Store) -> None:
    """Every article in exactly one live story; every story's size and outlets agree."""
    with store.engine.connect() as conn:
        n_articles = conn.execute(select(func.count()).select_from(articles)).scalar_one()
        sig_rows = conn.execute(
            select(article_signatures.c.article_pk, article_signatures.c.story_id)
        ).all()
        story_rows = {r.id: r for r in conn.execute(select(stories))}
        sources = dict(conn.execute(select(articles.c.pk, articles.c.source)).all())
    assert len(sig_rows) == n_articles
    assert len({pk for pk, _ in sig_rows}) == n_articles
    members: dict[int, list[int]] = {}
    for pk, sid in sig_rows:
        assert sid is not None
        assert story_rows[sid].merged_into is None, f"article {pk} sits in merged story {sid}"
        members.setdefault(sid, []).append(pk)
    for sid, row in story_rows.items():
        pks = members.get(sid, [])
        assert row.size == len(pks), sid
        if pks:
            assert row.representative in pks
            assert set(row.outlets.split("\n")) == {sources[p] for p in pks}
            assert row.outlet_count == len({sources[p] for p in pks})
        else:
            assert row.merged_into is not None


def test_migration_creates_the_story_tables(store: Store) -> None:
    assert schema_is_current(store.engine)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(stories)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(article_signatures)).scalar_one() == 0


def test_copies_versions_and_hard_negatives_in_the_archive(store: Store) -> None:
    assigner = _assigner(store)
    results = {}
    for i, case in enumerate(hard_cases()):
        hours = i * 200  # each case in its own week: cases never meet each other
        pa = save(store, "outlet-a", f"https://a.example/{i}", case["a"]["title"], case["a"]["body"], hours, lang=case["lang"])  # fmt: skip
        pb = save(store, "outlet-b", f"https://b.example/{i}", case["b"]["title"], case["b"]["body"], hours + 3, lang=case["lang"])  # fmt: skip
        ra, rb = assigner.assign(pa), assigner.assign(pb)
        results[i] = ra.story_id == rb.story_id
        assert results[i] == case["same"], case["kind"]
        if case["kind"] == "wire copy":
            assert rb.copy_of == pa  # the near-copy names the earliest publisher as original
            # A re-post with another headline: the store finds the exact copy, we join its story.
            pc = save(store, "outlet-c", f"https://c.example/{i}", "عنوان مختلف تماما", case["a"]["body"], hours + 4)  # fmt: skip
            rc = assigner.assign(pc)
            assert rc.story_id == ra.story_id and rc.copy_of == pa
    _check_invariants(store)


def test_assignment_is_idempotent_and_follows_updates(store: Store) -> None:
    case = next(c for c in hard_cases() if c["kind"] == "paraphrase" and c["lang"] == "ar")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"])
    pb = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 2)
    first = assign_story(store, pa)
    second = assign_story(store, pb)
    assert second.story_id == first.story_id
    again = assign_story(store, pb)
    assert again.unchanged and again.story_id == first.story_id
    # The outlet rewrites its article into another story: it leaves, nothing is lost.
    other = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "ar")
    save(store, "b", "https://b.example/1", other["a"]["title"], other["a"]["body"], 2)
    moved = assign_story(store, pb)
    assert not moved.unchanged and moved.story_id != first.story_id
    _check_invariants(store)


def test_unknown_article_is_refused(store: Store) -> None:
    with pytest.raises(LookupError, match="no article"):
        assign_story(store, 987654)


def test_a_late_article_is_judged_in_its_own_window(store: Store) -> None:
    assigner = _assigner(store, story_window_hours="24")
    case = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "fr")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"], 0, lang="fr")  # fmt: skip
    assigner.assign(pa)
    # A week of unrelated news moves the window on.
    for i, row in enumerate(load_ant_rows()[:5]):
        assigner.assign(save(store, "ant", f"https://ant.example/{i}", row["title"], row["text"], 24 * 7 + i))  # fmt: skip
    assert not assigner.index.covers(assigner.index.clock - assigner.config.window * 2)
    late = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 5, lang="fr")  # fmt: skip
    assert assigner.assign(late).story_id == assigner.assign(pa).story_id
    _check_invariants(store)


def test_a_second_process_continues_from_the_stored_window(store: Store) -> None:
    case = next(c for c in hard_cases() if c["kind"] == "toll" and c["lang"] == "ar")
    pa = save(store, "a", "https://a.example/1", case["a"]["title"], case["a"]["body"])
    first = _assigner(store).assign(pa)
    # A fresh assigner (another process, or a restart) warms its window from the database.
    pb = save(store, "b", "https://b.example/1", case["b"]["title"], case["b"]["body"], 3)
    assert _assigner(store).assign(pb).story_id == first.story_id
    _check_invariants(store)


def _load_ant(store: Store, n: int) -> list[int]:
    rows = sorted(load_ant_rows(), key=lambda r: r["time_iso"])[:n]
    pks = []
    for i, row in enumerate(rows):
        hours = i * 0.25
        pks.append(save(store, row["src"], row["url"], row["title"], row["text"], hours))
    return pks


def test_rebuild_recomputes_the_same_stories_and_keeps_invariants(store: Store) -> None:
    pks = _load_ant(store, 120)
    assigner = _assigner(store)
    for pk in pks:
        assigner.assign(pk)
    _check_invariants(store)
    with store.engine.connect() as conn:
        before = dict(conn.execute(select(article_signatures.c.article_pk, article_signatures.c.story_id)).all())  # fmt: skip
        # Damage the derived tables: rebuild must not care.
        conn.execute(update(stories).values(size=999))
        conn.commit()
    seen = []
    assert _assigner(store).rebuild(batch=37, progress=lambda d, t: seen.append((d, t))) == 120
    assert seen[-1] == (120, 120) and len(seen) == 4
    _check_invariants(store)
    with store.engine.connect() as conn:
        after = dict(conn.execute(select(article_signatures.c.article_pk, article_signatures.c.story_id)).all())  # fmt: skip
    # The same partition (story ids are new, the grouping is the same).
    group = lambda m: sorted(sorted(p for p in m if m[p] == s) for s in set(m.values()))  # noqa: E731
    assert group(before) == group(after)


def _cli(settings: Settings) -> click.Group:
    @click.group()
    @click.pass_context
    def main(ctx: click.Context) -> None:
        ctx.obj = settings

    main.add_command(stories_group)
    return main


def test_cli_rebuild_and_stats(store: Store, settings: Settings, database_url: str) -> None:
    _load_ant(store, 40)
    settings = settings.override(database_url=database_url)
    runner = CliRunner()
    result = runner.invoke(_cli(settings), ["stories", "rebuild", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output.strip().splitlines()[-1])
    assert counts["assigned"] == counts["articles"] == counts["assigned_now"] == 40
    assert 0 < counts["stories"] <= 40
    result = runner.invoke(_cli(settings), ["stories", "stats", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["stories"] == counts["stories"]
    _check_invariants(store)


def test_cli_rebuild_reports_bad_settings(settings: Settings) -> None:
    from nashra.cli import main  # a bad setting is refused where the settings are loaded

    env = {"NASHRA_STORY_WINDOW_HOURS": "-3"}
    args = ["--data-dir", str(settings.data_dir), "stories", "rebuild"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code != 0
    assert "story_window_hours must be positive" in result.output
    settings = settings.override(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(_cli(settings), ["stories", "rebuild"])
    assert result.exit_code != 0 and "cannot open the archive" in result.output
