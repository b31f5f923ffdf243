"""Settings: defaults from config/default.toml, an optional file, then environment variables.

Validated once at start; a bad value raises SettingsError whose message is one line naming the setting.
"""

from __future__ import annotations

import os
import secrets
import tomllib
import zoneinfo
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config" / "default.toml"
LANGUAGES = ("ru", "kk", "en")

# Environment names from the public contract (API.md) that do not follow CONSULT_<SECTION>_<NAME>.
ENV_ALIASES: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("database", "url"),
    "CONSULT_BASE_URL": ("server", "base_url"),
    "CONSULT_SECRET_KEY": ("server", "secret_key"),
    "CONSULT_MODE": ("server", "mode"),
    "CONSULT_MAIL_FROM": ("smtp", "mail_from"),
    "CONSULT_VIDEO_PROVIDER": ("video", "provider"),
    "CONSULT_BOOKING_CONFIRMATION": ("booking", "confirmation"),
}
SECRET_NAMES = {"secret_key", "password", "jitsi_app_secret", "bbb_secret"}


class SettingsError(Exception):
    """A setting has a value the service cannot run with."""


def _spec(**kw: Any) -> Any:
    return field(default=kw.pop("default"), metadata=kw)


@dataclass(frozen=True)
class Server:
    mode: str = _spec(default="demo", choices=("demo", "production"))
    host: str = "127.0.0.1"
    port: int = _spec(default=8080, min=1, max=65535)
    base_url: str = ""
    secret_key: str = ""
    trusted_proxies: tuple[str, ...] = ()
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    workers: bool = True
    union_name: str = ""
    union_bin: str = ""  # the union's business identification number (БИН), named in the consent texts


@dataclass(frozen=True)
class Database:
    url: str = ""
    data_dir: str = "var/pgdata"
    pool_min: int = _spec(default=2, min=1, max=100)
    pool_max: int = _spec(default=10, min=1, max=500)
    migrate_on_start: bool = True
    statement_timeout_ms: int = _spec(default=5000, min=100, max=600000)


@dataclass(frozen=True)
class Smtp:
    host: str = "127.0.0.1"
    port: int = _spec(default=1025, min=1, max=65535)
    user: str = ""
    password: str = ""
    tls: str = _spec(default="none", choices=("none", "starttls", "tls"))
    timeout_seconds: int = _spec(default=20, min=1, max=600)
    mail_from: str = "consult@localhost"
    mail_from_name: str = ""  # empty: the service's name in the recipient's language (i18n.sender_name)


@dataclass(frozen=True)
class Booking:
    confirmation: str = _spec(default="email", choices=("email", "none"))
    pending_minutes: int = _spec(default=30, min=1, max=1440)
    min_notice_minutes: int = _spec(default=120, min=0, max=43200)
    horizon_days: int = _spec(default=30, min=1, max=365)
    max_active_per_member: int = _spec(default=2, min=1, max=100)
    daily_cap: int = _spec(default=0, min=0, max=100)
    cancel_cutoff_minutes: int = _spec(default=120, min=0, max=10080)
    require_membership: bool = False
    consent_version: str = "2026-11"
    reminder_hours: tuple[int, ...] = (24, 1)
    # Booking attempts counted per client address (generous: a union office or a shared NAT books for
    # many) and per email (tight), each in its own window.
    attempts_per_address: int = _spec(default=300, min=1, max=1000000)
    address_window_minutes: int = _spec(default=10, min=1, max=1440)
    attempts_per_email: int = _spec(default=10, min=1, max=1000000)
    email_window_minutes: int = _spec(default=60, min=1, max=1440)


@dataclass(frozen=True)
class Video:
    provider: str = _spec(default="jitsi", choices=("jitsi", "bigbluebutton", "none"))
    jitsi_base_url: str = "https://meet.jit.si"
    jitsi_app_id: str = ""
    jitsi_app_secret: str = ""
    bbb_url: str = ""
    bbb_secret: str = ""
    hosted_abroad: bool = (
        True  # the provider's servers are outside Kazakhstan (meet.jit.si is): the consent says so
    )


@dataclass(frozen=True)
class I18n:
    default_language: str = _spec(default="ru", choices=LANGUAGES)
    default_timezone: str = "Asia/Almaty"


@dataclass(frozen=True)
class Security:
    session_idle_minutes: int = _spec(default=30, min=1, max=1440)
    session_absolute_hours: int = _spec(default=12, min=1, max=168)
    require_totp_for_staff: bool = False


@dataclass(frozen=True)
class Retention:
    months: int = _spec(default=24, min=1, max=600)


@dataclass(frozen=True)
class Questions:
    answer_working_days: int = _spec(default=5, min=1, max=60)
    # Outside the web root; relative paths count from the working directory, like database.data_dir.
    attachments_dir: str = "var/attachments"
    max_open_per_member: int = _spec(default=3, min=1, max=100)
    asks_per_email_per_day: int = _spec(default=5, min=1, max=1000)
    asks_per_address_per_hour: int = _spec(default=20, min=1, max=10000)


@dataclass(frozen=True)
class Settings:
    server: Server = field(default_factory=Server)
    database: Database = field(default_factory=Database)
    smtp: Smtp = field(default_factory=Smtp)
    booking: Booking = field(default_factory=Booking)
    video: Video = field(default_factory=Video)
    i18n: I18n = field(default_factory=I18n)
    security: Security = field(default_factory=Security)
    retention: Retention = field(default_factory=Retention)
    questions: Questions = field(default_factory=Questions)
    # Set when demo mode invented the secret key or base URL, so the CLI can say so.
    generated: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.server.mode == "production"

    @property
    def https(self) -> bool:
        return self.server.base_url.startswith("https://")

    def with_changes(self, section: str, **values: Any) -> Settings:
        """Return a copy with some values of one section replaced (tests and CLI flags)."""
        return replace(self, **{section: replace(getattr(self, section), **values)})


