"""A reader's choices: outlets, sections, authors, regions and topics followed or muted.

They live in the browser (``localStorage``, mirrored in the ``nashra_my`` cookie so pages work
without script) as one compact token: URL-safe base64 of ``{"f": {kind: [values]}, "m": {...}}``.
The personal feed's address carries the same token with an HMAC, so nobody can edit it into a
heavier query than the portal itself would make. Everything here is pure.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field

KINDS = ("source", "section", "author", "region", "topic")
MAX_PER_KIND = 30
MAX_VALUE_CHARS = 100
MAX_TOKEN_CHARS = 8000
COOKIE = "nashra_my"


class ChoicesError(ValueError):
    """A token that is not one of ours (damaged, too big, or signed with another key)."""


@dataclass
class Choices:
    follow: dict[str, list[str]] = field(default_factory=dict)
    mute: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.follow.values()) or any(self.mute.values())

    def followed(self, kind: str) -> list[str]:
        return self.follow.get(kind, [])

    def muted(self, kind: str) -> list[str]:
        return self.mute.get(kind, [])

    def choose(self, kind: str, value: str, action: str) -> Choices:
        """A copy with ``value`` followed, muted or forgotten (``action``: follow, mute,
        clear); following un-mutes and muting un-follows."""
        if kind not in KINDS:
            raise ChoicesError(f"unknown kind {kind[:20]!r}: one of {', '.join(KINDS)}")
        value = _clean(value)
        if action not in {"follow", "mute", "clear"}:
            raise ChoicesError(f"unknown action {action[:20]!r}: follow, mute or clear")
        follow = {
            k: [v for v in vs if not (k == kind and v == value)] for k, vs in self.follow.items()
        }
        mute = {k: [v for v in vs if not (k == kind and v == value)] for k, vs in self.mute.items()}
        target = follow if action == "follow" else mute if action == "mute" else None
        if target is not None:
            target.setdefault(kind, []).append(value)
            target[kind] = target[kind][-MAX_PER_KIND:]
        return Choices(_compact(follow), _compact(mute))

    def token(self) -> str:
        data = {"f": _compact(self.follow), "m": _compact(self.mute)}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _clean(value: str) -> str:
    value = " ".join(str(value).split())
    if not value or len(value) > MAX_VALUE_CHARS:
        raise ChoicesError(f"a choice must have 1 to {MAX_VALUE_CHARS} characters")
    return value


def _compact(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: list(dict.fromkeys(v)) for k, v in groups.items() if k in KINDS and v}


def _group(raw: object) -> dict[str, list[str]]:
    if not isinstance(raw, dict):
        raise ChoicesError("choices must be an object of lists")
    out: dict[str, list[str]] = {}
    for kind, values in raw.items():
        if kind not in KINDS or not isinstance(values, list) or len(values) > MAX_PER_KIND:
            raise ChoicesError(f"bad choices for {str(kind)[:20]!r}")
        out[kind] = [_clean(v) for v in values if isinstance(v, str)]
    return _compact(out)


def parse_token(token: str | None) -> Choices:
    """The choices of a token (an empty ``Choices`` for none); ChoicesError when damaged."""
    if not token:
        return Choices()
    if len(token) > MAX_TOKEN_CHARS:
        raise ChoicesError("choices token too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw.decode())
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ChoicesError("unreadable choices token") from exc
    if not isinstance(data, dict):
        raise ChoicesError("choices must be an object")
    return Choices(_group(data.get("f", {})), _group(data.get("m", {})))


def from_cookie(value: str | None) -> Choices:
    """The cookie's choices; a damaged cookie counts as none (the reader can choose again)."""
    try:
        return parse_token(value)
    except ChoicesError:
        return Choices()


def sign(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()[:32]


def verify(secret: bytes, token: str, signature: str) -> Choices:
    """The choices of a signed feed address; ChoicesError when the signature does not match."""
    if not hmac.compare_digest(sign(secret, token), signature or ""):
        raise ChoicesError("this personal feed address was changed: copy it again from /my")
    return parse_token(token)
