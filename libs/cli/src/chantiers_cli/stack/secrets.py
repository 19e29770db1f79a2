"""Secrets of the local stack: generated once, kept in ``.run/secrets.env`` (mode 600), and
exported into the environment of every `chantiers` command and the services it starts.
Code never holds a default secret; compose and production set their own."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

NAMES = ("CHANTIERS_ADMIN_TOKEN", "CHANTIERS_LINK_SECRET")


def ensure(path: Path) -> None:
    """Create the file with random values for the secrets it lacks."""
    values = read(path)
    missing = [name for name in NAMES if not values.get(name)]
    if not missing:
        return
    values.update({name: secrets.token_urlsafe(32) for name in missing})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    tmp.chmod(0o600)
    os.replace(tmp, path)


def read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def export(path: Path) -> None:
    """Values already in the environment win (an operator's own secrets)."""
    for key, value in read(path).items():
        os.environ.setdefault(key, value)
