"""Small helpers to run and stop background processes of the stack."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


class StackError(RuntimeError):
    """A part of the stack could not be started or stopped; the message says which."""


def run(cmd: Sequence[str], *, env: Mapping[str, str] | None = None, check: bool = True,
        timeout: float | None = 120) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        list(cmd), env={**os.environ, **(env or {})}, capture_output=True, text=True,
        timeout=timeout, check=False,
    )
    if check and result.returncode != 0:
        output = f"{result.stdout}{result.stderr}".strip()
        raise StackError(f"`{' '.join(cmd)}` failed ({result.returncode}):\n{output}")
    return result


def spawn(cmd: Sequence[str], *, log: Path, env: Mapping[str, str] | None = None,
          pid_file: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a detached process (its own session) writing to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})}, start_new_session=True,
        )
    if pid_file is not None:
        pid_file.write_text(str(proc.pid))
    return proc


def read_pid(pid_file: Path) -> int | None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) is not alive.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
            return False
    return True


def stop_pid(pid_file: Path, *, timeout: float = 10.0) -> bool:
    """SIGTERM, then SIGKILL after ``timeout``; True when something was stopped."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.1)
    raise StackError(f"{what} did not open 127.0.0.1:{port} within {timeout:.0f} s")
