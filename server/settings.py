"""Server settings: one object, read from ONECARD_* environment variables and an optional TOML file.

Environment variables win over the file. Every problem is reported as a ``ConfigError`` naming the
setting, so the CLI can print one clear line instead of a traceback.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from loyalty.currency import EXPONENTS
from server.auth.roles import Role
from server.exceptions import ConfigError

SUPPORTED_DIALECTS = ("sqlite", "postgresql")
# More connections than this per process is a typo, not sizing: PostgreSQL's default
# max_connections is 100 for all processes together.
MAX_POOL_CONNECTIONS = 500
# More hops than this in front of one server is a misconfiguration, not a deployment.
MAX_TRUSTED_PROXIES = 5
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Points a staff user of each role may adjust on their own (one adjustment, and in any 24 hours);
# above either, a second staff user approves. Roles not named here may not adjust points at all.
ADJUST_LIMIT_DEFAULTS = {Role.MEMBER_SERVICE: (5_000, 20_000), Role.ADMIN: (50_000, 200_000)}


@dataclass(frozen=True)
class AdjustmentLimit:
    """Points (absolute) one staff user may adjust alone: per adjustment, and summed over 24 hours."""

    per_adjustment: int
    per_day: int
_OBJECT_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment, validated."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    queue_name: str
    secret_key: str
    token_ttl_seconds: int
    currency: str
    max_body_bytes: int
    signature_window_seconds: int
    login_max_failures: int
    login_lockout_seconds: int
    card_prefix: str
    points_expiry_months: int
    member_cache: str
    member_cache_days: int
    adjust_limits: tuple[tuple[str, AdjustmentLimit], ...]
    admin_idle_timeout_seconds: int
    web_apps: tuple[str, ...] | None
    db_pool_size: int | None = None  # None: one connection per thread of the process
    db_max_overflow: int | None = None  # None: as many as the pool size
    unknown_item_earn_cap_minor: int = 10_000
    sale_clock_tolerance_seconds: int = 300
    reports_database_url: str | None = None  # None: reports read the main database
    smtp_url: str | None = None  # None: no mail goes out (sign-in codes by e-mail are refused)
    mail_from: str = "OneCard <onecard@localhost>"
    sign_in_codes_per_address: int = 20  # codes asked for from one client address per 15 minutes
    sms_gateway_url: str | None = None  # None: no SMS goes out
    public_url: str = "http://127.0.0.1:8000"  # where members reach the server (links in messages)
    notice_rate: int = 10  # notices sent per second, by all workers together
    notice_lease_seconds: int = 300  # how long a worker's claim on an outbox row lasts unrenewed
    quiet_hours: tuple[str, str] | None = ("21:00", "08:00")  # member's home-store wall clock
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto are believed
    feed_compact_after_days: int = 3  # a superseded member snapshot stays on the feed this long

    @property
    def reports_url(self) -> str:
        """Where the reports read: the read replica when one is configured, else the main database."""
        return self.reports_database_url or self.database_url

    def adjust_limit(self, role: str) -> AdjustmentLimit | None:
        """What a staff user of ``role`` may adjust alone; None for a role that may not adjust."""
        return dict(self.adjust_limits).get(role)

    def database_pool(self, threads: int) -> tuple[int, int]:
        """(pool size, max overflow) of PostgreSQL connections for a process running ``threads``."""
        size = self.db_pool_size or threads
        return size, size if self.db_max_overflow is None else self.db_max_overflow

    @property
    def currency_exponent(self) -> int:
        return EXPONENTS[self.currency]

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password masked, fit for logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def queue_description(self) -> str:
        if not self.redis_url:
            return "in-process"
        return f"rq on {make_url(self.redis_url).render_as_string(hide_password=True)}"

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) and ``ONECARD_CONFIG``'s file."""
        env = dict(os.environ if environ is None else environ)
        values = {**_read_config_file(env.get("ONECARD_CONFIG")), **_onecard_vars(env)}
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Settings:
        """Build settings from lower-case names (``database_url``) to raw string values."""
        data_dir = Path(values.get("data_dir") or Path.cwd() / "data").expanduser().resolve()
        return cls(
            data_dir=data_dir,
            database_url=_database_url(values.get("database_url"), data_dir),
            redis_url=_redis_url(values.get("redis_url")),
            queue_name=_queue_name(values.get("queue_name", "onecard")),
            secret_key=_secret_key(values.get("secret_key"), data_dir),
            token_ttl_seconds=_positive_int(values, "token_ttl", 8 * 3600),
            currency=_currency(values.get("currency", "EUR")),
            max_body_bytes=_positive_int(values, "max_body_bytes", 2 * 1024 * 1024),
            signature_window_seconds=_positive_int(values, "signature_window", 300),
            login_max_failures=_positive_int(values, "login_max_failures", 5),
            login_lockout_seconds=_positive_int(values, "login_lockout", 900),
            card_prefix=_card_prefix(values.get("card_prefix", "27")),
            points_expiry_months=_positive_int(values, "points_expiry_months", 12),
            member_cache=_member_cache(values.get("member_cache", "all")),
            member_cache_days=_positive_int(values, "member_cache_days", 90),
            adjust_limits=_adjust_limits(values),
            db_pool_size=_pool_connections(values, "db_pool_size", minimum=1),
            db_max_overflow=_pool_connections(values, "db_max_overflow", minimum=0),
            admin_idle_timeout_seconds=_positive_int(values, "admin_idle_timeout", 1800),
            web_apps=_web_apps(values.get("web_apps")),
            unknown_item_earn_cap_minor=_positive_int(values, "unknown_item_earn_cap", 10_000),
            sale_clock_tolerance_seconds=_positive_int(values, "sale_clock_tolerance", 300),
            sign_in_codes_per_address=_positive_int(values, "sign_in_codes_per_address", 20),
            reports_database_url=(_database_url(values["reports_database_url"], data_dir, "reports_database_url")
                                  if values.get("reports_database_url") else None),
            smtp_url=_smtp_url(values),
            mail_from=values.get("mail_from") or "OneCard <onecard@localhost>",
            sms_gateway_url=_http_url(values, "sms_gateway_url"),
            public_url=(_http_url(values, "public_url") or "http://127.0.0.1:8000").rstrip("/"),
            notice_rate=_positive_int(values, "notice_rate", 10),
            notice_lease_seconds=_positive_int(values, "notice_lease", 300),
            quiet_hours=_quiet_hours(values.get("quiet_hours", "21:00-08:00")),
            trusted_proxies=_trusted_proxies(values),
            feed_compact_after_days=_positive_int(values, "feed_compact_after_days", 3),
        )


