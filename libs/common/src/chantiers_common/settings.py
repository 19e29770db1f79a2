"""Settings from the environment (pydantic-settings), declared once for every service.

Every variable is prefixed ``CHANTIERS_`` except the OpenTelemetry ones, which keep their
standard names so that any OTel tooling understands them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository root: libs/common/src/chantiers_common/settings.py → 4 levels up.
REPO_ROOT = Path(__file__).resolve().parents[4]


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

    pg_host: str = "127.0.0.1"
    pg_port: int = 5442
    pg_user: str = "chantiers"
    pg_password: SecretStr = SecretStr("chantiers")
    # Appended to every database name, so that tests can run on their own databases.
    db_suffix: str = ""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    mail_from: str = "Chantiers agiles <alertes@chantiers-agiles.fr>"
    public_base_url: str = "http://127.0.0.1:8004"

    admin_token: SecretStr = SecretStr("dev-admin-token")
    link_secret: SecretStr = SecretStr("dev-link-secret")

    http_host: str = "127.0.0.1"
    prospects_port: int = 8001
    structures_port: int = 8002
    matching_port: int = 8003
    notifications_port: int = 8004

    def database_url(self, service: str) -> str:
        password = self.pg_password.get_secret_value()
        return (
            f"postgresql+asyncpg://{self.pg_user}:{password}@{self.pg_host}:{self.pg_port}"
            f"/{self.database_name(service)}"
        )

    def database_name(self, service: str) -> str:
        return f"{service}{self.db_suffix}"

    def http_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))


@lru_cache
def get_settings() -> Settings:
    return Settings()


def data_dir() -> Path:
    return get_settings().data_dir
