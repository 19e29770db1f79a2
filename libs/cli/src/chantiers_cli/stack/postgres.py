"""A throwaway PostgreSQL cluster under ``.run/pg``, on loopback, run as ``postgres``.

``initdb`` and ``pg_ctl`` refuse to run as root, so they run through ``runuser`` on a
folder the ``postgres`` user owns. Durability settings are relaxed (``fsync=off``): this
cluster holds test and demo data only.
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from chantiers_common.settings import Settings

from .layout import StackLayout
from .processes import StackError, port_open, run


def bin_dir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise StackError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return candidates[-1].parent


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)


def _check_traversable(path: Path) -> None:
    """The ``postgres`` user must reach the data folder through every parent."""
    for parent in reversed(path.parents):
        if parent == Path("/"):
            continue
        mode = parent.stat().st_mode
        if os.geteuid() == 0 and not mode & 0o001:
            raise StackError(
                f"the postgres user cannot traverse {parent} (mode {oct(mode & 0o777)}); "
                f"run `chmod o+x {parent}` or set CHANTIERS_RUN_DIR to another folder"
            )


def is_running(layout: StackLayout) -> bool:
    return (layout.pg_data / "postmaster.pid").exists() and port_open(layout.pg_port)


def start(layout: StackLayout, settings: Settings) -> None:
    pg = bin_dir()
    layout.pg_dir.mkdir(parents=True, exist_ok=True)
    _check_traversable(layout.pg_dir)
    _chown(layout.pg_dir)
    if not (layout.pg_data / "PG_VERSION").exists():
        run(_as_postgres([str(pg / "initdb"), "-D", str(layout.pg_data), "-A", "trust",
                          "-U", settings.pg_user, "-E", "UTF8", "--locale=C.UTF-8",
                          "--no-sync"]))
    if is_running(layout):
        return
    options = " ".join([
        f"-p {layout.pg_port}",
        "-c listen_addresses=127.0.0.1",
        f"-c unix_socket_directories={layout.pg_dir}",
        "-c fsync=off",
        "-c synchronous_commit=off",
        "-c full_page_writes=off",
        "-c max_connections=400",
        "-c shared_buffers=256MB",
        "-c max_wal_size=2GB",
    ])
    run(_as_postgres([str(pg / "pg_ctl"), "-D", str(layout.pg_data), "-l",
                      str(layout.pg_dir / "postgres.log"), "-o", options, "-w", "-t", "60",
                      "start"]))


def stop(layout: StackLayout) -> bool:
    if not (layout.pg_data / "postmaster.pid").exists():
        return False
    run(_as_postgres([str(bin_dir() / "pg_ctl"), "-D", str(layout.pg_data), "-m", "fast",
                      "-w", "stop"]), check=False)
    return True


def wipe(layout: StackLayout) -> None:
    shutil.rmtree(layout.pg_dir, ignore_errors=True)
