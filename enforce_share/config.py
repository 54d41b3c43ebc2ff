"""Node configuration: defaults, then the node's TOML file, then the environment; read once."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import limits
from sqlalchemy.engine import make_url

from .errors import ConfigError
from .members import CODE

CONFIG_FILE = "node.toml"
DEFAULT_DATA_DIR = "instance"
#: Environment variable -> config attribute. The environment wins over the file.
ENVIRONMENT = {
    "ENFORCE_SHARE_DATA_DIR": "data_dir",
    "DATABASE_URL": "database_url",
    "ENFORCE_SHARE_AGENCY": "agency",
    "ENFORCE_SHARE_MAX_BODY_BYTES": "max_body_bytes",
    "ENFORCE_SHARE_RATE_LIMIT": "rate_limit",
    "ENFORCE_SHARE_RATE_LIMIT_STORAGE": "rate_limit_storage",
    "ENFORCE_SHARE_HEARTBEAT": "heartbeat",
    "ENFORCE_SHARE_FRESHNESS_GRACE": "freshness_grace",
    "ENFORCE_SHARE_SESSION_IDLE": "session_idle",
    "ENFORCE_SHARE_SESSION_LIFETIME": "session_lifetime",
    "ENFORCE_SHARE_PUBLIC_RATE_LIMIT": "public_rate_limit",
    "ENFORCE_SHARE_LISTS_REFRESH": "lists_refresh",
    "ENFORCE_SHARE_LISTS_INBOX": "lists_inbox",
    "ENFORCE_SHARE_SANCTIONED_DESTINATIONS": "sanctioned_destinations",
}
#: Destinations under the partners' embargoes or comprehensive sanctions (screening flags a
#: route ending in one); a node sets its own with ``sanctioned_destinations``.
SANCTIONED_DESTINATIONS = ("RU", "BY", "IR", "KP", "SY", "CU")


@dataclass(frozen=True)
class Config:
    """Everything a node needs to know about itself."""

    data_dir: Path = Path(DEFAULT_DATA_DIR)
    agency: str | None = None
    database_url: str | None = None
    max_body_bytes: int = 1024 * 1024
    #: Requests per API token (or address), e.g. "600 per minute"; the feed gets ten times it.
    rate_limit: str = "600 per minute"
    #: Where the counts live: "memory://" counts per gunicorn worker; share them between
    #: workers with e.g. "redis://host:6379" (flask-limiter storage URI).
    rate_limit_storage: str = "memory://"
    #: Seconds between heartbeat checkpoints of this node's own log (the scheduler signs one
    #: even when nothing was written), so partners can tell a quiet origin from a lost one.
    heartbeat: float = 600.0
    #: Seconds past ``heartbeat`` after which an origin not heard of raises a staleness alarm.
    freshness_grace: float = 300.0
    #: Seconds a web session lasts without a request, and at most from sign-in.
    session_idle: float = 1800.0
    session_lifetime: float = 8 * 3600.0
    #: Requests per address to the public list of diversionary actors (no credentials).
    public_rate_limit: str = "60 per minute"
    #: Seconds between the scheduler's refreshes of the reference lists (0: never).
    lists_refresh: float = 86400.0
    #: The drop folder for list files (a folder per source: ``ofac-sdn/``, ``uk/``...);
    #: empty: ``DATA_DIR/lists-inbox``. Nodes on isolated networks get files by hand.
    lists_inbox: str = ""
    #: (source, its URLs) the scheduler downloads files from; in node.toml a table
    #: ``list_urls = {ofac-sdn = ["https://.../sdn.csv", ...], uk = "..."}``.
    list_urls: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sanctioned_destinations: tuple[str, ...] = SANCTIONED_DESTINATIONS

    @property
    def keys_dir(self) -> Path:
        """Where the node's private signing keys live (mode 0700, files 0600)."""
        return self.data_dir / "keys"

    @property
    def inbox(self) -> Path:
        """The drop folder for reference list files."""
        return Path(self.lists_inbox) if self.lists_inbox else self.data_dir / "lists-inbox"

    @property
    def db_url(self) -> str:
        """The SQLAlchemy URL: ``DATABASE_URL`` or the embedded SQLite file in the data dir."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'node.db').resolve()}"

    def require_agency(self) -> str:
        """The node's agency code, or a ConfigError telling how to set the node up."""
        if not self.agency:
            raise ConfigError(
                f"No node in {self.data_dir}: run `enforce-share init --agency CODE` first."
            )
        return self.agency


