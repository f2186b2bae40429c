"""The SQLite index uses FTS5's ``ascii`` tokenizer (migration 0013): every column holds the
analyser's output, so ``ascii`` must find exactly the tokens ``unicode61`` found — on the demo's
shipped corpus (ANT Arabic articles, French publisher pages) and on text full of what
``unicode61`` would split or fold differently (symbols, emoji, accents, capitals, other
scripts)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import text

from nashra.demo.corpus import french_articles, load_ant_rows
from nashra.search.documents import build_document
from nashra.store import Store

_COLUMNS = ("title", "body", "author", "title_words", "body_words")
_AWKWARD = (
    "سعر 5€ و 30° حرارة ×2 😀 covid-19 l’État ÉTÉ À Ÿ ‘quote’ 1½ x² ﷺ ﻻ ٪ ‰ § • … — – "
    "ＡＢＣ Straße ΣΊΣΥΦΟΣ Привет ١٢٣ ۴۵۶ مُحَمَّد ـــالمغرب اللّه ß ǅ ﬁ N°7 a_b a.b a'b"
)


def _documents() -> list[tuple[str, ...]]:
    rows = [("ar", r["title"], r["text"], r["author"]) for r in load_ant_rows()[::25]]
    rows += [("fr", a.title, "\n".join(a.paragraphs), a.author) for a in french_articles()]
    rows += [(lang, _AWKWARD, _AWKWARD, _AWKWARD) for lang in ("ar", "fr", "en")]
    out = []
    for lang, title, body, author in rows:
        doc = build_document(title, body, author, lang)
        out.append(tuple(getattr(doc, c) for c in _COLUMNS))
    return out


def _tokens(tokenizer: str, documents: list[tuple[str, ...]]) -> list[tuple]:
    db = sqlite3.connect(":memory:")
    db.execute(
        f"CREATE VIRTUAL TABLE t USING fts5({', '.join(_COLUMNS)}, tokenize = '{tokenizer}')"
    )
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(_COLUMNS))})", documents)
    return db.execute("SELECT term, doc, col, offset FROM v ORDER BY doc, col, offset").fetchall()


def test_ascii_finds_the_tokens_unicode61_found_in_analysed_documents() -> None:
    documents = _documents()
    before = _tokens("unicode61 remove_diacritics 0", documents)
    assert len(before) > 10_000
    assert _tokens("ascii", documents) == before


def test_the_index_is_built_with_the_ascii_tokenizer(tmp_path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        with store.engine.connect() as conn:
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'article_search'")
            ).scalar_one()
    finally:
        store.close()
    assert "tokenize = 'ascii'" in sql and "prefix = '2 3 4'" in sql
