"""The shortcuts installed in aiosmtplib return exactly what its regular expressions do."""

from __future__ import annotations

import re

import aiosmtplib.protocol
import aiosmtplib.smtp
import pytest

from notifications.mailer import _AlreadyStuffed, _normalized_fast, install_fast_paths

LINE_ENDINGS = re.compile(rb"(?:\r\n|\n|\r(?!\n))")
PERIOD = re.compile(rb"(?m)^\.")


def reference_normalize(message: bytes) -> bytes:  # aiosmtplib 5's own, for comparison
    message = LINE_ENDINGS.sub(b"\r\n", message)
    return message if message.endswith(b"\r\n") else message + b"\r\n"


CASES = [
    b"Subject: x\r\n\r\nbody\r\n",
    b"Subject: x\r\n\r\nbody",  # no final line end
    b"Subject: x\n\nbody\n",  # bare LF
    b"a\r\nb\rc\r\n",  # a lone CR
    b"a\r\n.hidden line\r\n..\r\n",  # lines starting with a dot
    b".first\r\n",
    b"",
    b"x" * 70_000 + b"\r\n",
]


@pytest.mark.parametrize("message", CASES)
def test_the_shortcuts_give_the_same_bytes(message: bytes) -> None:
    fast = _normalized_fast(reference_normalize)
    assert fast(message) == reference_normalize(message)
    assert _AlreadyStuffed(PERIOD).sub(b"..", message) == PERIOD.sub(b"..", message)


def test_they_replace_what_aiosmtplib_calls() -> None:
    install_fast_paths()
    install_fast_paths()  # idempotent
    assert isinstance(aiosmtplib.protocol.PERIOD_REGEX, _AlreadyStuffed)
    assert aiosmtplib.protocol.PERIOD_REGEX.pattern.pattern == PERIOD.pattern
    for module in (aiosmtplib.protocol, aiosmtplib.smtp):
        assert module.normalize_message_line_endings.__name__ == "normalize"
        for message in CASES:
            assert module.normalize_message_line_endings(message) == reference_normalize(
                message)
