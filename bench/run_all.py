"""`make bench`: run every benchmark under bench/ and merge their figures into
.run/bench.json (an object mapping each figure's name to {"value", "unit", "target"}).

Each benchmark is a script ``bench/bench_*.py`` that prints its figures and writes them
to ``.run/bench/<name>.json`` (see ``chantiers_testing.bench.write_figures``). They run
one after the other (the machine has two cores: running them together would measure
their contention). The local stack must be up (the Makefile starts it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from chantiers_testing.bench import bench_dir

HERE = Path(__file__).resolve().parent


def main() -> int:
    out_dir = bench_dir()
    for stale in out_dir.glob("*.json"):
        stale.unlink()
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], check=False)
        print(f"   ({time.monotonic() - started:.0f} s, exit {result.returncode})", flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    figures: dict[str, object] = {}
    for path in sorted(out_dir.glob("*.json")):
        figures.update(json.loads(path.read_text()))
    target = out_dir.parent / "bench.json"
    target.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    print(f"{len(figures)} figures in {target}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
