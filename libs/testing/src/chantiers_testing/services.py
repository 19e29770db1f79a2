"""Services as real processes (`chantiers run SERVICE`), for end-to-end and fault tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from .env import IsolatedEnv, chantiers_cmd, subprocess_env


class ServiceProcess:
    def __init__(self, env: IsolatedEnv, name: str, port: int | None = None,
                 extra_env: dict[str, str] | None = None) -> None:
        self.env = env
        self.name = name
        self.port = port or env.ports[name]
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path: Path = env.folder / f"{name}-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServiceProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 (kept open for the process's life)
        self.proc = subprocess.Popen(
            [*chantiers_cmd(), "run", self.name, "--port", str(self.port)],
            env={**subprocess_env(self.env), **self.extra_env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n"
                                   f"{self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready within {timeout} s:\n"
                           f"{self.log_path.read_text()[-3000:]}")

    def stop(self, timeout: float = 25.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            return self.proc.wait(5)

    def kill(self) -> None:
        """SIGKILL: a crash, with no chance to ack, commit or flush anything."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


@contextlib.contextmanager
def running(env: IsolatedEnv, *names: str,
            extra_env: dict[str, str] | None = None) -> Iterator[dict[str, ServiceProcess]]:
    procs: dict[str, ServiceProcess] = {}
    try:
        for name in names:
            procs[name] = ServiceProcess(env, name, extra_env=extra_env).start()
        yield procs
    finally:
        for proc in procs.values():
            proc.stop()


def run_cli(env: IsolatedEnv, *args: str, timeout: float = 300,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*chantiers_cmd(), *args], env=subprocess_env(env),
                            capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"chantiers {' '.join(args)} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result
