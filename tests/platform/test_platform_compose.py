"""docker-compose.yml is the deployment path: Debian's docker-compose must accept it, and
it must keep the promises operators rely on (names, health checks, scalability)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import yaml

from chantiers_common.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
# Compose refuses to start without the secrets (no default in the file): a deployment sets
# them; the validation here passes throwaway ones.
SECRETS = {**os.environ, "CHANTIERS_ADMIN_TOKEN": "a", "CHANTIERS_LINK_SECRET": "b",
           "CHANTIERS_PG_PASSWORD": "c"}
EXPECTED = {"rabbitmq", "postgres", "prospects", "structures", "matching", "notifications",
            "mailpit", "tempo", "grafana"}


def normalised() -> dict:  # type: ignore[type-arg]
    assert shutil.which("docker-compose"), "docker-compose is installed by deploy/bootstrap.sh"
    result = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config"],
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT,
                            env=SECRETS)
    assert result.returncode == 0, result.stderr
    quiet = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"],
                           capture_output=True, text=True, check=False, cwd=REPO_ROOT,
                           env=SECRETS)
    assert quiet.returncode == 0 and not quiet.stdout, quiet.stderr
    return yaml.safe_load(result.stdout)


def test_compose_is_valid_and_complete() -> None:
    services = normalised()["services"]
    assert set(services) >= EXPECTED
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert "container_name" not in service, f"{name} has a fixed container name"


def test_the_four_services_share_one_image_from_deploy_dockerfile() -> None:
    services = normalised()["services"]
    images = set()
    for name in ("prospects", "structures", "matching", "notifications"):
        build = services[name]["build"]
        assert Path(build["dockerfile"]).name == "Dockerfile"
        assert "deploy" in str(build["dockerfile"]) or build["dockerfile"] == "deploy/Dockerfile"
        images.add(services[name]["image"])
        assert services[name]["command"][:2] == ["run", name]
    assert len(images) == 1


def test_grafana_gets_tempo_from_deploy() -> None:
    datasources = yaml.safe_load(
        (REPO_ROOT / "deploy/grafana/provisioning/datasources/datasources.yaml").read_text())
    types = {d["type"] for d in datasources["datasources"]}
    assert {"tempo", "prometheus"} <= types
    grafana = normalised()["services"]["grafana"]
    assert any("deploy/grafana/provisioning" in str(v) for v in grafana["volumes"])


def test_compose_refuses_to_run_without_secrets() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANTIERS_")}
    result = subprocess.run(["docker-compose", "-f", str(COMPOSE), "config", "-q"],
                            capture_output=True, text=True, check=False, cwd=REPO_ROOT,
                            env=env)
    assert result.returncode != 0
    assert "CHANTIERS_" in result.stderr
