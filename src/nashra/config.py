"""One settings object for the whole instance.

Values come, lowest priority first, from the defaults below, an optional TOML file
(``NASHRA_CONFIG`` or ``./nashra.toml``) and environment variables ``NASHRA_<FIELD>``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Settings:
    data_dir: Path = Path("nashra-data")
    database_url: str = ""
    sources_file: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""
    user_agent: str = "NashraBot/0.1 (+https://github.com/nashra/nashra; news aggregator)"
    # fetcher
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_image_bytes: int = 8 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 4
    total_concurrency: int = 32
    respect_robots: bool = True
    # pipeline
    max_entries_per_feed: int = 200
    # demo
    demo_port: int = 8001
    secret_key: str = ""  # signs reporter cookies and sessions; generated in the data dir if empty
    # images and crowd reporting
    max_image_pixels: int = 40_000_000
    phash_distance: int = 2  # bits apart for two pictures to count as one image
    report_threshold: int = 3  # distinct reporters that hide an image
    report_network_cap: int = 2  # reporters of one /24 (IPv4) or /56 (IPv6) that count
    report_rate_limit: int = 10  # reports per reporter per hour
    report_network_rate_limit: int = 60  # reports per network per hour
    trusted_proxies: str = ""  # comma-separated addresses/CIDRs whose X-Forwarded-For is believed
    login_rate_limit: int = 5  # failed moderator logins per 15 minutes
    session_hours: int = 12
    cookie_secure: str = "auto"  # "auto": Secure when the request came over https
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nashra.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def registry_path(self) -> Path:
        return self.sources_file or (self.data_dir / "sources.yaml")


def _coerce(kind: Any, raw: Any) -> Any:
    text = str(raw)
    if kind in (bool, "bool"):
        return text.strip().lower() in {"1", "true", "yes", "on"}
    if kind in (int, "int"):
        return int(text)
    if kind in (float, "float"):
        return float(text)
    if kind in (Path, "Path", "Path | None"):
        return Path(text) if text else None
    return text


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from defaults, the TOML file, the environment, then ``overrides``."""
    env = dict(os.environ if env is None else env)
    values: dict[str, Any] = {}
    config_path = Path(env.get("NASHRA_CONFIG", "nashra.toml"))
    if config_path.is_file():
        with config_path.open("rb") as fh:
            values.update(tomllib.load(fh))
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    for name, f in fields.items():
        key = f"NASHRA_{name.upper()}"
        if key in env:
            values[name] = env[key]
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings()
    for name, raw in values.items():
        if name not in fields:
            settings.extra[name] = raw
            continue
        setattr(settings, name, _coerce(fields[name].type, raw))
    return settings
