"""Settings from the environment (pydantic-settings), declared once for every service.

Every variable is prefixed ``CHANTIERS_`` except the OpenTelemetry ones, which keep their
standard names so that any OTel tooling understands them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root: libs/common/src/chantiers_common/settings.py → 4 levels up.
REPO_ROOT = Path(__file__).resolve().parents[4]


class MissingSecret(RuntimeError):
    pass


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHANTIERS_", extra="ignore")

    # Where the real sample data lives (read in place, never copied into the project).
    data_dir: Path = Field(default=REPO_ROOT.parent / "shared" / "data")
    # Runtime state of the local stack: databases, broker node, outbox of the SMTP sink.
    run_dir: Path = Field(default=REPO_ROOT / ".run")

    amqp_url: str = "amqp://guest:guest@127.0.0.1:5682/"
    exchange: str = "chantiers.events"
    # Consumers prefetch this many messages per queue.
    prefetch: int = 256
    # A message that failed this many times goes to the dead-letter queue.
    max_retries: int = 3
    retry_delay_ms: int = 2000
    # Events handled in one transaction (1: one transaction per event), gathered for at
    # most this long.
    consumer_batch: int = 64
    consumer_batch_wait_ms: float = 2.0

    pg_host: str = "127.0.0.1"
    pg_port: int = 5442
    pg_user: str = "chantiers"
    # None: no password (the local stack trusts loopback connections).
    pg_password: SecretStr | None = None
    # Appended to every database name, so that tests can run on their own databases.
    db_suffix: str = ""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "Chantiers agiles <alertes@chantiers-agiles.fr>"
    public_base_url: str = "http://127.0.0.1:8004"

    # Secrets come only from the environment: no default in code. `chantiers stack up`
    # generates them for the local stack (.run/secrets.env, exported by the CLI); compose
    # and production set them. A service that needs one and lacks it does not start.
    admin_token: SecretStr | None = None
    link_secret: SecretStr | None = None

    http_host: str = "127.0.0.1"
    prospects_port: int = 8001
    structures_port: int = 8002
    matching_port: int = 8003
    notifications_port: int = 8004

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        if value is None or not value.get_secret_value():
            raise MissingSecret(
                f"CHANTIERS_{name.upper()} is not set: secrets come only from the "
                "environment (`chantiers stack up` writes them to .run/secrets.env for "
                "the local stack)")
        return str(value.get_secret_value())

    def database_url(self, service: str) -> str:
        return (
            f"postgresql+asyncpg://{self.pg_credentials()}@{self.pg_host}:{self.pg_port}"
            f"/{self.database_name(service)}"
        )

    def pg_credentials(self) -> str:
        user = quote(self.pg_user, safe="")
        if self.pg_password is None:
            return user
        return f"{user}:{quote(self.pg_password.get_secret_value(), safe='')}"

    def database_name(self, service: str) -> str:
        return f"{service}{self.db_suffix}"

    def http_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))


@lru_cache
def get_settings() -> Settings:
    return Settings()


def data_dir() -> Path:
    return get_settings().data_dir
