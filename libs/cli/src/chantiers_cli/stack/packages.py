"""Install the Debian packages the stack needs when they are missing (as root)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .processes import StackError, run

# What must exist on disk → the Debian package that provides it.
REQUIRED = {
    Path("/usr/lib/rabbitmq/bin/rabbitmq-server"): "rabbitmq-server",
    Path("/usr/lib/postgresql/15/bin/initdb"): "postgresql",
}


def missing_packages() -> list[str]:
    return sorted({pkg for path, pkg in REQUIRED.items() if not path.exists()})


def ensure_packages(say: callable = print) -> None:  # type: ignore[valid-type]
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise StackError(
            f"missing Debian packages {', '.join(missing)}: install them with "
            f"`apt-get install -y {' '.join(missing)}` (as root)"
        )
    say(f"Installing Debian packages: {', '.join(missing)} …")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env, timeout=600)
    run(["apt-get", "install", "-y", "-qq", *missing], env=env, timeout=900)
