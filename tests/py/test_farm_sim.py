# SPDX-License-Identifier: GPL-2.0-or-later
"""farm sim up|down|status and farm status on a small simulated chassis."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from farm.logdir import LogDir
from pcinet_sim.layout import Layout

from conftest import REPO

FARM = Path(sys.executable).parent / "farm"
UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not UBOOT.exists(),
                                reason="needs root (netns) and a built U-Boot sandbox")


def farm(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FARM), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def small_chassis(tmp_path: Path, slots: int) -> Path:
    """The repository's chassis file, cut down to a few slots in tmp_path."""
    text = (REPO / "farm" / "chassis.yaml").read_text()
    text = text.replace("  slots: 19 ", f"  dir: {tmp_path / 'crate'}\n  slots: {slots} ")
    text = text[:text.index(f"  - {{slot: {slots + 1},")]
    f = tmp_path / "chassis.yaml"
    f.write_text(text)
    assert farm("check", "--chassis", str(f)).returncode == 0
    return f


def test_sim_up_status_down(tmp_path: Path) -> None:
    f = small_chassis(tmp_path, 3)
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


def test_reboot_brings_slots_back(tmp_path: Path) -> None:
    """farm reboot 3 5: both reset through the host, both back at U-Boot's prompt;
    the chassis comes up by itself for it."""
    f = small_chassis(tmp_path, 5)
    try:
        res = farm("reboot", "3", "5", "--chassis", str(f))
        assert res.returncode == 0, res.stdout + res.stderr
        assert "starting the simulated chassis" in res.stdout
        for n in (3, 5):
            assert re.search(rf"^ +{n}  ok +version +[\d.]+s  U-Boot 20\d\d", res.stdout,
                             re.M), res.stdout
            assert re.search(rf"slot +{n}: reset", res.stdout), res.stdout  # live progress
        rows = {r["slot"]: r for r in
                json.loads(farm("status", "--json", "--chassis", str(f)).stdout)["slots"]}
        assert rows[3]["console"] and rows[5]["console"]
        state = json.loads(Layout(tmp_path / "crate").supervisor_state.read_text())
        assert state["boards"]["3"]["resets"] == 1 and state["boards"]["5"]["resets"] == 1
        assert state["boards"]["4"]["resets"] == 0
        # bad usage: nothing happens, exit 2
        for args in (["reboot"], ["reboot", "9"]):
            bad = farm(*args, "--chassis", str(f))
            assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad.stderr
    finally:
        farm("sim", "down", "--chassis", str(f))
    assert not (tmp_path / "crate").exists()


MKIMAGE = REPO / "build" / "u-boot-sandbox" / "tools" / "mkimage"
DTB = REPO / "build" / "u-boot-sandbox" / "arch" / "sandbox" / "dts" / "pcinet-board.dtb"


def fit_image(tmp_path: Path, size: int) -> Path:
    """A sandbox FIT kernel image (with a device tree: sandbox's bootm needs one)."""
    payload = tmp_path / "payload"
    payload.write_bytes(random.Random(size).randbytes(size))
    fit = tmp_path / "kernel.itb"
    subprocess.run([str(MKIMAGE), "-f", "auto", "-A", "sandbox", "-O", "linux", "-T", "kernel",
                    "-C", "none", "-a", "0x3000000", "-e", "0x3000000", "-n", "farm-test",
                    "-d", str(payload), "-b", str(DTB), str(fit)], check=True,
                   capture_output=True)
    return fit


def test_boot_slots_and_the_handshake_in_their_logs(tmp_path: Path) -> None:
    """farm boot 2 3: reset, prompt, network, tftp, verify (size, CRC32), boot -
    both slots, in parallel; each log shows registers valid during the transfer
    and invalid after it."""
    f = small_chassis(tmp_path, 3)
    kernel = fit_image(tmp_path, 3 * 1024 * 1024 + 1)  # odd: U-Boot's UDP checksum fix
    logs = tmp_path / "logs"
    try:
        res = farm("boot", "2", "3", "--kernel", str(kernel), "--log-dir", str(logs),
                   "--chassis", str(f))
        assert res.returncode == 0, res.stdout + res.stderr
        for n in (2, 3):
            assert re.search(rf"^ +{n}  ok +handoff ", res.stdout, re.M), res.stdout
            log = LogDir(logs).slot_log(n, "boot").read_text()
            for stage in ("reset", "prompt", "network", "tftp", "verify", "boot", "handoff"):
                assert re.search(rf"^{stage} +[\d.]+ s$", log, re.M), log
            events = re.findall(r"registers (valid|invalid)", log)
            assert "valid" in events and events[-1] == "invalid", log
            assert "sandbox: continuing" in log and "Bytes transferred" in log
        # bad usage, nothing started: exit 2
        bad = farm("boot", "2", "--kernel", str(tmp_path / "nope"), "--chassis", str(f))
        assert bad.returncode == 2 and "no such file" in bad.stderr, bad.stderr
    finally:
        farm("sim", "down", "--chassis", str(f))


def test_console_through_a_terminal(tmp_path: Path) -> None:
    """farm console 2 in a terminal (pexpect): type version, read U-Boot's
    answer, leave with Ctrl-]; while it runs, another user is told who holds
    the slot."""
    import pexpect

    f = small_chassis(tmp_path, 2)
    log = tmp_path / "console.log"
    try:
        assert farm("sim", "up", "--chassis", str(f)).returncode == 0
        child = pexpect.spawn(str(FARM), ["console", "2", "--chassis", str(f), "--log", str(log)],
                              timeout=30)
        try:
            child.expect("Ctrl-] to leave")
            child.send("\r")
            child.expect("=> ")
            child.send("version\r")
            child.expect(r"U-Boot 20\d\d\.\d\d")
            child.expect("=> ")
            busy = farm("console", "2", "--chassis", str(f))
            assert busy.returncode == 1 and "slot 2 is in use by pid" in busy.stderr, busy.stderr
            assert "farm console 2" in busy.stderr
            child.send("\x1d")
            child.expect("left")
            child.expect(pexpect.EOF)
        finally:
            child.close()
        assert child.exitstatus == 0
        assert b"U-Boot 20" in log.read_bytes()
    finally:
        farm("sim", "down", "--chassis", str(f))


def test_no_command_typed_after_a_reset_not_by_farm(tmp_path: Path) -> None:
    """The board is reset by someone else after farm caught its prompt: farm
    types nothing into the new boot (its autoboot would take the first byte
    and run the rest: "Unknown command 'ftpboot'") and says why."""
    from farm.hostctl import host_request
    from farm.parallel import no_progress
    from farm.session import SlotSession

    f = small_chassis(tmp_path, 1)
    up = farm("sim", "up", "--chassis", str(f))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        with SlotSession(f, 1, "test", no_progress, tmp_path / "logs") as s:
            s.reset_to_prompt()
            assert s.version().startswith("U-Boot 20")
            host_request(Layout(tmp_path / "crate").pcinetd_sock, "reset 1")
            s.version()
        assert not s.result.ok
        assert s.result.stage == "version", s.result
        assert s.result.detail == (
            "'version' not typed: the board was reset 1 time(s) after its prompt was caught, "
            "not by farm: a line typed into its new boot loses its first byte to U-Boot's "
            "autoboot"), s.result.detail
    finally:
        down = farm("sim", "down", "--chassis", str(f))
    assert down.returncode == 0, down.stderr
