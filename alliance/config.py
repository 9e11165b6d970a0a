"""Build the app configuration for an environment from the process environment."""

import ipaddress
import math
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("production", "development", "demo", "test")


class ConfigError(RuntimeError):
    """Raised when the configuration cannot start the app safely."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def seconds(name: str, raw: str) -> float:
    """Read a setting's number of seconds, 0 or more; refuse anything else, naming it."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value >= 0):
        raise ConfigError(f"{name} must be a number of seconds, 0 or more, not {raw!r}")
    return value


def whole_number(smallest: int):
    """Return a reader of a setting's whole number, `smallest` or more ('2,000,000' too)."""

    def read(name: str, raw: str) -> int:
        try:
            value = int(raw.replace(",", "").replace("_", ""))
        except ValueError:
            value = smallest - 1
        if value < smallest:
            raise ConfigError(f"{name} must be a whole number, {smallest} or more, not {raw!r}")
        return value

    return read


def text(_name: str, raw: str) -> str:
    """Read a setting's text as it is, without surrounding whitespace."""
    return raw.strip()


def _public_base_url(env: str) -> str:
    """Read PUBLIC_BASE_URL, the address every link leaving the site is built from."""
    raw = os.environ.get("PUBLIC_BASE_URL", "").strip()
    if not raw:
        if env == "production":
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. Production needs the site's public address, e.g. "
                "https://books.example.org: mailed links, SMS and QR codes are built from it."
            )
        return "http://localhost:5000"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            "PUBLIC_BASE_URL must be an http(s) address such as https://books.example.org, "
            f"not {raw!r}"
        )
    return raw.rstrip("/")


def _trusted_hosts(env: str, *addresses: str) -> list[str] | None:
    """Return the Host names the site answers to (None: any, outside production by default).

    TRUSTED_HOSTS lists them (comma-separated); production defaults to the hosts of its public
    addresses, so that a request for another host is refused rather than answered.
    """
    raw = os.environ.get("TRUSTED_HOSTS")
    if raw is not None:
        return [host.strip().lower() for host in raw.split(",") if host.strip()] or None
    if env != "production":
        return None
    return sorted({urlsplit(address).hostname for address in addresses if address})


def _proxy_networks(raw: str) -> list:
    """Read PROXY_ADDRESSES: the addresses or networks of the reverse proxies in front."""
    networks = []
    for part in raw.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    f"PROXY_ADDRESSES holds {part.strip()!r}, not an address or network"
                ) from None
    return networks


def _sms_settings() -> dict:
    """Read SMS_BACKEND (log, or http with SMS_GATEWAY_URL) and the gateway's token."""
    backend = os.environ.get("SMS_BACKEND", "log").strip().lower()
    url = os.environ.get("SMS_GATEWAY_URL", "").strip()
    if backend not in ("log", "http"):
        raise ConfigError(f"SMS_BACKEND must be log or http, not {backend!r}")
    if backend == "http" and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError("SMS_BACKEND=http needs SMS_GATEWAY_URL, the gateway's http(s) address")
    return {
        "SMS_BACKEND": backend,
        "SMS_GATEWAY_URL": url,
        "SMS_GATEWAY_TOKEN": os.environ.get("SMS_GATEWAY_TOKEN", ""),
    }


def _instance_secret(instance_path: Path) -> str:
    """Return a random key kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def build_config(env: str, instance_path: Path) -> dict:
    """Return the settings for `env`; refuse to start production without a SECRET_KEY."""
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ALLIANCE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY", "")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the "
                "environment, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'."
            )
        secret = "test-secret-key" if env == "test" else _instance_secret(instance_path)
    public_base_url = _public_base_url(env)
    database_url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'book-alliance.db'}")
    https = _flag("FORCE_HTTPS", production)
    return {
        "ENV_NAME": env,
        "TESTING": env == "test",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)),
        "SESSION_COOKIE_SECURE": https,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "alliance_session",
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "FORCE_HTTPS": https,
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", 0)),
        "PROXY_ADDRESSES": _proxy_networks(os.environ.get("PROXY_ADDRESSES", "127.0.0.1,::1")),
        "PUBLIC_BASE_URL": public_base_url,
        "TRUSTED_HOSTS": _trusted_hosts(env, public_base_url),
        # True when TRUSTED_HOSTS came from the public address: a domain may add its own.
        "TRUSTED_HOSTS_DERIVED": os.environ.get("TRUSTED_HOSTS") is None,
        "WTF_CSRF_ENABLED": _flag("WTF_CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT_IP": os.environ.get("LOGIN_RATE_LIMIT_IP", "20 per minute"),
        # Tight for one account from one address, loose for the account alone: a stranger
        # guessing from one address cannot lock the real owner out.
        "LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS": os.environ.get(
            "LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS", "5 per minute"
        ),
        "LOGIN_RATE_LIMIT_ACCOUNT": os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT", "100 per hour"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "JSON_LOGS": _flag("JSON_LOGS", production),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 587)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", True),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Book Alliance <no-reply@example.org>"),
        **_sms_settings(),
        # The programmes plugged in (each a package with init_app), in this order.
        "ALLIANCE_DOMAINS": [
            name.strip()
            for name in os.environ.get("ALLIANCE_DOMAINS", "campaigns,authenticity").split(",")
            if name.strip()
        ],
        # Background jobs: Huey's queue in SQLite (instance folder) or Redis; tests run them now.
        "JOBS_URL": os.environ.get("JOBS_URL", f"sqlite:///{instance_path / 'jobs.db'}"),
        "JOBS_IMMEDIATE": _flag("JOBS_IMMEDIATE", env == "test"),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("JOB_TIMEOUT_SECONDS", 600)),
        "IMPORT_JOB_ROWS": int(os.environ.get("IMPORT_JOB_ROWS", 10_000)),  # larger: a job
        # Uploaded files: a folder outside the web root (instance/files) or s3://bucket/prefix.
        "FILES_URL": os.environ.get("FILES_URL", ""),
        "FILES_S3_ENDPOINT": os.environ.get("FILES_S3_ENDPOINT", ""),
        "PASSWORD_RESET_MAX_AGE": int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600)),
        "API_TITLE": "Book Alliance API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
