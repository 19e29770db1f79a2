"""SMTP adapter (aiosmtplib): one connection reused for a batch of messages, and the
errors sorted into temporary (try again later) and permanent (do not try again)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from chantiers_common.settings import Settings


class TemporaryFailure(Exception):
    """The server could not take the message now (down, busy, 4xx): retry later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx): the address is marked."""


@dataclass
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                   settings.smtp_user,
                   settings.smtp_password.get_secret_value() if settings.smtp_password
                   else None)


class Mailer:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(hostname=self.config.host, port=self.config.port,
                                 timeout=self.config.timeout,
                                 start_tls=self.config.starttls or False)
        try:
            await client.connect()
            if self.config.username:
                await client.login(self.config.username, self.config.password or "")
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(
                f"SMTP {self.config.host}:{self.config.port} unreachable: {exc}") from exc
        self._client = client
        return client

    async def send(self, message: EmailMessage) -> None:
        client = await self._connected()
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"recipient refused: {codes}") from exc
            raise TemporaryFailure(f"recipient deferred: {codes}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}") from exc
            await self.close()
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self.close()
            raise TemporaryFailure(str(exc) or type(exc).__name__) from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
