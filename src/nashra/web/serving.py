"""How the portal is put behind uvicorn: the one place that decides which proxy headers count.

uvicorn believes ``X-Forwarded-For`` / ``X-Forwarded-Proto`` from 127.0.0.1 unless told
otherwise, so a client on the same machine (or behind any local forwarder) could forge its
address. Proxy headers are read only when ``trusted_proxies`` (``NASHRA_TRUSTED_PROXIES``) is
set, and then only from exactly those addresses.
"""

from __future__ import annotations

from typing import Any

from nashra.config import Settings

__all__ = ["trusted_proxy_list", "uvicorn_options"]


def trusted_proxy_list(settings: Settings) -> list[str]:
    """The configured proxies (addresses or CIDRs), in order, without blanks."""
    return list(settings.web.trusted_proxies)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` / ``uvicorn.run`` besides app, host and port."""
    trusted = trusted_proxy_list(settings)
    options: dict[str, Any] = {
        "log_level": "warning",
        "server_header": False,
        "proxy_headers": bool(trusted),
    }
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options
