# SPDX-License-Identifier: GPL-2.0-or-later
"""farm on the whole simulated 19-slot crate: boot 7 and --all, reflash --all
with an injected flash fault and the retry of the failed slot, a corrupt
image refused with nothing written, a link dropped mid-transfer, a board that
never reaches its prompt."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_farm_sim import FARM, farm, fit_image, pytestmark  # noqa: F401 - same skip rule

from farm.hostctl import host_request
from farm.logdir import LogDir
from pcinet_sim.layout import Layout

from conftest import REPO

VARIANT = "next"  # scripts/uboot.sh variant next: U-Boot 2023.01-next
NEW_IMAGE = REPO / "build" / f"u-boot-sandbox-{VARIANT}" / "u-boot-flash.img"
SANDBOX = REPO / "build" / "u-boot-sandbox"


@pytest.fixture(scope="module")
def new_image() -> Path:
    """A new sandbox U-Boot image: the same build relinked as version 2023.01-next."""
    main = SANDBOX / "u-boot-flash.img"
    if not NEW_IMAGE.exists() or NEW_IMAGE.stat().st_mtime < main.stat().st_mtime:
        subprocess.run([str(REPO / "scripts" / "uboot.sh"), "variant", VARIANT], check=True,
                       capture_output=True, timeout=900)
    return NEW_IMAGE


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository's chassis file, all 19 slots, in a directory of its own."""
    tmp = tmp_path_factory.mktemp("crate")
    text = (REPO / "farm" / "chassis.yaml").read_text()
    text = text.replace("  slots: 19 ", f"  dir: {tmp / 'crate'}\n  slots: 19 ")
    text = text.replace("  prompt: 60 ", "  prompt: 20 ")  # the no-prompt test waits this long
    f = tmp / "chassis.yaml"
    f.write_text(text)
    up = farm("sim", "up", "--chassis", str(f))
    assert up.returncode == 0, up.stdout + up.stderr
    try:
        yield f
    finally:
        down = farm("sim", "down", "--chassis", str(f))
        assert down.returncode == 0, down.stderr


def crate_dir(f: Path) -> Path:
    return f.parent / "crate"


def sim_fault(f: Path, slot: int, kind: str, clear: bool = False) -> None:
    cmd = [str(FARM.parent / "pcinet-sim"), "fault", str(slot), kind, "--dir",
           str(crate_dir(f))] + (["--clear"] if clear else [])
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


def resets(f: Path) -> dict[int, int]:
    state = json.loads(Layout(crate_dir(f)).supervisor_state.read_text())
    return {int(n): b["resets"] for n, b in state["boards"].items()}


def table_row(out: str, slot: int) -> str:
    m = re.search(rf"^ +{slot}  (ok|FAILED) .*$", out, re.M)
    assert m, out
    return m.group()


def failed_boot_logs(out: str, logs: Path, f: Path) -> str:
    """Each failed slot's farm log (stages, handshake, console, raw console)
    and pcinetd's lines about it: what a failure in CI needs to be explained."""
    text = ""
    daemon = Layout(crate_dir(f)).service_log("pcinetd")
    for slot in sorted({int(n) for n in re.findall(r"^ +(\d+)  FAILED", out, re.M)}):
        log = LogDir(logs).slot_log(slot, "boot")
        if log.exists():
            text += f"\n--- {log}\n" + "\n".join(log.read_text().splitlines()[-200:])
        if daemon.exists():
            mine = [line for line in daemon.read_text(errors="replace").splitlines()
                    if re.search(rf"\bslot {slot}\b", line)]
            text += f"\n--- pcinetd about slot {slot}\n" + "\n".join(mine[-40:])
    return text


