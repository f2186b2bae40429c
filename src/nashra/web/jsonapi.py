"""The JSON API's plumbing, shared by every feature's API routes and the shell's error pages:
the error a request can cause (:class:`ApiError`) and its answer, the cacheable envelope, the
endpoint wrapper, and the parameters every listing parses the same way (limit, flags, instants).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nashra.text.dates import parse_query_instant
from nashra.web.cache import PAGE_CACHE_CONTROL
from nashra.web.portal import Portal

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ApiError",
    "ApiHandler",
    "api_endpoint",
    "error_response",
    "ok",
    "parse_flag",
    "parse_limit",
    "parse_when",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class ApiError(Exception):
    """A request the API refuses; ``status`` and ``message`` become the JSON error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": message}, status_code=status, headers={"Cache-Control": "no-store"}
    )


def ok(payload: Any) -> JSONResponse:
    return JSONResponse(payload, headers={"Cache-Control": PAGE_CACHE_CONTROL})


ApiHandler = Callable[[Portal, Request], Response]


def api_endpoint(portal: Portal, handler: ApiHandler) -> Callable[[Request], Response]:
    """An API route's endpoint: ``handler(portal, request)``, its :class:`ApiError` answered as
    the JSON error; named ``api_<handler>``."""

    def endpoint(request: Request) -> Response:
        try:
            return handler(portal, request)
        except ApiError as exc:
            return error_response(exc.status, exc.message)

    endpoint.__name__ = f"api_{handler.__name__}"
    return endpoint


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError(
            400, f"limit must be an integer between 1 and {MAX_LIMIT}, got {raw[:20]!r}"
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(400, f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def parse_when(name: str, raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        return parse_query_instant(raw)
    except ValueError as exc:
        raise ApiError(400, f"{name} {exc}") from None


def parse_flag(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    value = {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    if value is None:
        raise ApiError(400, f"{name} must be true or false, got {raw[:20]!r}")
    return value
