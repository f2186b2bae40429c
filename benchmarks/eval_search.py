"""Search ranking on real questions, end to end, beside plain FTS5 BM25 anchors computed here.

Data: the ARCD passage-retrieval set in ``tests/data/arcd`` (1,475 sentences of Arabic Wikipedia,
1,395 questions, one relevant sentence each; Mozannar et al. 2019, MIT; see its NOTICE.md).

End to end, as a user would: the sentences are written as a ``nashra import`` file (title = the
Wikipedia article's title, text = the sentence) and imported into a fresh archive by the
``nashra import`` command, ``nashra serve`` runs on loopback, and each question is sent as typed
to ``/api/v1/search?q=…&limit=10``. Anchors, on the same passages and questions, in memory:

* ``fts5_raw``: FTS5 ``unicode61`` on the raw text;
* ``snowball``: text folded by ``nashra.text.normalize`` then Snowball Arabic (PyStemmer);
* ``analyser_bm25``: our analyser (``nashra.text.analyse``) under plain bm25;

each as a plain ``bm25`` (title 10, body 1) with every query word optional (``w1 OR w2 …``).
Scores are given for all questions, the tuning half (even ids) and the held-out half (odd ids).
With ``--database-url postgresql+psycopg://…`` the same import and questions run on PostgreSQL
too, and the top 10 of both backends are compared.

    .venv/bin/python benchmarks/eval_search.py [--quick] [--database-url URL]

``--quick`` sends every third question. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
import Stemmer

from nashra.search.evaluation import (
    URL_PREFIX,
    Question,
    RetrievalSet,
    bm25_anchor,
    import_records,
    load_retrieval_set,
    score,
)
from nashra.text import analyse, normalize

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "arcd"
NASHRA = Path(sys.executable).parent / "nashra"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Portal:
    """An archive made by ``nashra import`` and served by ``nashra serve`` on loopback."""

    def __init__(self, folder: Path, records: list[dict], database_url: str | None) -> None:
        self.env = {**os.environ, "NASHRA_DATA_DIR": str(folder / "data")}
        if database_url:
            self.env["NASHRA_DATABASE_URL"] = database_url
        archive = folder / "arcd.jsonl"
        archive.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8"
        )
        t = time.perf_counter()
        subprocess.run(
            [str(NASHRA), "import", str(archive)], env=self.env, check=True, capture_output=True
        )
        self.import_s = time.perf_counter() - t
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(NASHRA), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.client.get("/api/v1/search", params={"q": "x"}).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("nashra serve did not start") from None
                time.sleep(0.2)

    def found(self, question: Question) -> list[str]:
        response = self.client.get("/api/v1/search", params={"q": question.text, "limit": 10})
        response.raise_for_status()
        return [item["url"].removeprefix(URL_PREFIX) for item in response.json()["items"]]

    def close(self) -> None:
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


def scored(
    questions: Sequence[Question], found: Callable[[Question], list[str]], same: dict[str, str]
) -> dict:
    """Scores of ``found`` on every question, the tuning half and the held-out half (each
    question asked once); ``copies_as_one``: a word-for-word copy of the relevant passage
    counts as the answer too."""
    answers = {q.query_id: found(q) for q in questions}

    def on(subset: list[Question], same: dict[str, str] | None = None) -> dict:
        return score(subset, lambda q: answers[q.query_id], same).as_dict()

    return {
        "all": on(list(questions)),
        "tuning": on([q for q in questions if q.tuning]),
        "held_out": on([q for q in questions if not q.tuning]),
        "copies_as_one": on(list(questions), same),
        "_answers": answers,
    }


def snowball_tokens() -> Callable[[str], list[str]]:
    stemmer = Stemmer.Stemmer("arabic")
    return lambda text: stemmer.stemWords(normalize(text).split())


def agreement(first: dict[str, list[str]], second: dict[str, list[str]]) -> dict:
    """How alike two backends' top 10 are: identical lists, same set, mean overlap."""
    same_list = same_set = 0
    overlap = 0.0
    for key, a in first.items():
        b = second[key]
        same_list += a == b
        same_set += set(a) == set(b)
        overlap += len(set(a) & set(b)) / max(len(set(a) | set(b)), 1)
    n = len(first) or 1
    return {
        "identical_top10": round(same_list / n, 4),
        "same_top10_set": round(same_set / n, 4),
        "mean_jaccard_top10": round(overlap / n, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every third question")
    parser.add_argument("--database-url", help="also run end to end on this PostgreSQL database")
    args = parser.parse_args()
    data: RetrievalSet = load_retrieval_set(DATA)
    questions = data.questions[::3] if args.quick else data.questions
    print(f"{len(data.passages)} passages, {len(questions)} questions")

    results: dict[str, dict] = {}
    same = data.originals()
    anchors = {
        "fts5_raw": bm25_anchor(data.passages, str.split),
        "snowball": bm25_anchor(data.passages, snowball_tokens()),
        "analyser_bm25": bm25_anchor(data.passages, analyse),
    }
    for name, found in anchors.items():
        results[name] = scored(questions, found, same)
    records = import_records(data.passages)
    with tempfile.TemporaryDirectory(prefix="nashra-eval-search-") as tmp:
        backends = {
            "sqlite": None,
            **({"postgresql": args.database_url} if args.database_url else {}),
        }
        for backend, url in backends.items():
            folder = Path(tmp) / backend
            folder.mkdir()
            portal = Portal(folder, records, url)
            try:
                t = time.perf_counter()
                results[f"end_to_end_{backend}"] = scored(questions, portal.found, same)
                per_query = (time.perf_counter() - t) / max(len(questions), 1) * 1000
                print(f"{backend}: import {portal.import_s:.1f}s, {per_query:.1f} ms a question")
            finally:
                portal.close()

    for name, figures in results.items():
        print(
            f"{name:>24}  MRR@10 {figures['all']['mrr@10']:.4f}  R@10 {figures['all']['recall@10']:.4f}"
            f"  (tuning {figures['tuning']['mrr@10']:.4f}, held-out {figures['held_out']['mrr@10']:.4f};"
            f" copies as one {figures['copies_as_one']['mrr@10']:.4f})"
        )
    ours = results["end_to_end_sqlite"]
    summary: dict = {
        "benchmark": "eval_search",
        "quick": args.quick,
        "passages": len(data.passages),
        "questions": len(questions),
        **{name: {k: v for k, v in r.items() if k != "_answers"} for name, r in results.items()},
        "mrr_vs_analyser_bm25": round(
            ours["all"]["mrr@10"] - results["analyser_bm25"]["all"]["mrr@10"], 4
        ),
    }
    if "end_to_end_postgresql" in results:
        summary["sqlite_vs_postgresql"] = agreement(
            ours["_answers"], results["end_to_end_postgresql"]["_answers"]
        )
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