def test_boot_slot_7_then_all(crate: Path, tmp_path: Path) -> None:
    """farm boot 7: its log shows every stage and the handshake (invalid at reset,
    valid during tftp, invalid at the handoff); farm boot --all: 19 boards, every
    CRC matched on the board."""
    kernel = fit_image(tmp_path, 2 * 1024 * 1024 + 3)
    crc = zlib.crc32(kernel.read_bytes())
    logs = tmp_path / "logs"
    one = farm("boot", "7", "--kernel", str(kernel), "--log-dir", str(logs),
               "--chassis", str(crate))
    assert one.returncode == 0, one.stdout + one.stderr + failed_boot_logs(one.stdout, logs, crate)
    log = LogDir(logs).slot_log(7, "boot").read_text()
    for stage in ("reset", "prompt", "network", "tftp", "verify", "boot", "handoff"):
        assert re.search(rf"^{stage} +[\d.]+ s$", log, re.M), log
    events = re.findall(r"registers (valid|invalid)", log)
    assert events[0] == "invalid" and "valid" in events and events[-1] == "invalid", log
    assert f"==> {crc:08x}" in log
    # the raw bytes, both ways, beside labgrid's parsed transcript
    raw = log.split("== console, raw bytes (UTC; < from the board, > to it)\n", 1)[1]
    assert re.search(r"^[\d:.]+ > .*crc32 ", raw, re.M), raw[-2000:]
    assert re.search(rf"^[\d:.]+ < .*==> {crc:08x}", raw, re.M), raw[-2000:]

    every = farm("boot", "--all", "--kernel", str(kernel), "--log-dir", str(logs),
                 "--chassis", str(crate), timeout=600)
    assert every.returncode == 0, \
        every.stdout + every.stderr + failed_boot_logs(every.stdout, logs, crate)
    assert "farm boot: 19 of 19 ok" in every.stdout
    for n in range(1, 20):
        assert " ok " in table_row(every.stdout, n)
        assert f"==> {crc:08x}" in LogDir(logs).slot_log(n, "boot").read_text()
    status = json.loads(farm("status", "--json", "--chassis", str(crate)).stdout)["slots"]
    assert all(r["last_result"].startswith("boot ok") for r in status), status


def test_corrupt_image_refused_nothing_written(crate: Path, new_image: Path,
                                              tmp_path: Path) -> None:
    """Each kind of bad image is refused before any board is touched: exit 2,
    the reason, no reset, no report."""
    data = bytearray(new_image.read_bytes())
    bad: dict[str, tuple[bytes, str]] = {}
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01
    bad["flipped"] = (bytes(flipped), "data CRC32 mismatch")
    bad["truncated"] = (bytes(data[:-1000]), "truncated or padded")
    header = bytearray(data)
    header[40] ^= 0xFF  # a byte of the image name
    bad["header"] = (bytes(header), "header CRC32 mismatch")
    bad["raw"] = (bytes(data[64:]), "not a U-Boot image")
    ppc = tmp_path / "ppc.img"
    subprocess.run([str(SANDBOX / "tools" / "mkimage"), "-A", "powerpc", "-O", "u-boot", "-T",
                    "firmware", "-C", "none", "-a", "0", "-e", "0", "-n", "ppc", "-d",
                    str(SANDBOX / "u-boot.stripped"), str(ppc)], check=True,
                   capture_output=True)
    bad["arch"] = (ppc.read_bytes(), "arch powerpc, but board type mpc83xx-sandbox runs sandbox")
    before = resets(crate)
    for name, (content, reason) in bad.items():
        image = tmp_path / f"{name}.img"
        image.write_bytes(content)
        res = farm("reflash", "--all", "--image", str(image), "--log-dir",
                   str(tmp_path / name), "--chassis", str(crate))
        assert res.returncode == 2, (name, res.stdout, res.stderr)
        assert "refused, nothing written" in res.stderr and reason in res.stderr, \
            (name, res.stderr)
        assert not LogDir(tmp_path / name).reflash_report.exists()
    assert resets(crate) == before