def env_name(key: str) -> str:
    return f"ONECARD_{key.upper()}"


def _onecard_vars(env: Mapping[str, str]) -> dict[str, str]:
    return {k[len("ONECARD_"):].lower(): v for k, v in env.items()
            if k.startswith("ONECARD_") and k != "ONECARD_CONFIG" and v != ""}


def _read_config_file(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    try:
        with open(path, "rb") as f:
            raw = tomllib.load(f)
    except OSError as exc:
        raise ConfigError("ONECARD_CONFIG", f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("ONECARD_CONFIG", f"{path} is not valid TOML: {exc}") from exc
    return {str(k).lower(): str(v) for k, v in raw.items()}


def _database_url(raw: str | None, data_dir: Path, key: str = "database_url") -> str:
    if not raw:
        return f"sqlite:///{data_dir / 'onecard.sqlite3'}"
    try:
        url: URL = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(env_name(key), "not a database URL") from exc
    if url.get_backend_name() not in SUPPORTED_DIALECTS:
        raise ConfigError(env_name(key),
                          f"unsupported database {url.get_backend_name()!r}; use sqlite or postgresql")
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship
    return url.render_as_string(hide_password=False)


def _redis_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(env_name("redis_url"), "must start with redis://, rediss:// or unix://")
    return raw


def _queue_name(raw: str) -> str:
    if not _QUEUE_NAME.match(raw):
        raise ConfigError(env_name("queue_name"), "use 1-64 letters, digits, '_', '.', ':' or '-'")
    return raw


def _secret_key(raw: str | None, data_dir: Path) -> str:
    if raw:
        if len(raw) < 32:
            raise ConfigError(env_name("secret_key"), "must be at least 32 characters")
        return raw
    # Embedded default: a random key kept beside the SQLite file, so tokens survive restarts.
    key_file = data_dir / "secret_key"
    try:
        if key_file.exists():
            return key_file.read_text().strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key
    except OSError as exc:
        raise ConfigError(env_name("secret_key"),
                          f"unset, and no key file could be kept in {data_dir}: {exc.strerror}") from exc


def _positive_int(values: Mapping[str, str], key: str, default: int) -> int:
    raw = values.get(key)
    if raw is None:
        return default
    number = _whole_number(key, raw)
    if number <= 0:
        raise ConfigError(env_name(key), f"must be positive, got {number}")
    return number


def _adjust_limits(values: Mapping[str, str]) -> tuple[tuple[str, AdjustmentLimit], ...]:
    limits = []
    for role, (per_adjustment, per_day) in ADJUST_LIMIT_DEFAULTS.items():
        limit = AdjustmentLimit(_positive_int(values, f"adjust_max_points_{role}", per_adjustment),
                                _positive_int(values, f"adjust_day_points_{role}", per_day))
        if limit.per_day < limit.per_adjustment:
            raise ConfigError(env_name(f"adjust_day_points_{role}"),
                              f"must be at least ONECARD_ADJUST_MAX_POINTS_{role.upper()} "
                              f"({limit.per_adjustment}), got {limit.per_day}")
        limits.append((role, limit))
    return tuple(limits)


def _whole_number(key: str, raw: str) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise ConfigError(env_name(key), f"must be a whole number, got {raw!r}") from None


def _pool_connections(values: Mapping[str, str], key: str, minimum: int) -> int | None:
    raw = values.get(key)
    if raw is None:
        return None
    number = _whole_number(key, raw)
    if not minimum <= number <= MAX_POOL_CONNECTIONS:
        raise ConfigError(env_name(key), f"must be {minimum} to {MAX_POOL_CONNECTIONS}, got {number}")
    return number


def _trusted_proxies(values: Mapping[str, str]) -> int:
    raw = values.get("trusted_proxies")
    number = 0 if raw is None else _whole_number("trusted_proxies", raw)
    if not 0 <= number <= MAX_TRUSTED_PROXIES:
        raise ConfigError(env_name("trusted_proxies"), f"must be 0 to {MAX_TRUSTED_PROXIES}, got {number}")
    return number


def _web_apps(raw: str | None) -> tuple[str, ...] | None:
    # Unset: the app mounts what the ``onecard.web`` entry points name. Set: exactly these
    # ``module:function`` names (``none`` for no web pages), e.g. to run from an uninstalled tree.
    if raw is None:
        return None
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    if names == ("none",):
        return ()
    for name in names:
        if not _OBJECT_REF.match(name):
            raise ConfigError(env_name("web_apps"), f"use module:function names, or 'none' (got {name!r})")
    return names


def _member_cache(raw: str) -> str:
    # Which stores' tills keep a member's balance snapshot: every store, only the home store, or
    # the home store and those visited recently (others look the member up online and cannot
    # redeem for them offline).
    if raw not in ("all", "home", "recent"):
        raise ConfigError(env_name("member_cache"), f"use 'all', 'home' or 'recent', got {raw!r}")
    return raw


def _card_prefix(raw: str) -> str:
    # GS1 restricted-circulation range (2x), so a scanner can tell a member card from a product.
    if not (raw.isdigit() and raw.startswith("2") and 2 <= len(raw) <= 6):
        raise ConfigError(env_name("card_prefix"), "use 2-6 digits starting with 2 (GS1 in-store range)")
    return raw


def _currency(raw: str) -> str:
    code = raw.strip().upper()
    if code not in EXPONENTS:
        raise ConfigError(env_name("currency"),
                          f"unknown currency {raw!r}; use an ISO 4217 code such as EUR")
    return code


def _smtp_url(values: Mapping[str, str]) -> str | None:
    # ONECARD_SMTP_URL (smtp://[user:password@]host[:port], smtps:// for TLS from the start), or
    # ONECARD_SMTP_HOST with ONECARD_SMTP_PORT (default 25) for a plain relay.
    raw = values.get("smtp_url")
    if raw is None and values.get("smtp_host"):
        port = _positive_int(values, "smtp_port", 25)
        raw = f"smtp://{values['smtp_host']}:{port}"
    if raw is None:
        return None
    scheme, sep, rest = raw.partition("://")
    if not sep or scheme not in ("smtp", "smtps") or not rest.split("@")[-1].split(":")[0]:
        raise ConfigError(env_name("smtp_url"), "use smtp://host[:port] or smtps://user:password@host[:port]")
    return raw


def _quiet_hours(raw: str) -> tuple[str, str] | None:
    # ONECARD_QUIET_HOURS: "21:00-08:00" (may wrap past midnight), or "none".
    if raw.strip().lower() == "none":
        return None
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", raw.strip())
    if match is None or raw.strip()[:5] == raw.strip()[6:]:
        raise ConfigError(env_name("quiet_hours"), "use HH:MM-HH:MM (e.g. 21:00-08:00, different times), or none")
    return raw.strip()[:5], raw.strip()[6:]


def _http_url(values: Mapping[str, str], key: str) -> str | None:
    raw = values.get(key)
    if raw is None:
        return None
    if not re.match(r"^https?://[^/\s]+", raw):
        raise ConfigError(env_name(key), f"use an http:// or https:// URL (got {raw!r})")
    return raw
