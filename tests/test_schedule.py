"""The schedule policy: publishing rate, server hints, backoff, auto-disable (pure functions)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from nashra.config import ScheduleSettings, load_settings
from nashra.schedule import ManualClock, PollFacts, decide
from nashra.schedule.policy import parse_max_age, parse_retry_after, publishing_interval

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OPTS = ScheduleSettings(schedule_jitter=0)


def _ok(**kw) -> PollFacts:
    return PollFacts(ok=True, status=200, **kw)


def test_busy_outlet_is_polled_at_the_minimum() -> None:
    # 300 items over the last 2 days: one every 9.6 minutes.
    facts = _ok(recent_items=300, oldest_recent=NOW - timedelta(days=2))
    d = decide(facts, NOW, OPTS)
    assert d.wait == pytest.approx(2 * 86400 / 300)
    assert d.next_poll_at == NOW + timedelta(seconds=d.wait)
    very_busy = decide(_ok(recent_items=5000, oldest_recent=NOW - timedelta(days=7)), NOW, OPTS)
    assert very_busy.wait == OPTS.schedule_min_interval


def test_rate_uses_the_span_the_items_cover_not_a_whole_week() -> None:
    # A feed listing only its last 10 items of the morning reads as busy.
    assert publishing_interval(10, NOW - timedelta(hours=2), NOW) == pytest.approx(720)
    # Over a full week, the gap is week / count.
    assert publishing_interval(14, NOW - timedelta(days=30), NOW) == pytest.approx(43200)


def test_quiet_outlet_is_polled_at_the_maximum() -> None:
    for facts in (_ok(), _ok(recent_items=1, oldest_recent=NOW - timedelta(hours=1))):
        d = decide(facts, NOW, OPTS)
        assert d.wait == OPTS.schedule_max_interval
        assert "quiet" in d.reason


def test_minimum_and_maximum_are_configurable() -> None:
    opts = ScheduleSettings(schedule_jitter=0, schedule_min_interval=60, schedule_max_interval=600)
    assert decide(_ok(), NOW, opts).wait == 600
    busy = _ok(recent_items=20_000, oldest_recent=NOW - timedelta(days=7))
    assert decide(busy, NOW, opts).wait == 60


def test_cache_control_max_age_lengthens_but_never_past_the_maximum() -> None:
    busy = dict(recent_items=5000, oldest_recent=NOW - timedelta(days=7))
    d = decide(_ok(headers={"cache-control": "public, max-age=3600"}, **busy), NOW, OPTS)
    assert d.wait == 3600 and "max-age" in d.reason
    d = decide(_ok(headers={"cache-control": "max-age=999999"}, **busy), NOW, OPTS)
    assert d.wait == OPTS.schedule_max_interval
    # A shorter max-age does not make us poll faster than the publishing rate says.
    d = decide(_ok(headers={"cache-control": "max-age=10"}), NOW, OPTS)
    assert d.wait == OPTS.schedule_max_interval


@pytest.mark.parametrize("value", ["no-store, max-age=3600", "no-cache", "max-age=abc", ""])
def test_max_age_refused_or_malformed_is_ignored(value: str) -> None:
    assert parse_max_age(value) is None


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("120", NOW) == 120
    when = format_datetime(NOW + timedelta(minutes=30), usegmt=True)
    assert parse_retry_after(when, NOW) == pytest.approx(1800)
    past = format_datetime(NOW - timedelta(minutes=30), usegmt=True)
    assert parse_retry_after(past, NOW) == 0


@pytest.mark.parametrize("value", ["soon", "-5", "Thu, 99 Foo 2026", None, ""])
def test_retry_after_garbage_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


def test_429_honours_retry_after_and_holds_the_host() -> None:
    facts = PollFacts(ok=False, status=429, error_kind="http", headers={"retry-after": "900"},
                      failures=1)  # fmt: skip
    d = decide(facts, NOW, OPTS)
    assert d.wait == 900
    assert d.host_retry_at == NOW + timedelta(seconds=900)
    assert not d.disable
    off = ScheduleSettings(schedule_jitter=0, schedule_host_retry_after=False)
    assert decide(facts, NOW, off).host_retry_at is None


def test_retry_after_is_capped() -> None:
    facts = PollFacts(ok=False, status=503, headers={"retry-after": str(10 * 86400)}, failures=1)
    assert decide(facts, NOW, OPTS).wait == OPTS.schedule_max_retry_after


def test_errors_back_off_exponentially_up_to_the_cap() -> None:
    waits = [
        decide(PollFacts(ok=False, status=500, error_kind="http", failures=n), NOW, OPTS).wait
        for n in range(1, 9)
    ]
    assert waits[:4] == [300, 600, 1200, 2400]
    assert waits[-1] == OPTS.schedule_max_backoff
    assert waits == sorted(waits)


def test_a_run_of_failures_disables_the_feed_but_throttling_does_not() -> None:
    opts = ScheduleSettings(schedule_jitter=0, schedule_max_failures=3)
    broken = PollFacts(ok=False, status=500, error_kind="http", error="HTTP 500", failures=2)
    assert not decide(broken, NOW, opts).disable
    third = decide(PollFacts(**{**broken.__dict__, "failures": 3}), NOW, opts)
    assert third.disable and "3 consecutive failures" in third.disabled_reason
    throttled = PollFacts(ok=False, status=429, failures=50)
    assert not decide(throttled, NOW, opts).disable


def test_gone_disables_at_once() -> None:
    d = decide(PollFacts(ok=False, status=410, error="HTTP 410 Gone", failures=1), NOW, OPTS)
    assert d.disable and "410" in d.disabled_reason


def test_websub_subscription_relaxes_polling() -> None:
    busy = dict(recent_items=5000, oldest_recent=NOW - timedelta(days=7))
    d = decide(_ok(websub_active=True, **busy), NOW, OPTS)
    assert d.wait == OPTS.schedule_max_interval and "WebSub" in d.reason


def test_jitter_stays_within_its_fraction_and_the_bounds() -> None:
    opts = ScheduleSettings(schedule_jitter=0.2)
    facts = _ok(recent_items=70, oldest_recent=NOW - timedelta(days=7))  # every 2.4 h
    low = decide(facts, NOW, opts, rand=lambda: 0.0).wait
    high = decide(facts, NOW, opts, rand=lambda: 1.0).wait
    assert low == pytest.approx(8640 * 0.8) and high == pytest.approx(8640 * 1.2)
    top = decide(_ok(), NOW, opts, rand=lambda: 1.0).wait
    assert top == opts.schedule_max_interval  # clamped after jitter


def test_options_from_settings_and_environment() -> None:
    settings = load_settings(env={}, schedule_min_interval=60, schedule_host_retry_after="no")
    opts = settings.schedule
    assert opts.schedule_min_interval == 60 and opts.schedule_host_retry_after is False
    from_env = load_settings(env={"NASHRA_SCHEDULE_MAX_INTERVAL": "7200"})
    assert from_env.schedule.schedule_max_interval == 7200
    assert settings.override(worker_concurrency=3).schedule.worker_concurrency == 3


@pytest.mark.parametrize(
    "extra",
    [
        {"schedule_min_interval": "five"},
        {"schedule_min_interval": 0},
        {"schedule_min_interval": 600, "schedule_max_interval": 60},
    ],
)
def test_bad_options_are_refused(extra: dict) -> None:
    with pytest.raises(ValueError):
        load_settings(env={}, **extra)


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(NOW)
    assert clock.now() == NOW
    asyncio.run(clock.sleep(90))
    assert clock.now() == NOW + timedelta(seconds=90)
    clock.advance(10)
    assert clock.now() == NOW + timedelta(seconds=100)


def test_retry_after_with_digits_that_are_not_ascii_is_ignored() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for value in ("²", "¹²", "٣٠"):
        assert parse_retry_after(value, now) is None