def load_config(data_dir: str | Path | None = None, **overrides: Any) -> Config:
    """Read the configuration: defaults < ``DATA_DIR/node.toml`` < environment < overrides."""
    env = {attr: os.environ[name] for name, attr in ENVIRONMENT.items() if os.environ.get(name)}
    root = Path(data_dir or env.get("data_dir") or DEFAULT_DATA_DIR)
    values: dict[str, Any] = {}
    path = root / CONFIG_FILE
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")).get("node", {}))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    values.update(env)
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["data_dir"] = root
    known = {f.name for f in fields(Config)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    try:
        values["max_body_bytes"] = int(values.get("max_body_bytes", Config.max_body_bytes))
    except ValueError as exc:
        raise ConfigError("max_body_bytes must be a whole number of bytes") from exc
    _lists_settings(values)
    for name in ("heartbeat", "freshness_grace", "session_idle", "session_lifetime"):
        try:
            values[name] = float(values.get(name, getattr(Config, name)))
        except ValueError as exc:
            raise ConfigError(f"{name} must be a number of seconds") from exc
        if not values[name] > 0:
            raise ConfigError(f"{name} must be more than 0 seconds")
    for name in ("rate_limit", "public_rate_limit"):
        try:
            limits.parse(str(values.get(name, getattr(Config, name))))
        except ValueError as exc:
            raise ConfigError(f"{name} {values.get(name)!r} is not a rate such as "
                              "'600 per minute'") from exc
    if values.get("agency") is not None and not CODE.fullmatch(str(values["agency"])):
        raise ConfigError(f"agency {values['agency']!r} is not an agency code (ISO 3166-1 "
                          "alpha-3, upper case)")
    return replace(Config(), **values)


def _lists_settings(values: dict[str, Any]) -> None:
    """Reference list and screening settings, checked and given their types, in place."""
    try:
        values["lists_refresh"] = float(values.get("lists_refresh", Config.lists_refresh))
    except ValueError as exc:
        raise ConfigError("lists_refresh must be a number of seconds") from exc
    if values["lists_refresh"] < 0:
        raise ConfigError("lists_refresh must be 0 (never) or more seconds")
    urls = values.get("list_urls", {})
    if isinstance(urls, dict):  # from node.toml; a tuple of pairs from a Config already
        urls = [(source, [url] if isinstance(url, str) else url) for source, url in urls.items()]
    try:
        pairs = tuple((str(source), tuple(found)) for source, found in urls)
    except (TypeError, ValueError):
        pairs = (("", (None,)),)
    if not all(isinstance(url, str) for _, found in pairs for url in found):
        raise ConfigError("list_urls must map a source to a URL or a list of URLs")
    values["list_urls"] = pairs
    destinations = values.get("sanctioned_destinations", SANCTIONED_DESTINATIONS)
    if isinstance(destinations, str):
        destinations = [code.strip() for code in destinations.split(",") if code.strip()]
    codes = tuple(str(code).upper() for code in destinations)
    if not all(len(code) == 2 and code.isalpha() for code in codes):
        raise ConfigError("sanctioned_destinations must be ISO 3166-1 alpha-2 codes (RU,BY)")
    values["sanctioned_destinations"] = codes


def write_config(config: Config) -> Path:
    """Write the node's file; only settings that differ from the defaults (never secrets)."""
    lines = ["# enforce-share node configuration (environment variables override it)", "[node]"]
    lines.append(f"agency = {json.dumps(config.agency)}")
    if config.database_url and make_url(config.database_url).password is None:
        lines.append(f"database_url = {json.dumps(config.database_url)}")
    elif config.database_url:  # never write a password: it stays in the environment
        lines.append("# database_url: set DATABASE_URL (it holds a password)")
    path = config.data_dir / CONFIG_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
