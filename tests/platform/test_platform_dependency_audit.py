"""The locked dependencies are audited for known vulnerabilities on every CI run.

``uv export --frozen`` writes exactly what ``uv.lock`` pins (with hashes), and pip-audit
checks each pinned release against the PyPI advisory data (the same advisories as
OSV's PyPI feed). A release with a known vulnerability fails the run until it is upgraded
or, with a written reason, listed in ``ACCEPTED``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Advisory id -> why it does not apply to us (none today).
ACCEPTED: dict[str, str] = {}


def test_locked_dependencies_have_no_known_vulnerability(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv, "uv is needed to export the lock file"
    requirements = tmp_path / "requirements.txt"
    exported = subprocess.run(
        [uv, "export", "--frozen", "--all-packages", "--no-emit-workspace",
         "--format", "requirements-txt", "-o", str(requirements)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0, exported.stderr
    report = tmp_path / "audit.json"
    audit = subprocess.run(
        [str(Path(sys.executable).with_name("pip-audit")), "-r", str(requirements),
         "--require-hashes", "--disable-pip", "-s", "pypi", "-f", "json", "-o", str(report),
         "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=600)
    assert report.exists(), f"pip-audit did not run: {audit.stderr[-2000:]}"
    dependencies = json.loads(report.read_text())["dependencies"]
    print(f"{len(dependencies)} locked dependencies audited")
    assert len(dependencies) > 50, "the export lists the whole lock"
    found = [f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions'])})"
             for d in dependencies for v in d.get("vulns", []) if v["id"] not in ACCEPTED]
    assert not found, "known vulnerabilities in locked dependencies:\n" + "\n".join(found)
