"""The structures service on the real stack, in this process: its HTTP API called through
the ASGI app, the events it publishes caught by a queue of the test's own bound to
``structures.#`` in the test's vhost, and the real registry file (a subset of it, written
to a temporary folder, where the whole file is not the point)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from chantiers_common.service import ServiceContext, build_app
from chantiers_common.settings import data_dir
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import run_cli
from structures.db import outbox
from structures.main import spec

ADMIN_TOKEN = f"test-admin-{uuid.uuid4().hex}"
SIAE_FILE = "siae/lemarche_01_siaes.json"
# Côte-d'Or, where the 2022-23 experiment ran its field test, and its neighbour
# Saône-et-Loire: a few dozen real structures, some with suggested activities.
SUBSET_DEPARTMENTS = ("21", "71")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def write_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


@dataclass
class Registry:
    """The running service: its context (database), an HTTP client, the environment."""

    env: IsolatedEnv
    ctx: ServiceContext
    http: httpx.AsyncClient

    async def outbox_count(self) -> int:
        async with self.ctx.sessions() as session:
            return await session.scalar(select(func.count()).select_from(outbox)) or 0

    admin = staticmethod(lambda: bearer(ADMIN_TOKEN))
    bearer = staticmethod(bearer)
    write_rows = staticmethod(write_rows)

    async def issue(self, siret: str) -> str:
        """A new token for one structure (through the admin route)."""
        response = await self.http.post(f"/structures/{siret}/tokens", headers=self.admin(),
                                        json={"label": "test"})
        assert response.status_code == 201, response.text
        return str(response.json()["token"])

    async def published(self) -> None:
        """Wait until the relay has published everything written so far."""
        deadline = time.monotonic() + 20
        while await self.ctx.relay.pending():
            assert time.monotonic() < deadline, "outbox not drained"
            await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def registry(module_env: IsolatedEnv) -> AsyncIterator[Registry]:
    settings = module_env.settings().model_copy(
        update={"admin_token": SecretStr(ADMIN_TOKEN)})
    app = build_app(spec, settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                  base_url="http://structures") as http):
        yield Registry(module_env, app.state.ctx, http)


@pytest.fixture(scope="module")
def subset_rows() -> list[dict[str, Any]]:
    """Real records of the registry file: those of the subset's departments."""
    rows = json.loads((data_dir() / SIAE_FILE).read_text(encoding="utf-8"))
    return [row for row in rows if str(row["fields"].get("department")) in SUBSET_DEPARTMENTS]


@pytest.fixture(scope="module")
def subset_file(tmp_path_factory: pytest.TempPathFactory,
                subset_rows: list[dict[str, Any]]) -> Path:
    return write_rows(tmp_path_factory.mktemp("siae") / "siae_subset.json", subset_rows)


@pytest.fixture(scope="module")
async def loaded(registry: Registry, subset_file: Path) -> Registry:
    """The registry with the subset imported (suggested activities, demo contacts)."""
    await asyncio.to_thread(run_cli, registry.env, "ingest", "siae", str(subset_file),
                            "--demo-contacts")
    return registry


@dataclass
class Caught:
    routing_key: str
    body: dict[str, Any]
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def data(self) -> dict[str, Any]:
        return self.body["data"]  # type: ignore[no-any-return]


@dataclass
class Bus:
    """Events published on ``structures.#`` while the test runs."""

    caught: list[Caught] = field(default_factory=list)

    def of(self, *types: str) -> list[Caught]:
        return [c for c in self.caught if not types or c.type in types]

    async def wait_for(self, predicate: Callable[[list[Caught]], bool], timeout: float = 15,
                       what: str = "") -> list[Caught]:
        deadline = time.monotonic() + timeout
        while not predicate(self.caught):
            assert time.monotonic() < deadline, (
                f"timed out waiting for {what or predicate}; caught "
                f"{[(c.routing_key, c.type) for c in self.caught]}")
            await asyncio.sleep(0.05)
        return self.caught

    async def wait_count(self, count: int, *types: str, timeout: float = 15) -> list[Caught]:
        await self.wait_for(lambda _: len(self.of(*types)) >= count, timeout,
                            f"{count} × {types or 'any event'}")
        await asyncio.sleep(0.3)  # and nothing more
        found = self.of(*types)
        assert len(found) == count, [(c.type, c.data) for c in found]
        return found


@pytest.fixture
async def bus(registry: Registry) -> AsyncIterator[Bus]:
    caught = Bus()
    connection = await aio_pika.connect(registry.env.amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("chantiers.events")
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="structures.#")

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                caught.caught.append(Caught(message.routing_key or "",
                                            json.loads(message.body), dict(message.headers)))

        await queue.consume(on_message)
        # Whatever earlier tests of the module wrote is out before this one starts.
        await registry.published()
        await asyncio.sleep(0.2)
        caught.caught.clear()
        yield caught