SECTIONS: dict[str, Any] = {f.name: f.default_factory for f in fields(Settings) if f.name != "generated"}


def _coerce(kind: Any, value: Any, where: str) -> Any:
    """Turn a TOML or environment value into the field's type, or raise SettingsError."""
    text = value if isinstance(value, str) else None
    if kind in (bool, "bool"):
        if isinstance(value, bool):
            return value
        if text is not None and text.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if text is not None and text.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{where}: must be true or false")
    if kind in (int, "int"):
        if isinstance(value, bool):
            raise SettingsError(f"{where}: must be a whole number")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise SettingsError(f"{where}: must be a whole number, got {value!r}") from None
    if kind in (str, "str"):
        if not isinstance(value, str):
            raise SettingsError(f"{where}: must be text")
        return value
    if str(kind).startswith("tuple"):
        items = [p.strip() for p in value.split(",") if p.strip()] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise SettingsError(f"{where}: must be a list")
        inner = "int" if "int" in str(kind) else "str"
        return tuple(_coerce(inner, item, where) for item in items)
    raise SettingsError(f"{where}: unsupported setting type")


def _env_name(section: str, name: str) -> str:
    for env, target in ENV_ALIASES.items():
        if target == (section, name):
            return env
    return f"CONSULT_{section.upper()}_{name.upper()}"


def load_settings(environ: dict[str, str] | None = None, config_file: str | None = None) -> Settings:
    """Read defaults, the optional CONSULT_CONFIG file and the environment, then validate."""
    env = dict(os.environ if environ is None else environ)
    raw: dict[str, dict[str, tuple[Any, str]]] = {}

    def merge(data: dict[str, Any], origin: str) -> None:
        for section, values in data.items():
            if section not in SECTIONS or not isinstance(values, dict):
                raise SettingsError(f"[{section}] in {origin}: unknown section")
            for name, value in values.items():
                raw.setdefault(section, {})[name] = (value, f"{section}.{name} in {origin}")

    merge(tomllib.loads(DEFAULT_CONFIG.read_text("utf-8")), DEFAULT_CONFIG.name)
    extra = config_file or env.get("CONSULT_CONFIG")
    if extra:
        try:
            merge(tomllib.loads(Path(extra).read_text("utf-8")), extra)
        except OSError as exc:
            raise SettingsError(f"CONSULT_CONFIG: cannot read {extra}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"CONSULT_CONFIG: {extra} is not valid TOML: {exc}") from None

    for section, factory in SECTIONS.items():
        for f in fields(factory()):
            name = _env_name(section, f.name)
            if name in env:
                raw.setdefault(section, {})[f.name] = (env[name], name)

    built: dict[str, Any] = {}
    for section, factory in SECTIONS.items():
        values: dict[str, Any] = {}
        known = {f.name: f for f in fields(factory())}
        for name, (value, where) in raw.get(section, {}).items():
            if name not in known:
                raise SettingsError(f"{where}: unknown setting")
            f = known[name]
            value = _coerce(f.type, value, where)
            meta = f.metadata
            if "choices" in meta and value not in meta["choices"]:
                raise SettingsError(f"{where}: must be one of {', '.join(meta['choices'])}")
            if "min" in meta and not meta["min"] <= value <= meta["max"]:
                raise SettingsError(f"{where}: must be between {meta['min']} and {meta['max']}")
            values[name] = value
        built[section] = factory(**values)
    settings = Settings(**built)
    return _check(settings, raw)


def _check(settings: Settings, raw: dict[str, dict[str, tuple[Any, str]]]) -> Settings:
    def where(section: str, name: str) -> str:
        return raw.get(section, {}).get(name, (None, _env_name(section, name)))[1]

    try:
        zoneinfo.ZoneInfo(settings.i18n.default_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{where('i18n', 'default_timezone')}: unknown time zone") from None
    base = settings.server.base_url
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            raise SettingsError(f"{where('server', 'base_url')}: must look like https://consult.example.kz")
        settings = settings.with_changes("server", base_url=base.rstrip("/"))
    if settings.database.pool_min > settings.database.pool_max:
        raise SettingsError(f"{where('database', 'pool_min')}: must not exceed database.pool_max")
    generated: list[str] = []
    if settings.production:
        if len(settings.server.secret_key) < 32:
            raise SettingsError("CONSULT_SECRET_KEY: required in production, at least 32 characters")
        if not base:
            raise SettingsError("CONSULT_BASE_URL: required in production")
    else:
        if not settings.server.secret_key:
            settings = settings.with_changes("server", secret_key=secrets.token_urlsafe(32))
            generated.append("secret_key")
        if not base:
            url = f"http://{settings.server.host}:{settings.server.port}"
            settings = settings.with_changes("server", base_url=url)
            generated.append("base_url")
    return replace(settings, generated=tuple(generated))


def describe(settings: Settings) -> list[tuple[str, str]]:
    """List every setting as (name, value) with secrets masked, for `consult config`."""
    rows = []
    for section in SECTIONS:
        for f in fields(getattr(settings, section)):
            value = getattr(getattr(settings, section), f.name)
            shown = ("***" if value else "") if f.name in SECRET_NAMES else str(value)
            rows.append((f"{section}.{f.name}", shown))
    return rows
