"""schemathesis against each service's OpenAPI (at least 500 generated cases per service),
on the real services with real data loaded: no 5xx, no response outside its schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from chantiers_cli.quiescence import wait_quiet
from chantiers_testing.env import IsolatedEnv
from chantiers_testing.services import ServiceProcess, run_cli, running

pytestmark = [pytest.mark.stack, pytest.mark.slow]

SERVICES = ("prospects", "structures", "matching", "notifications")
MIN_CASES = 500
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="module")
def api(module_env: IsolatedEnv, data_dir: Path) -> Iterator[dict[str, ServiceProcess]]:
    env = module_env
    # Every generated case comes from 127.0.0.1 and nearly every link token it makes up is
    # forged: the link limiter (tested on its own) would answer 429 before the token
    # checker is ever reached. Here the checker is what is fuzzed.
    unlimited = {"CHANTIERS_NOTIFY_LINK_BURST": "1000000",
                 "CHANTIERS_NOTIFY_LINK_FAILURE_BURST": "1000000"}
    with running(env, *SERVICES, extra_env=unlimited) as procs:
        # Real data behind the routes: a slice of the registry, real notices, companies.
        run_cli(env, "ingest", "siae", str(data_dir / "siae/lemarche_01_siaes.json"),
                "--demo-contacts")
        run_cli(env, "ingest", "boamp", str(data_dir / "boamp/boamp_full_records_45.json"),
                "--replay-today")
        run_cli(env, "ingest", "sirene",
                str(data_dir / "sirene/goSirene_test_StockEtablissement_utf8_geo.csv"))
        wait_quiet([p.url for p in procs.values()],
                   f"http://127.0.0.1:{env.layout.rabbit_management_port}", env.vhost,
                   timeout=300)
        yield procs


def fuzz_operation(operation: schemathesis.APIOperation, token: str,
                   examples: int) -> tuple[int, str | None]:
    """Up to ``examples`` generated cases of one operation (fewer when its schema allows
    fewer: a route without parameters has one); returns the cases run and the failure."""
    count = 0

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        nonlocal count
        count += 1
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every failing operation reported
        return count, f"{operation.label}: {str(exc)[:800]}"
    return count, None


def fuzz(service: ServiceProcess, token: str, target: int) -> tuple[int, int, list[str]]:
    """Every operation of the service's OpenAPI until ``target`` cases have run in all:
    the budget left by operations whose schema allows few cases (``/healthz``) goes to the
    ones with parameters. Returns the cases run, the operations and the failures."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    count = 0
    failures: list[str] = []
    open_ops = list(operations)
    while open_ops and count < target and not failures:
        per_operation = max(20, -(-(target - count) // len(open_ops)) * 2)
        still_open = []
        for operation in open_ops:
            ran, failure = fuzz_operation(operation, token, per_operation)
            count += ran
            if failure:
                failures.append(failure)
            elif ran >= per_operation:  # its schema has room for more cases
                still_open.append(operation)
        open_ops = still_open
    return count, len(operations), failures


@pytest.mark.parametrize("name", SERVICES)
def test_no_5xx_and_no_schema_violation(api: dict[str, ServiceProcess], module_env: IsolatedEnv,
                                        name: str) -> None:
    count, operations, failures = fuzz(api[name], module_env.admin_token, MIN_CASES)
    print(f"{name}: {count} generated cases over {operations} operations")
    assert not failures, "\n".join(failures)
    assert count >= MIN_CASES, count
