"""Crowd reports and moderators' decisions: the writes, each one exact under concurrency.

Reports count per perceptual-hash group (the same picture in every outlet is one image). A report
is recorded, counted and, at the threshold, the group hidden, all in one transaction that holds
the group's lock: the write lock on SQLite (``BEGIN IMMEDIATE``), the group leader's row lock on
PostgreSQL (``SELECT … FOR UPDATE``). Two reporters can therefore never both see "two reports"
and both miss the third; the unique constraint on (group, reporter) is the backstop that makes a
repeated report count once.

Image states: ``visible``; ``hidden`` (by the crowd, waiting for a moderator); ``removed``
(a moderator confirmed or hid it). Pages show only ``visible`` images.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from nashra.config import ModerationSettings
from nashra.store import Store
from nashra.store.schema import image_reports, images, moderation_log

__all__ = [
    "ACTIONS",
    "REASONS",
    "ReportOutcome",
    "log_action",
    "moderate",
    "submit_report",
]

REPORT_WINDOW_SECONDS = 3600  # the window of the report rate limits
REASONS = ("offensive", "wrong_image", "violence", "other")
ACTIONS = ("confirm", "restore", "hide")
VISIBLE, HIDDEN, REMOVED = "visible", "hidden", "removed"


@dataclass
class ReportOutcome:
    """What a report did. ``status``: recorded | duplicate | rate_limited | not_found."""

    status: str
    image_id: int
    group_id: int | None = None
    counted: int = 0  # distinct reporters counted toward the threshold, after the network cap
    threshold: int = 0
    state: str = ""
    hidden_now: bool = False  # this report was the one that hid the image


@contextmanager
def locked_group(store: Store, image_id: int) -> Iterator[tuple[Connection, int, str] | None]:
    """A transaction holding the lock of ``image_id``'s group: ``(conn, group_id, state)``,
    or None when there is no such image. Commits on a normal exit, rolls back on an error."""
    # The write lock first on SQLite, so reads see the latest state and nobody slips between.
    with store.write_transaction() as conn:
        row = conn.execute(
            select(images.c.id, images.c.group_id).where(images.c.id == image_id)
        ).first()
        if row is None:
            yield None
            return
        group_id = int(row.group_id or row.id)
        state = conn.execute(
            select(images.c.state).where(images.c.id == group_id).with_for_update()
        ).scalar_one()
        yield conn, group_id, state


def log_action(
    conn: Connection, actor: str, action: str, image_id: int | None, detail: str = ""
) -> None:
    """Append to the audit log (who, what, when)."""
    conn.execute(
        insert(moderation_log).values(
            created_at=datetime.now(UTC),
            actor=actor[:64],
            action=action[:32],
            image_id=image_id,
            detail=detail,
        )
    )


def _count(conn: Connection, group_id: int, network_cap: int) -> int:
    networks = Counter(
        row.network
        for row in conn.execute(
            select(image_reports.c.network).where(
                image_reports.c.group_id == group_id, image_reports.c.status == "open"
            )
        )
    )
    return sum(min(network_cap, n) for n in networks.values())


def _recent(conn: Connection, column, value: str, since: datetime) -> int:
    return conn.execute(
        select(func.count())
        .select_from(image_reports)
        .where(column == value, image_reports.c.created_at >= since)
    ).scalar_one()


def submit_report(
    store: Store,
    image_id: int,
    reporter: str,
    network: str,
    reason: str,
    config: ModerationSettings,
    *,
    now: datetime | None = None,
) -> ReportOutcome:
    """Record one reader's report of an image; hide its group when the threshold is reached."""
    now = now or datetime.now(UTC)
    reason = reason if reason in REASONS else "other"
    outcome = ReportOutcome("not_found", image_id, threshold=config.report_threshold)
    try:
        with locked_group(store, image_id) as held:
            if held is None:
                return outcome
            conn, group_id, state = held
            outcome.group_id, outcome.state = group_id, state
            seen = conn.execute(
                select(image_reports.c.id).where(
                    image_reports.c.group_id == group_id, image_reports.c.reporter == reporter
                )
            ).first()
            if seen is not None:
                outcome.status = "duplicate"
                outcome.counted = _count(conn, group_id, config.report_network_cap)
                return outcome
            since = now - timedelta(seconds=REPORT_WINDOW_SECONDS)
            if (
                _recent(conn, image_reports.c.reporter, reporter, since) >= config.report_rate_limit
                or _recent(conn, image_reports.c.network, network, since)
                >= config.report_network_rate_limit
            ):
                outcome.status = "rate_limited"
                return outcome
            conn.execute(
                insert(image_reports).values(
                    image_id=image_id,
                    group_id=group_id,
                    reporter=reporter,
                    network=network,
                    reason=reason,
                    status="open",
                    created_at=now,
                )
            )
            counted = _count(conn, group_id, config.report_network_cap)
            values: dict[str, object] = {"report_count": counted}
            if counted >= config.report_threshold and state == VISIBLE:
                values.update(state=HIDDEN, hidden_at=now)
                outcome.hidden_now, outcome.state = True, HIDDEN
                log_action(
                    conn, "crowd", "auto_hide", group_id,
                    f"{counted} distinct reporters (threshold {config.report_threshold})",
                )  # fmt: skip
            conn.execute(update(images).where(images.c.group_id == group_id).values(**values))
            outcome.status, outcome.counted = "recorded", counted
            return outcome
    except IntegrityError:
        # Only reachable if the lock were bypassed: the constraint still counts the report once.
        outcome.status = "duplicate"
        return outcome


def moderate(store: Store, image_id: int, action: str, actor: str, note: str = "") -> str | None:
    """A moderator's decision on an image's whole group; returns the new state (None: unknown
    image). ``confirm`` and ``hide`` remove it (open reports confirmed); ``restore`` shows it
    again and sets its open reports aside, so only new reporters can hide it again."""
    if action not in ACTIONS:
        raise ValueError(f"unknown moderation action {action!r}")
    now = datetime.now(UTC)
    with locked_group(store, image_id) as held:
        if held is None:
            return None
        conn, group_id, state = held
        members = images.c.group_id == group_id
        open_reports = (image_reports.c.group_id == group_id) & (image_reports.c.status == "open")
        if action == "restore":
            new_state = VISIBLE
            conn.execute(update(images).where(members).values(state=VISIBLE, hidden_at=None,
                                                               report_count=0))  # fmt: skip
            conn.execute(update(image_reports).where(open_reports).values(status="ignored"))
        else:
            new_state = REMOVED
            conn.execute(update(images).where(members).values(state=REMOVED, hidden_at=now))
            conn.execute(update(image_reports).where(open_reports).values(status="confirmed"))
        detail = f"{state} -> {new_state}" + (f"; {note}" if note else "")
        log_action(conn, actor, action, group_id, detail)
        return new_state
