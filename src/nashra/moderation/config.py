"""The crowd reporting and moderation settings (see :func:`nashra.media.config.setting`).

============================  ===========================================  =======
name (TOML key / NASHRA_*)    meaning                                      default
============================  ===========================================  =======
report_threshold              distinct reporters that hide an image       3
report_network_cap            reporters of one /24 or /56 that count      2
report_rate_limit             reports one reporter may send per hour      10
report_network_rate_limit     reports one network may send per hour       60
trusted_proxies               proxies whose X-Forwarded-For is believed   (none)
login_rate_limit              failed logins per user and network / 15 min  5
login_network_rate_limit      failed logins per network / 15 min           20
session_hours                 moderator session lifetime                  12
cookie_secure                 force the Secure flag on cookies            auto
============================  ===========================================  =======
"""

from __future__ import annotations

from dataclasses import dataclass

from nashra.config import Settings
from nashra.media.config import setting

__all__ = ["ModerationConfig"]


@dataclass(frozen=True)
class ModerationConfig:
    report_threshold: int = 3
    report_network_cap: int = 2
    report_rate_limit: int = 10
    report_network_rate_limit: int = 60
    report_window_seconds: int = 3600
    trusted_proxies: tuple[str, ...] = ()
    login_rate_limit: int = 5
    login_network_rate_limit: int = 20
    login_window_seconds: int = 900
    session_hours: int = 12
    cookie_secure: str = "auto"  # "auto": Secure when the request came over https

    @classmethod
    def from_settings(cls, settings: Settings) -> ModerationConfig:
        d = cls()
        return cls(
            report_threshold=max(1, setting(settings, "report_threshold", d.report_threshold)),
            report_network_cap=max(
                1, setting(settings, "report_network_cap", d.report_network_cap)
            ),
            report_rate_limit=setting(settings, "report_rate_limit", d.report_rate_limit),
            report_network_rate_limit=setting(
                settings, "report_network_rate_limit", d.report_network_rate_limit
            ),
            trusted_proxies=setting(settings, "trusted_proxies", d.trusted_proxies),
            login_rate_limit=setting(settings, "login_rate_limit", d.login_rate_limit),
            login_network_rate_limit=setting(
                settings, "login_network_rate_limit", d.login_network_rate_limit
            ),
            session_hours=setting(settings, "session_hours", d.session_hours),
            cookie_secure=setting(settings, "cookie_secure", d.cookie_secure),
        )
