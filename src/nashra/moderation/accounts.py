"""Moderator accounts, their sessions, and the login rate limit.

Passwords are hashed with argon2id (argon2-cffi's defaults). A session is a random token given to
the browser in a cookie; only its SHA-256 is stored, so a copy of the database opens no session.
Failed logins are counted over a sliding window per (user name, network) and per network (salted
hash): at a limit, logins from that network are refused before any password is checked. There is
no limit per user name alone, so nobody can lock a moderator out from every network by failing on
purpose; a correct password from another network still works. Refused attempts are aggregated in
the audit log (one row per moderator and window, one for unknown names), so a flood of them can
neither grow it without bound nor push moderators' actions out of sight.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from nashra.config import ModerationSettings
from nashra.moderation.reports import log_action
from nashra.store import Store
from nashra.store.schema import login_attempts, moderation_log, moderator_sessions, moderators

__all__ = [
    "LOGIN_WINDOW_SECONDS",
    "ROLES",
    "LoginResult",
    "Moderator",
    "create_user",
    "end_session",
    "login",
    "session_user",
]

_hasher = PasswordHasher()
MIN_PASSWORD = 10
LOGIN_WINDOW_SECONDS = 900  # the window of the failed-login limits
UNKNOWN_ACTOR = "?"  # refused logins for names that are no moderator share one audit row
#: "moderator": images and sections; "operator": also extraction rules, takedowns and outlets.
ROLES: tuple[str, ...] = ("moderator", "operator")


@dataclass(frozen=True)
class Moderator:
    id: int
    username: str
    role: str = "moderator"

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"


@dataclass
class LoginResult:
    """``status``: ok | bad_credentials | rate_limited; ``token`` set when ok."""

    status: str
    token: str | None = None
    moderator: Moderator | None = None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def create_user(store: Store, username: str, password: str, role: str = "moderator") -> int:
    """Create an account with ``role`` (or reset the password and role of an existing one);
    returns its id."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 64:
        raise ValueError("a user name is 1 to 64 characters")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password has at least {MIN_PASSWORD} characters")
    hashed = _hasher.hash(password)
    now = datetime.now(UTC)
    with store.begin() as conn:
        row = conn.execute(select(moderators.c.id).where(moderators.c.username == username)).first()
        if row is not None:
            conn.execute(
                update(moderators)
                .where(moderators.c.id == row.id)
                .values(password_hash=hashed, active=True, role=role)
            )
            log_action(conn, "cli", "reset_password", None, f"{username} role={role}")
            return int(row.id)
        try:
            new_id = conn.execute(
                insert(moderators).values(
                    username=username,
                    password_hash=hashed,
                    active=True,
                    created_at=now,
                    role=role,
                )
            ).inserted_primary_key[0]
        except IntegrityError as exc:
            raise ValueError(f"user {username!r} was created concurrently") from exc
        log_action(conn, "cli", "create_user", None, f"{username} role={role}")
        return int(new_id)


def login(
    store: Store,
    username: str,
    password: str,
    network: str,
    config: ModerationSettings,
) -> LoginResult:
    """Check a login; on success open a session and return its token (for the cookie)."""
    now = datetime.now(UTC)
    since = now - timedelta(seconds=LOGIN_WINDOW_SECONDS)
    name = username.strip()
    limits = {
        f"pair:{_digest(name.lower() + chr(10) + network)}"[:64]: config.login_rate_limit,
        f"net:{network}"[:64]: config.login_network_rate_limit,
    }
    with store.begin() as conn:
        row = conn.execute(
            select(moderators).where(moderators.c.username == name, moderators.c.active.is_(True))
        ).first()
        actor = row.username if row is not None else UNKNOWN_ACTOR
        for key, limit in limits.items():
            failures = conn.execute(
                select(func.count())
                .select_from(login_attempts)
                .where(
                    login_attempts.c.key == key,
                    login_attempts.c.ok.is_(False),
                    login_attempts.c.created_at >= since,
                )
            ).scalar_one()
            if failures >= limit:
                _audit_refused(conn, actor, "login_rate_limited", since)
                return LoginResult("rate_limited")
        ok = False
        if row is not None:
            try:
                ok = _hasher.verify(row.password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        else:
            _hasher.hash(password)  # same cost whether or not the user exists
        conn.execute(
            insert(login_attempts),
            [{"key": key, "ok": ok, "created_at": now} for key in limits],
        )
        if not ok:
            _audit_refused(conn, actor, "login_failed", since)
            return LoginResult("bad_credentials")
        token = secrets.token_urlsafe(32)
        conn.execute(
            insert(moderator_sessions).values(
                token_hash=_digest(token),
                moderator_id=row.id,
                created_at=now,
                expires_at=now + timedelta(hours=config.session_hours),
            )
        )
        values: dict[str, object] = {"last_login_at": now}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(update(moderators).where(moderators.c.id == row.id).values(**values))
        log_action(conn, row.username, "login", None, "")
        # Old sessions and attempts are not worth keeping.
        conn.execute(delete(moderator_sessions).where(moderator_sessions.c.expires_at < now))
        conn.execute(delete(login_attempts).where(login_attempts.c.created_at < since))
        return LoginResult("ok", token, Moderator(int(row.id), row.username, row.role))


def _audit_refused(conn: Connection, actor: str, action: str, since: datetime) -> None:
    """Count a refused login in the audit log: one row per actor, action and window."""
    row = conn.execute(
        select(moderation_log.c.id, moderation_log.c.detail)
        .where(
            moderation_log.c.actor == actor,
            moderation_log.c.action == action,
            moderation_log.c.created_at >= since,
        )
        .order_by(moderation_log.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        log_action(conn, actor, action, None, "attempts=1")
        return
    count = int(row.detail.partition("=")[2] or 0) if row.detail.startswith("attempts=") else 0
    conn.execute(
        update(moderation_log)
        .where(moderation_log.c.id == row.id)
        .values(detail=f"attempts={count + 1}", created_at=datetime.now(UTC))
    )


def session_user(store: Store, token: str | None) -> Moderator | None:
    """The moderator of a live session token, or None."""
    if not token:
        return None
    with store.connect() as conn:
        row = conn.execute(
            select(moderators.c.id, moderators.c.username, moderators.c.role)
            .join(moderator_sessions, moderator_sessions.c.moderator_id == moderators.c.id)
            .where(
                moderator_sessions.c.token_hash == _digest(token),
                moderator_sessions.c.expires_at > datetime.now(UTC),
                moderators.c.active.is_(True),
            )
        ).first()
    return Moderator(int(row.id), row.username, row.role) if row else None


def end_session(store: Store, token: str | None) -> None:
    if not token:
        return
    with store.begin() as conn:
        conn.execute(
            delete(moderator_sessions).where(moderator_sessions.c.token_hash == _digest(token))
        )
