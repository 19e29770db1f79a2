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
    with running(env, *SERVICES) as procs:
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


def fuzz(service: ServiceProcess, token: str, per_operation: int) -> tuple[int, list[str]]:
    """Every operation of the service's OpenAPI, ``per_operation`` generated cases each
    (fewer when the schema allows fewer); returns the cases run and the failures."""
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    count = 0
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=per_operation, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            nonlocal count
            count += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                   checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every failing operation reported
            failures.append(f"{operation.label}: {str(exc)[:800]}")
    return count, failures


@pytest.mark.parametrize("name", SERVICES)
def test_no_5xx_and_no_schema_violation(api: dict[str, ServiceProcess], module_env: IsolatedEnv,
                                        name: str) -> None:
    operations = sum(1 for _ in schemathesis.openapi.from_url(
        f"{api[name].url}/openapi.json").get_all_operations())
    per_operation = max(20, -(-MIN_CASES // operations) * 2)
    count, failures = fuzz(api[name], module_env.admin_token, per_operation)
    print(f"{name}: {count} generated cases over {operations} operations")
    assert not failures, "\n".join(failures)
    assert count >= MIN_CASES, count