def test_reflash_all_flash_fault_then_retry(crate: Path, new_image: Path,
                                            tmp_path: Path) -> None:
    """farm reflash --all with a new U-Boot: every slot reports the new version
    after its reset, except slot 5 whose flash is worn (injected): it fails at
    the read-back, is not reset, the report says so, a reset of it is refused;
    the retry of the failed slot, fault gone, completes."""
    logs = tmp_path / "logs"
    report_file = LogDir(logs).reflash_report
    want = re.search(r"U-Boot 2023\.01-next \([^)]*\)", new_image.read_bytes().decode("latin-1"))
    assert want
    version = want.group()
    sim_fault(crate, 5, "flash-write")
    before = resets(crate)
    res = farm("reflash", "--all", "--image", str(new_image), "--log-dir", str(logs),
               "--chassis", str(crate), timeout=900)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "farm reflash: 18 of 19 ok; failed: 5" in res.stdout, res.stdout
    row5 = table_row(res.stdout, 5)
    assert "FAILED  readback" in row5 and "unverified" in row5, row5
    assert "slot 5: NOT reset" in res.stdout
    report = json.loads(report_file.read_text())
    assert report["failed"] == [5] and not report["ok"]
    assert report["image"]["version"] == version
    slots = {r["slot"]: r for r in report["slots"]}
    assert len(slots) == 19
    for n, r in slots.items():
        if n == 5:
            assert (r["ok"], r["flash"], r["stage"]) == (False, "unverified", "readback"), r
        else:
            assert (r["ok"], r["flash"], r["version"]) == (True, "verified", version), r
    after = resets(crate)
    # one reset before the write, one after the read-back; slot 5: only the first
    assert after[5] - before[5] == 1, (before, after)
    assert all(after[n] - before[n] == 2 for n in range(1, 20) if n != 5), (before, after)

    refused = farm("reboot", "5", "--chassis", str(crate), "--log-dir", str(logs))
    assert refused.returncode == 1 and "unverified image" in refused.stdout, refused.stdout
    assert resets(crate)[5] == after[5]

    sim_fault(crate, 5, "flash-write", clear=True)
    retry = farm("reflash", "--retry-failed", "--report", str(report_file),
                 "--chassis", str(crate), timeout=300)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert "farm reflash: 1 of 1 ok" in retry.stdout
    report = json.loads(report_file.read_text())
    assert report["ok"] and report["failed"] == [] and len(report["slots"]) == 19
    assert {r["version"] for r in report["slots"]} == {version}
    # the retried board was found at its prompt, not reset, until verified
    assert resets(crate)[5] == after[5] + 1
    back = farm("reboot", "5", "--chassis", str(crate), "--log-dir", str(logs))
    assert back.returncode == 0 and version in back.stdout, back.stdout
    nothing = farm("reflash", "--retry-failed", "--report", str(report_file),
                   "--chassis", str(crate))
    assert nothing.returncode == 0 and "no failed slot" in nothing.stdout


def test_link_dropped_mid_transfer(crate: Path, tmp_path: Path) -> None:
    """The link of slot 2 goes down while its tftp runs: farm boot fails at the
    tftp stage with the driver's reason, within seconds, nothing hangs; with the
    link back a boot succeeds."""
    kernel = fit_image(tmp_path, 64 * 1024 * 1024)
    logs = tmp_path / "logs"
    dropped = threading.Event()

    def drop_when_valid() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            reply = host_request(Layout(crate_dir(crate)).pcinetd_sock, "status", timeout=5)
            if next(r for r in reply["slots"] if r["slot"] == 2)["registers_valid"]:
                sim_fault(crate, 2, "link-down")
                dropped.set()
                return
            time.sleep(0.01)

    t = threading.Thread(target=drop_when_valid)
    t.start()
    try:
        res = farm("boot", "2", "--kernel", str(kernel), "--log-dir", str(logs),
                   "--chassis", str(crate), timeout=300)
    finally:
        t.join()
        sim_fault(crate, 2, "link-down", clear=True)
    assert dropped.is_set()
    assert res.returncode == 1, res.stdout + res.stderr
    row = table_row(res.stdout, 2)
    assert "FAILED  tftp" in row and "DMA transfer error" in row, row
    log = LogDir(logs).slot_log(2, "boot").read_text()
    assert "Bytes transferred" not in log
    # the link is back (a bootable size this time: 64 MiB would overlap the FIT's load)
    (tmp_path / "small").mkdir()
    small = fit_image(tmp_path / "small", 1024 * 1024)
    again = farm("boot", "2", "--kernel", str(small), "--log-dir", str(logs),
                 "--chassis", str(crate), timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr


def test_board_that_never_reaches_its_prompt(crate: Path, tmp_path: Path) -> None:
    """Slot 3 hangs before U-Boot (injected): farm reboot 3 4 fails slot 3 at the
    prompt stage with the timeout in the reason, slot 4 comes back; without the
    fault slot 3 comes back too."""
    sim_fault(crate, 3, "no-prompt")
    try:
        res = farm("reboot", "3", "4", "--chassis", str(crate), "--log-dir", str(tmp_path))
    finally:
        sim_fault(crate, 3, "no-prompt", clear=True)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "no U-Boot prompt within 20 s of the reset" in table_row(res.stdout, 3)
    assert " ok " in table_row(res.stdout, 4)
    assert "farm reboot: 1 of 2 ok; failed: 3" in res.stdout
    again = farm("reboot", "3", "--chassis", str(crate), "--log-dir", str(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
