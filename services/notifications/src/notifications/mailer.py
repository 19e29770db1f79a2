"""SMTP adapter (aiosmtplib): one connection reused for many messages, and the errors
sorted into temporary (try again later) and permanent (do not try again)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import aiosmtplib
import aiosmtplib.protocol as _smtp_protocol
import aiosmtplib.smtp as _smtp_module

from chantiers_common.settings import Settings

from .mime import MAIL_POLICY

# What goes on the wire: CRLF line ends, as SMTP wants, and our header classes kept
# (long signed URLs unfolded). Serialised once here instead of by aiosmtplib, which
# would copy the message and run the email generator a second time.
WIRE_POLICY = MAIL_POLICY.clone(linesep="\r\n")


class _AlreadyStuffed:
    """aiosmtplib's dot-stuffing, minus the regex pass when no line starts with a dot."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern

    def sub(self, repl: bytes, data: bytes) -> bytes:
        if not data.startswith(b".") and b"\n." not in data:
            return data  # what the regex would return, found at memchr speed
        return self.pattern.sub(repl, data)


def _normalized_fast(original: Any) -> Any:
    def normalize(message: bytes) -> bytes:
        # Already CRLF only (our messages are built so): what the regex would return.
        crlf = message.count(b"\r\n")
        if (message.count(b"\n") == crlf and message.count(b"\r") == crlf
                and message.endswith(b"\r\n")):
            return message
        return original(message)

    return normalize


def install_fast_paths() -> None:
    """For each message aiosmtplib runs regular expressions over the whole of it, byte by
    byte: line ends to CRLF (twice: for the SIZE= of MAIL FROM, then before DATA) and
    dot-stuffing, about a third of the sender's CPU for a 66 kB digest. Our messages
    already have CRLF line ends; these wrappers return the same bytes as the originals,
    checking that with ``bytes.count`` instead. A unit test checks both against the
    originals, and fails if aiosmtplib renames them."""
    if not isinstance(_smtp_protocol.PERIOD_REGEX, _AlreadyStuffed):
        _smtp_protocol.PERIOD_REGEX = _AlreadyStuffed(  # type: ignore[assignment]
            _smtp_protocol.PERIOD_REGEX)
        fast = _normalized_fast(_smtp_protocol.normalize_message_line_endings)
        # Used by the protocol before DATA, and by SMTP.sendmail to compute SIZE=.
        _smtp_protocol.normalize_message_line_endings = fast
        _smtp_module.normalize_message_line_endings = fast


class TemporaryFailure(Exception):
    """The server could not take the message now (down, busy, 4xx): retry later.

    ``server_down``: no conversation was possible at all, so the following messages
    would fail the same way; the sender stops its batch instead of trying each one."""

    def __init__(self, message: str, *, server_down: bool = False) -> None:
        super().__init__(message)
        self.server_down = server_down


class PermanentFailure(Exception):
    """The server refused the message for good (5xx).

    ``address_refused``: the recipient itself was refused (at RCPT): the address is
    marked and not tried again until it changes. Otherwise only this message failed."""

    def __init__(self, message: str, *, address_refused: bool) -> None:
        super().__init__(message)
        self.address_refused = address_refused


@dataclass
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    username: str | None
    password: str | None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings, timeout: float = 30.0) -> SmtpConfig:
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                   settings.smtp_user,
                   settings.smtp_password.get_secret_value() if settings.smtp_password
                   else None, timeout)


def wire_bytes(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=WIRE_POLICY)


def envelope_of(message: EmailMessage) -> tuple[str, str]:
    """(MAIL FROM, RCPT TO) of one of our messages: one sender, one recipient."""
    return parseaddr(str(message["From"]))[1], parseaddr(str(message["To"]))[1]


class Mailer:
    def __init__(self, config: SmtpConfig) -> None:
        install_fast_paths()
        self.config = config
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.is_connected

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
            client.close()
            raise TemporaryFailure(
                f"SMTP {self.config.host}:{self.config.port} unreachable: {exc}",
                server_down=True) from exc
        self._client = client
        return client

    async def send(self, message: EmailMessage) -> None:
        sender, recipient = envelope_of(message)
        await self.send_raw(sender, recipient, wire_bytes(message))

    async def send_raw(self, sender: str, recipient: str, data: bytes) -> None:
        client = await self._connected()
        try:
            await client.sendmail(sender, [recipient], data)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"recipient refused: {exc.recipients[0].message} "
                                       f"({codes[0]})", address_refused=True) from exc
            raise TemporaryFailure(f"recipient deferred: {codes}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            # aiosmtplib sent RSET: the connection can carry the next message.
            if 500 <= exc.code < 600:
                raise PermanentFailure(f"{exc.code} {exc.message}",
                                       address_refused=False) from exc
            await self.close()
            raise TemporaryFailure(f"{exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The connection broke mid-conversation (server stopped…).
            await self.close()
            raise TemporaryFailure(str(exc) or type(exc).__name__, server_down=True) from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
