"""The bulk path of `nashra import` (issue 17 §1): the same archive as the line path, bad lines
reported by number, .gz files, and an interrupted run (Ctrl-C, a kill) resumed without loss or
duplicates, through the real command line in a real process."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from nashra.cli import main
from nashra.crawl.bulk import import_bulk
from nashra.crawl.importer import import_jsonl
from nashra.demo.corpus import archive_records
from nashra.search.engine import SearchRequest, search
from nashra.store import Store
from nashra.store.schema import article_regions, article_signatures, articles, story_backlog

QUERIES = ("سوريا", "الغوطة الشرقية", "كرة القدم", "ترامب", "الاقتصاد")


def _archive_lines(n: int) -> list[str]:
    """``n`` ANT articles as import lines, with a wire copy between two outlets (same body) and
    a line that repeats an earlier URL with a new title (an update inside the file)."""
    records = archive_records(n)
    copy = dict(records[1], source=records[0]["source"], url=records[0]["url"] + "-copy")
    again = dict(records[2], title=records[2]["title"] + " (محدث)")
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(5, json.dumps(copy, ensure_ascii=False))
    lines.append(json.dumps(again, ensure_ascii=False))
    return lines


BAD = {
    3: "{not json",
    7: json.dumps({"source": "alarabiya", "title": "بلا رابط"}, ensure_ascii=False),
    11: json.dumps(["a line", "that is a list"]),
    13: json.dumps(
        {
            "source": "alarabiya",
            "url": "https://x.example/1",
            "title": "t",
            "published": "not a date",
        }
    ),  # fmt: skip
    17: json.dumps({"source": "Bad Slug!", "url": "https://x.example/2", "title": "t"}),
}


def _with_bad_lines(lines: list[str]) -> list[str]:
    out = list(lines)
    for number, line in sorted(BAD.items()):
        out.insert(number - 1, line)
    return out


def _write(path: Path, lines: list[str]) -> Path:
    data = ("\n".join(lines) + "\n").encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def _snapshot(store: Store) -> dict[str, Any]:
    """What an archive holds, keyed by URL (primary keys may differ between runs)."""
    with store.connect() as conn:
        url_of = dict(conn.execute(select(articles.c.pk, articles.c.url)).all())
        rows = conn.execute(
            select(
                articles.c.pk,
                articles.c.source,
                articles.c.url,
                articles.c.num,
                articles.c.title,
                articles.c.section,
                articles.c.section_source,
                articles.c.author,
                articles.c.author_key,
                articles.c.agency,
                articles.c.published,
                articles.c.body_hash,
                articles.c.lang,
                articles.c.partial,
                articles.c.copy_of,
            )  # fmt: skip
        ).all()
        regions = {
            (url_of[pk], region, round(score, 6))
            for pk, region, score in conn.execute(
                select(
                    article_regions.c.article_pk, article_regions.c.region, article_regions.c.score
                )  # fmt: skip
            )
        }
        stories: dict[int, set[str]] = {}
        for pk, story in conn.execute(
            select(article_signatures.c.article_pk, article_signatures.c.story_id)
        ):
            stories.setdefault(story, set()).add(url_of[pk])
        waiting = conn.execute(select(func.count()).select_from(story_backlog)).scalar_one()
    hits = {
        q: [h.row["url"] for h in search(store, SearchRequest(q=q, per_page=50)).hits]
        for q in QUERIES
    }
    return {
        "articles": {r.url: (*r[1:-1], url_of.get(r.copy_of)) for r in rows},
        "regions": regions,
        "stories": sorted(sorted(urls) for urls in stories.values()),
        "signed": sum(len(urls) for urls in stories.values()),
        "waiting": waiting,
        "hits": hits,
    }


@pytest.mark.slow
def test_bulk_and_line_paths_build_the_same_archive(
    database_url: str, second_database_url: str, tmp_path: Path
) -> None:
    path = _write(tmp_path / "archive.jsonl", _with_bad_lines(_archive_lines(240)))
    line_store, bulk_store = Store.open(second_database_url), Store.open(database_url)
    try:
        by_line = import_jsonl(line_store, path, {})
        in_bulk = import_bulk(bulk_store, path, {}, workers=2)
        for report in (by_line, in_bulk):
            assert [n for n, _e in report.errors] == sorted(BAD)
            assert report.new == 241 and report.updated == 1 and report.unchanged == 0
        assert in_bulk.errors == by_line.errors
        assert in_bulk.lines == by_line.lines
        assert in_bulk.created_sources == by_line.created_sources
        line_view, bulk_view = _snapshot(line_store), _snapshot(bulk_store)
        assert line_view["signed"] == 241 and line_view["waiting"] == 0
        assert all(line_view["hits"].values())  # the queries find something
        assert any(len(urls) > 1 for urls in line_view["stories"])  # and stories group some
        assert bulk_view == line_view
    finally:
        line_store.close()
        bulk_store.close()


def _cli(tmp_path: Path, *args: str):
    return CliRunner().invoke(
        main, ["--data-dir", str(tmp_path / "data"), *args], catch_exceptions=False
    )


def test_bulk_cli_reads_gzip_reports_bad_lines_and_skips_what_is_stored(tmp_path: Path) -> None:
    path = _write(tmp_path / "archive.jsonl.gz", _with_bad_lines(_archive_lines(40)))
    first = _cli(tmp_path, "import", "--bulk", "--workers", "2", str(path))
    assert first.exit_code == 0, first.output
    for number in BAD:
        assert f"line {number}:" in first.output
    assert "41 new, 1 updated, 0 unchanged, 5 skipped" in first.output
    again = _cli(tmp_path, "import", "--bulk", str(path))
    assert "0 new, 1 updated, 41 unchanged, 5 skipped" in again.output  # the repeated URL
    # The line path reads .gz too, and agrees.
    by_line = _cli(tmp_path, "import", "--no-bulk", str(path))
    assert "0 new, 1 updated, 41 unchanged, 5 skipped" in by_line.output


def test_a_file_over_the_setting_takes_the_bulk_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "archive.jsonl", _archive_lines(10))
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "import", str(path)],
        env={"NASHRA_IMPORT_BULK_BYTES": "1000"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "11 new, 1 updated" in result.output
    # The bulk path queues every story in the backlog, and the sweep at the end empties it.
    store = Store.open(f"sqlite:///{tmp_path / 'data' / 'nashra.db'}")
    assert _snapshot(store)["waiting"] == 0 and _snapshot(store)["signed"] == 11


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rpartition(")")[2].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _ctrl_c_reaches_it() -> None:
    """The import is started as from a terminal, where Ctrl-C is not ignored: a test run
    launched in the background by a non-interactive shell inherits SIGINT ignored, and so would
    the import (Python then installs no handler, and the signal is lost)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_an_interrupted_bulk_import_resumes_without_loss_or_duplicates(
    tmp_path: Path, sig: signal.Signals
) -> None:
    lines = _archive_lines(900)
    path = _write(tmp_path / "archive.jsonl", lines)
    data = tmp_path / "data"
    command = [sys.executable, "-m", "nashra.cli", "--data-dir", str(data), "import", "--bulk",
               "--workers", "2", str(path)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_ctrl_c_reaches_it)  # fmt: skip
    db = data / "nashra.db"
    deadline = time.monotonic() + 120
    committed, children = 0, set()
    while committed < 250 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        children |= _descendants(proc.pid)
        if db.exists():
            store = Store.open(f"sqlite:///{db}", run_migrations=False)
            try:
                with store.connect() as conn:
                    committed = conn.execute(select(func.count()).select_from(articles)).scalar()
            except Exception:  # the schema is being created
                committed = 0
            store.close()
    assert proc.poll() is None, "the import ended before it could be interrupted"
    assert children, "the pool's processes were not seen"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, (out, err)
        assert "interrupted: the" in err and "run the same command again to resume" in err
    gone_by = time.monotonic() + 15
    while any(_running(pid) for pid in children) and time.monotonic() < gone_by:
        time.sleep(0.2)
    assert not any(_running(pid) for pid in children), "workers outlived the import"

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert "unchanged" in rerun.stdout and " 0 unchanged" not in rerun.stdout
    store = Store.open(f"sqlite:///{db}")
    view = _snapshot(store)
    store.close()
    assert len(view["articles"]) == len(lines) - 1  # the repeated URL is one article
    assert view["signed"] == len(lines) - 1 and view["waiting"] == 0
