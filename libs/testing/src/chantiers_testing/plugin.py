"""pytest fixtures for the real stack.

``make test`` starts the stack before pytest; when pytest is run on its own, the
``stack`` fixture starts it (and leaves it running for the next run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chantiers_cli.stack import control
from chantiers_cli.stack.layout import StackLayout
from chantiers_common.settings import Settings, get_settings

from .env import IsolatedEnv


@pytest.fixture(scope="session")
def stack() -> StackLayout:
    settings = get_settings()
    if not all(c.running for c in control.status(settings)[:2]):
        control.up(settings)
    return StackLayout.from_settings(settings)


def _make_env(stack: StackLayout, folder: Path) -> IsolatedEnv:
    env = IsolatedEnv(layout=stack, base=get_settings(), folder=folder)
    env.start()
    return env


@pytest.fixture
def isolated_env(stack: StackLayout, tmp_path: Path) -> Iterator[IsolatedEnv]:
    """A fresh vhost, fresh databases and fresh sinks for one test."""
    env = _make_env(stack, tmp_path / "env")
    try:
        yield env
    finally:
        env.stop()


@pytest.fixture(scope="module")
def module_env(stack: StackLayout, tmp_path_factory: pytest.TempPathFactory,
               ) -> Iterator[IsolatedEnv]:
    """One isolated environment shared by the tests of a module."""
    env = _make_env(stack, tmp_path_factory.mktemp("env"))
    try:
        yield env
    finally:
        env.stop()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = get_settings().data_dir
    assert path.exists(), f"the real data folder {path} is missing (CHANTIERS_DATA_DIR)"
    return path


__all__ = ["IsolatedEnv", "Settings"]
