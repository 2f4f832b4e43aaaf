# SPDX-License-Identifier: GPL-2.0-or-later
"""farm sim up|down|status and farm status on a small simulated chassis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

FARM = Path(sys.executable).parent / "farm"
UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not UBOOT.exists(),
                                reason="needs root (netns) and a built U-Boot sandbox")


def farm(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FARM), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def test_sim_up_status_down(tmp_path: Path) -> None:
    text = (REPO / "farm" / "chassis.yaml").read_text()
    text = text.replace("  slots: 19 ", f"  dir: {tmp_path / 'crate'}\n  slots: 3 ")
    text = text[:text.index("  - {slot: 4,")]
    f = tmp_path / "chassis.yaml"
    f.write_text(text)
    assert farm("check", "--chassis", str(f)).returncode == 0
    up = farm("sim", "up", "--chassis", str(f))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        res = farm("status", "--json", "--chassis", str(f))
        assert res.returncode == 0, res.stderr
        rows = json.loads(res.stdout)["slots"]
        assert [r["slot"] for r in rows] == [1, 2, 3]
        assert all(r["state"] == "idle" and r["console"] for r in rows), rows
        assert farm("sim", "status", "--chassis", str(f)).returncode == 0
    finally:
        down = farm("sim", "down", "--chassis", str(f))
    assert down.returncode == 0, down.stderr
    assert not (tmp_path / "crate").exists()
    rows = json.loads(farm("status", "--json", "--chassis", str(f)).stdout)["slots"]
    assert {r["state"] for r in rows} == {"down"}
