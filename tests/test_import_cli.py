"""`nashra import`, `stats`, `init` and `extract` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nashra.cli import main
from nashra.demo.corpus import load_ant_rows
from nashra.store import Store
from nashra.store.queries import Filters, latest_articles
from nashra.stories.queries import story_ids
from test_stories_support import ant_pairs

GOOD = {
    "source": "hespress",
    "url": "https://www.hespress.com/politique/385472.html?utm_source=fb",
    "title": "الحكومة تصادق على مشروع قانون المالية",
    "text": "صادق مجلس الحكومة اليوم على مشروع قانون المالية.\nوقال الناطق الرسمي إن المشروع طموح.",
    "published": "الجمعة 20 نونبر 2020 - 09:00",
    "author": "محمد بلقاسم",
    "section": "politics",
    "lang": "ar",
}


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(tmp_path: Path, *args: str):
    runner = CliRunner()
    return runner.invoke(
        main, ["--data-dir", str(tmp_path / "data"), *args], catch_exceptions=False
    )


def test_import_keeps_good_lines_and_reports_bad_ones_by_number(tmp_path: Path) -> None:
    unknown = dict(
        GOOD, source="newoutlet", url="https://new.example/a/1", title="خبر من منبر جديد"
    )
    lines = [
        json.dumps(GOOD, ensure_ascii=False),
        "{not json",
        json.dumps({"source": "hespress", "title": "بلا رابط"}, ensure_ascii=False),
        json.dumps([1, 2, 3]),
        json.dumps(dict(GOOD, url="ftp://x/y", title="x")),
        json.dumps(dict(GOOD, url="https://www.hespress.com/a/2", published="not a date")),
        json.dumps(dict(GOOD, url="https://www.hespress.com/a/3", section="gossip")),
        json.dumps(dict(GOOD, source="Bad Slug!", url="https://x.example/1")),
        json.dumps(unknown, ensure_ascii=False),
        "",
    ]
    result = _run(tmp_path, "import", str(_write_lines(tmp_path / "a.jsonl", lines)))
    assert result.exit_code == 0, result.output
    out = result.output
    for number in (2, 3, 4, 5, 6, 7, 8):
        assert f"line {number}:" in out
    assert "2 new" in out and "7 skipped" in out and "newoutlet" in out

    store = Store.open(f"sqlite:///{tmp_path / 'data' / 'nashra.db'}")
    rows, _ = latest_articles(store, Filters(source="hespress"))
    assert len(rows) == 1
    row = rows[0]
    assert row["num"] == 385472  # the origin's numeric id
    assert "utm_source" not in row["url"]
    assert row["published"].isoformat().startswith("2020-11-20")
    assert (row["section"], row["author"], row["partial"]) == ("politics", "محمد بلقاسم", False)

    # Importing the same file again adds nothing.
    again = _run(tmp_path, "import", str(tmp_path / "a.jsonl"))
    assert "0 new" in again.output and "2 unchanged" in again.output

    stats = json.loads(_run(tmp_path, "stats", "--json").output)
    assert stats["articles"] == 2


def test_no_line_whatever_it_holds_costs_the_lines_after_it(tmp_path: Path) -> None:
    """Issue 13 §6: lines that raise RecursionError or TypeError, and a line over the size cap,
    are skipped and reported by number; every good line, before and after, is kept."""
    good = [
        json.dumps(dict(GOOD, url=f"https://www.hespress.com/a/{n}.html", title=f"خبر {n}"),
                   ensure_ascii=False)
        for n in range(1000, 1004)
    ]  # fmt: skip
    lines = [
        good[0],
        "[" * 20_000 + "]" * 20_000,
        json.dumps(dict(GOOD, url="https://www.hespress.com/b/1.html", section=["politics"])),
        json.dumps(dict(GOOD, url="https://www.hespress.com/b/2.html", author={"name": "x"})),
        good[1],
        json.dumps(dict(GOOD, url="https://www.hespress.com/b/3.html", text="نص " * 40_000)),
        good[2],
        json.dumps(dict(GOOD, url="https://www.hespress.com/b/4.html", lang=["ar"])),
        good[3],
    ]
    path = _write_lines(tmp_path / "hostile.jsonl", lines)
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(tmp_path / "data"), "import", str(path)],
        env={"NASHRA_IMPORT_MAX_LINE_BYTES": "65536"},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "line 2: not JSON we read: nested too deeply" in out
    assert "line 3: 'section' must be a string, not list" in out
    assert "line 4: 'author' must be a string, not dict" in out
    assert "line 6: line longer than 65536 bytes (not read)" in out
    assert "line 8: 'lang' must be a string, not list" in out
    assert "4 new" in out and "5 skipped" in out


def test_import_streams_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for n in range(3000):
            rec = dict(
                GOOD, url=f"https://www.hespress.com/x/{n + 1000}.html", title=f"خبر رقم {n}"
            )
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    result = _run(tmp_path, "import", str(path))
    assert "3000 new" in result.output, result.output


def test_init_creates_store_and_registry(tmp_path: Path) -> None:
    result = _run(tmp_path, "init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "sources.yaml").is_file()
    stats = json.loads(_run(tmp_path, "stats", "--json").output)
    assert stats["outlets"] >= 115


def test_extract_a_local_windows_1256_file(tmp_path: Path) -> None:
    html = (
        '<html lang="ar"><head><meta charset="windows-1256"><title>خبر</title>'
        '<meta property="og:title" content="عنوان الخبر"></head><body><nav>الرئيسية</nav>'
        "<article><h1>عنوان الخبر</h1>"
        + "<p>هذه فقرة طويلة من نص الخبر تتحدث عن الاقتصاد المغربي وعن النمو.</p>" * 6
        + "</article><footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    page = tmp_path / "page.html"
    page.write_bytes(html.encode("windows-1256"))
    result = _run(tmp_path, "extract", str(page), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "عنوان الخبر"
    assert "الاقتصاد المغربي" in data["body_text"]
    assert "جميع الحقوق" not in data["body_text"]


def test_import_groups_stories_with_the_story_settings_of_the_environment(tmp_path: Path) -> None:
    """Issue 14: ``nashra import`` assigns stories with the instance's ``NASHRA_STORY_*``
    settings. Two outlets' reports of one event (a labelled pair of the story tests) are one
    story by default, and two under a match threshold no pair can reach."""
    pair = next(p for p in ant_pairs() if p["a"] == "SK-sport-410-20180323")
    assert pair["same"]
    rows = {row["docno"]: row for row in load_ant_rows()}
    lines = [
        json.dumps(
            {
                "source": f"outlet{n}",
                "url": f"https://outlet{n}.example/{key}",
                "title": rows[key]["title"],
                "text": rows[key]["text"],
                "published": rows[key]["time_iso"],
                "lang": "ar",
            },
            ensure_ascii=False,
        )
        for n, key in enumerate((pair["a"], pair["b"]))
    ]
    file = _write_lines(tmp_path / "pair.jsonl", lines)

    def stories_after_import(data: str, env: dict[str, str]) -> int:
        result = CliRunner().invoke(
            main, ["--data-dir", str(tmp_path / data), "import", str(file)], env=env
        )
        assert result.exit_code == 0, result.output
        store = Store.open(f"sqlite:///{tmp_path / data / 'nashra.db'}")
        try:
            rows, _ = latest_articles(store, Filters())
            ids = story_ids(store, [row["pk"] for row in rows])
        finally:
            store.close()
        assert len(ids) == 2  # both articles are grouped
        return len(set(ids.values()))

    assert stories_after_import("default", {}) == 1
    strict = {"NASHRA_STORY_MATCH": "0.99", "NASHRA_STORY_MERGE": "0.99"}
    assert stories_after_import("strict", strict) == 2
