"""`chantiers demo`: the main job, end to end on the real stack.

Stack up → the four services started as processes → the real data loaded (SIAE registry,
BOAMP notices, SIRENE establishments) → the pipeline run until quiet → digests sent →
leads and emails shown → services stopped → stack down → one summary line.

The demo runs in its own vhost and databases (``demo``), reset at every run, so that the
figures are those of this run. The BOAMP samples are old (2006–2025): they are replayed as
published today (each deadline moved by the same number of days), otherwise every deadline
would be past and no lead could exist.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.table import Table

from chantiers_common import db
from chantiers_common.settings import Settings, get_settings

from ..quiescence import wait_quiet
from ..stack import control, rabbitmq
from ..stack.layout import StackLayout
from .run import services

SERVICES = ("structures", "prospects", "matching", "notifications")
VHOST = "demo"
SUFFIX = "_demo"

console = Console(stderr=True)


def _env(settings: Settings, layout: StackLayout) -> dict[str, str]:
    return {
        **os.environ,
        "CHANTIERS_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{layout.amqp_port}/{VHOST}",
        "CHANTIERS_DB_SUFFIX": SUFFIX,
        "OTEL_EXPORTER_OTLP_ENDPOINT": layout.otlp_endpoint,
    }


def _chantiers() -> list[str]:
    return [str(Path(sys.executable).parent / "chantiers")]


def _step(title: str) -> None:
    console.rule(f"[bold]{title}")


def _run(env: dict[str, str], *args: str, timeout: float = 1800) -> str:
    started = time.monotonic()
    result = subprocess.run([*_chantiers(), *args], env=env, text=True, capture_output=True,
                            timeout=timeout, check=False)
    if result.stderr.strip():
        console.print(result.stderr.rstrip(), markup=False, highlight=False)
    if result.returncode != 0:
        raise typer.Exit(result.returncode)
    console.print(f"[dim]chantiers {' '.join(args)}: {time.monotonic() - started:.1f} s[/dim]")
    return result.stdout


class Services:
    """The four services as child processes, logging under .run/logs/."""

    def __init__(self, env: dict[str, str], settings: Settings, logs: Path) -> None:
        self.env, self.settings, self.logs = env, settings, logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.settings.http_port(name)}"

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            with open(self.logs / f"{name}.log", "wb") as log:
                self.procs[name] = subprocess.Popen(
                    [*_chantiers(), "run", name], env=self.env, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        for name in SERVICES:
            while True:
                proc = self.procs[name]
                if proc.poll() is not None:
                    tail = (self.logs / f"{name}.log").read_text()[-2000:]
                    console.print(f"[red]{name} exited ({proc.returncode})[/red]\n{tail}")
                    raise typer.Exit(1)
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    console.print(f"[red]{name} not ready after 90 s[/red]")
                    raise typer.Exit(1)
                time.sleep(0.2)
            console.print(f"{name} ready on {self.url(name)}")

    def stats(self) -> dict[str, dict[str, int]]:
        return {n: httpx.get(f"{self.url(n)}/stats", timeout=10).json() for n in SERVICES}

    def stop(self) -> dict[str, int | None]:
        codes: dict[str, int | None] = {}
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = proc.wait(5)
        return codes


def _emails_table(outbox: Path, limit: int = 8) -> tuple[int, Table]:
    files = sorted(outbox.glob("*.eml"))
    table = Table("to", "subject", title=f"{len(files)} emails in {outbox}")
    for path in files[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        table.add_row(str(message["To"]), str(message["Subject"]))
    return len(files), table


async def _drop_databases(settings: Settings) -> None:
    for name in SERVICES:
        await db.drop_database(settings, name)


def _data_files(data: Path) -> dict[str, list[Path]]:
    return {
        "siae": [data / "siae" / "lemarche_01_siaes.json"],
        "boamp": sorted((data / "boamp").glob("*.json")),
        "sirene": sorted((data / "sirene").glob("*StockEtablissement*.csv")),
    }


def demo(keep_stack: bool = typer.Option(False, "--keep-stack",
                                         help="Leave the stack running afterwards")) -> None:
    """Run the whole pipeline on the real data and print what it produced."""
    started = time.monotonic()
    settings = get_settings()
    layout = StackLayout.from_settings(settings)
    data = settings.data_dir
    if not data.exists():
        console.print(
            f"[red]No data folder at {data}.[/red] The demo reads the real sample data in "
            "place: set CHANTIERS_DATA_DIR to the folder that holds boamp/, siae/, sirene/ "
            "(by default ../shared/data next to this checkout)."
        )
        raise typer.Exit(1)
    missing = [name for name in SERVICES if name not in services()]
    if missing:
        console.print(f"[red]services not installed: {missing}[/red]")
        raise typer.Exit(1)

    _step("Stack")
    stack_seconds = control.up(settings, say=lambda m: console.print(f"[dim]{m}[/dim]"))
    console.print(f"stack up in {stack_seconds:.1f} s")
    # A clean slate for this run: its own vhost, its own databases, empty sinks.
    rabbitmq.delete_vhost(layout, VHOST)
    rabbitmq.add_vhost(layout, VHOST)
    env = _env(settings, layout)
    asyncio.run(_drop_databases(settings.model_copy(update={"db_suffix": SUFFIX})))
    shutil.rmtree(layout.outbox_dir, ignore_errors=True)
    layout.outbox_dir.mkdir(parents=True)
    layout.traces_file.unlink(missing_ok=True)

    procs = Services(env, settings, layout.logs_dir / "demo")
    codes: dict[str, int | None] = {}
    try:
        _step("Services")
        procs.start()
        urls = [procs.url(n) for n in SERVICES]
        management = f"http://127.0.0.1:{layout.rabbit_management_port}"
        files = _data_files(data)

        _step("Structures (SIAE registry)")
        for path in files["siae"]:
            _run(env, "ingest", "siae", str(path), "--demo-contacts")
        wait_quiet(urls, management, VHOST)

        _step("Tenders (BOAMP)")
        for path in files["boamp"]:
            _run(env, "ingest", "boamp", str(path), "--replay-today")
        _step("Companies (SIRENE)")
        for path in files["sirene"]:
            _run(env, "ingest", "sirene", str(path))
        seconds = wait_quiet(urls, management, VHOST)
        console.print(f"[dim]pipeline quiet after {seconds:.1f} s[/dim]")

        _step("Digests")
        _run(env, "notify", "digests", "--now")
        wait_quiet(urls, management, VHOST)

        _step("Leads")
        console.print(_run(env, "leads", "--limit", "10"), markup=False, highlight=False)
        stats = procs.stats()
    finally:
        _step("Stopping")
        codes = procs.stop()
    emails, table = _emails_table(layout.outbox_dir)
    console.print(table)
    unclean = {name: code for name, code in codes.items() if code not in (0, None)}
    if unclean:
        console.print(f"[red]services did not stop cleanly: {unclean}[/red]")
    else:
        console.print("services stopped cleanly")
    if not keep_stack:
        control.down(settings, say=lambda m: console.print(f"[dim]{m}[/dim]"))
    console.print(f"[dim]demo took {time.monotonic() - started:.0f} s[/dim]")
    print(
        f"demo: {stats['prospects'].get('tenders', 0)} tenders, "
        f"{stats['prospects'].get('companies', 0)} companies, "
        f"{stats['structures'].get('structures', 0)} structures, "
        f"{stats['matching'].get('leads', 0)} leads, {emails} emails"
    )
    print(f"emails: {layout.outbox_dir}/*.eml")
    print(f"traces: {layout.traces_file} (OTLP spans, one JSON per line)")
    if unclean:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
