# SPDX-License-Identifier: GPL-2.0-or-later
"""farm test: the hardware-in-the-loop suite on the simulated 19-slot crate:
every slot passes, and what goes wrong on a slot (a lost PCI link, a board
that never reaches U-Boot, a slot in use) fails that slot and the run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from farm.logdir import LogDir, slot_name
from pcinet_sim.layout import Layout

from conftest import REPO

FARM = Path(sys.executable).parent / "farm"
PCINET_SIM = Path(sys.executable).parent / "pcinet-sim"
UBOOT = REPO / "build" / "u-boot-sandbox" / "u-boot"
SLOTS = 19
TESTS = {"test_version", "test_mtest", "test_random_pattern_copy", "test_tftp_size_crc32",
         "test_console_echo", "test_flash_readback",
         "test_registers_valid_during_a_net_command"}


def farm(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FARM), *args], capture_output=True, text=True, timeout=timeout,
                          check=False)


def chassis_file(path: Path, crate: Path, *, prompt: int = 60, disabled: int = 0) -> Path:
    """The repository's chassis file, all 19 slots, in crate; the prompt timeout
    and a disabled slot as given."""
    text = (REPO / "farm" / "chassis.yaml").read_text()
    text = text.replace("  slots: 19 ", f"  dir: {crate}\n  slots: 19 ")
    text = re.sub(r"^  prompt: \d+ ", f"  prompt: {prompt} ", text, count=1, flags=re.M)
    if disabled:
        text = text.replace(f"{{slot: {disabled}, board: mpc83xx-sandbox}}",
                            f"{{slot: {disabled}, board: mpc83xx-sandbox, enabled: false}}")
    path.write_text(text)
    return path


def test_environment_is_what_slot_target_builds(tmp_path: Path) -> None:
    """The labgrid environment farm test writes for a slot gives labgrid's
    plugin the very target farm.targets.slot_target builds, field for field,
    and carries the chassis, the slot and the image."""
    import attr
    from labgrid import Environment

    from farm.config import load
    from farm.hil.env import write_environment
    from farm.targets import slot_target

    def parts(target: Any) -> list[tuple[str, dict[str, Any]]]:
        return [(type(p).__name__, {f.name: getattr(p, f.name) for f in attr.fields(type(p))
                                    if f.init and f.name != "target"})
                for p in [*target.resources, *target.drivers]]

    ch = load(chassis_file(tmp_path / "chassis.yaml", tmp_path / "crate"))
    image = tmp_path / "tftp" / "farm" / "hil.bin"
    env = Environment(config_file=str(write_environment(tmp_path / "env.yaml", ch, 7, image,
                                                        "farm/hil.bin")))
    got, want = env.get_target("main"), slot_target(ch, 7)
    try:
        assert parts(got) == parts(want)
        assert {"RawSerialPort", "PCINetSlot", "UBootDriver", "PCINetResetDriver"} <= \
            {name for name, _ in parts(got)}
    finally:
        env.cleanup()
        want.cleanup()
    assert env.config.get_option("farm_chassis") == str(ch.file)
    assert env.config.get_target_option("main", "farm_slot") == 7
    assert env.config.get_images() == {"hil": str(image)}
    assert env.config.get_option("farm_tftp_image") == "farm/hil.bin"
    assert env.get_target_features() == {"mpc83xx-sandbox", "backend-sim"}


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 19-slot simulated crate, up; its chassis file."""
    if os.geteuid() != 0 or not UBOOT.exists():
        pytest.skip("needs root (netns) and a built U-Boot sandbox")
    tmp = tmp_path_factory.mktemp("farmtest")
    f = chassis_file(tmp / "chassis.yaml", tmp / "crate")
    up = farm("sim", "up", "--chassis", str(f))
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield f
    finally:
        farm("sim", "down", "--chassis", str(f))


def sim_fault(f: Path, slot: int, kind: str, clear: bool = False) -> None:
    subprocess.run([str(PCINET_SIM), "fault", str(slot), kind, "--dir", str(f.parent / "crate")]
                   + (["--clear"] if clear else []), check=True, capture_output=True, timeout=30)


def failed_slots_reports(out: str, logs: Path) -> str:
    """The end of each failed slot's pytest log: its failure report, with the
    host's view of the slot (farm.hil.conftest adds it)."""
    text = ""
    for slot in re.findall(r"^\s*(\d+)\s.*\bFAILED\b", out, re.M):
        log = LogDir(logs).pytest_log(int(slot))
        if log.exists():
            text += f"\n--- end of {log}\n" + "\n".join(log.read_text().splitlines()[-80:])
    return text


@pytest.mark.e2e
def test_all_slots_write_junit(crate: Path, tmp_path: Path) -> None:
    """farm test --all: a JUnit file per slot, each with every test of the
    U-Boot suite passed (flash read-back skipped, with the reason, on a board
    without SPI flash), a console log per slot, the merged junit.xml, the
    summary line, exit 0."""
    logs = tmp_path / "logs"
    res = farm("test", "--all", "--log-dir", str(logs), "--chassis", str(crate))
    assert res.returncode == 0, res.stdout + res.stderr + failed_slots_reports(res.stdout, logs)
    m = re.search(r"^farm test: 19 slots, (\d+) passed, 0 failed, 0 errors, (\d+) skipped "
                  r"in [\d.]+ s: ok$", res.stdout, re.M)
    assert m and int(m.group(1)) + int(m.group(2)) == SLOTS * len(TESTS), res.stdout
    files = sorted(logs.glob("slot??.xml"))
    assert files == [LogDir(logs).junit(n) for n in range(1, SLOTS + 1)]
    for n, path in enumerate(files, 1):
        suite = ET.parse(path).getroot().find("testsuite")
        assert suite is not None and suite.get("name") == slot_name(n)
        cases = {c.get("name"): c for c in suite.iter("testcase")}
        assert set(cases) == TESTS, path
        for name, case in cases.items():
            assert case.find("failure") is None and case.find("error") is None, \
                ET.tostring(case, encoding="unicode")
            skipped = case.find("skipped")
            if skipped is not None:
                assert name == "test_flash_readback", ET.tostring(case, encoding="unicode")
                assert "sf probe" in skipped.get("message", ""), skipped.attrib
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        assert float(props["throughput_MBps"] or 0) > 0, props
        assert re.match(r"U-Boot 20\d\d\.\d\d", props["uboot_version"] or ""), props
        assert int(props["host_attaches"] or 0) >= 1, props
        assert "registers invalid" in (props["handshake"] or ""), props  # the timeline
        console = LogDir(logs).console_log(n).read_text(errors="replace")
        assert "U-Boot 20" in console and "test_console_echo.py::test_console_echo" in console
        env = LogDir(logs).environment(n).read_text()
        assert str(Layout(crate.parent / "crate").console(n)) in env
        assert "PCINetResetDriver" in env
    merged = ET.parse(LogDir(logs).merged_junit).getroot()
    assert merged.tag == "testsuites" and int(merged.get("tests", "0")) == SLOTS * len(TESTS)
    assert merged.get("failures") == "0" and merged.get("errors") == "0"
    assert [s.get("name") for s in merged.iter("testsuite")] == \
        [slot_name(n) for n in range(1, SLOTS + 1)]
    assert all(c.get("classname", "").startswith("slot") for c in merged.iter("testcase"))
    assert "farm test: 19 slots" in LogDir(logs).summary.read_text()


@pytest.mark.e2e
def test_failures_exit_1(crate: Path, tmp_path: Path) -> None:
    """farm test 3 4 5 6 -k 'version or tftp' while `farm console 3` runs, slot
    4's board hangs before U-Boot and slot 5's PCI link is down (injected):
    slot 3 is not tested (the holder named), slot 4 errors at the prompt, slot
    5 fails the transfer with the driver's reason, slot 6 passes the two
    tests -k selects; exit 1, the table says which slot failed how."""
    import pexpect

    quick = chassis_file(tmp_path / "quick.yaml", crate.parent / "crate", prompt=10)
    logs = tmp_path / "logs"
    sim_fault(crate, 4, "no-prompt")
    sim_fault(crate, 5, "link-down")
    console = pexpect.spawn(str(FARM), ["console", "3", "--chassis", str(crate)], timeout=30)
    try:
        console.expect("Ctrl-] to leave")
        res = farm("test", "3", "4", "5", "6", "-k", "version or tftp", "--log-dir", str(logs),
                   "--chassis", str(quick))
        console.send("\x1d")
        console.expect(pexpect.EOF)
    finally:
        console.close()
        sim_fault(crate, 4, "no-prompt", clear=True)
        sim_fault(crate, 5, "link-down", clear=True)
    out = res.stdout
    assert res.returncode == 1, out + res.stderr
    assert "Traceback" not in out + res.stderr
    assert re.search(r"slot 3 is in use by pid \d+ \(farm console 3", res.stderr), res.stderr
    assert re.search(r"^ +3 +0 +0 +1 +0 .* FAILED +slot 3 is in use by pid", out, re.M), out
    assert re.search(r"^ +4 +0 +0 +2 +0 .* FAILED +failed: test_tftp_size_crc32, test_version "
                     r"\(.*Timeout of 10 seconds exceeded during waiting for login", out, re.M), out
    assert re.search(r"^ +5 +1 +1 +0 +0 .* FAILED +failed: test_tftp_size_crc32 \(.*'tftpboot "
                     r".*' failed \(status 1\): .*DMA transfer error", out, re.M), out
    assert re.search(r"^ +6 +2 +0 +0 +0 .* ok +$", out, re.M), out
    assert re.search(r"^farm test: 4 slots, 3 passed, 1 failed, 3 errors, 0 skipped in "
                     r"[\d.]+ s: FAILED \(slots 3, 4, 5\)$", out, re.M), out
    suites = {s.get("name"): s
              for s in ET.parse(LogDir(logs).merged_junit).getroot().iter("testsuite")}
    assert list(suites) == ["slot03", "slot04", "slot05", "slot06"]
    failure = suites["slot05"].find("testcase[@name='test_tftp_size_crc32']/failure")
    assert failure is not None and "host memory does not answer" in (failure.text or "")
    # the failure report also tells what the host saw of the slot meanwhile
    report = LogDir(logs).pytest_log(5).read_text()
    assert re.search(r"host's view of slot 5 .*\n.*state=\w+, .*attaches=\d+, .*net_error=",
                     report), report


@pytest.mark.e2e
def test_bad_usage_exit_2(crate: Path, tmp_path: Path) -> None:
    """No slots, a slot not in the crate, a disabled slot, an unknown suite:
    a message, exit 2, nothing run."""
    disabled = chassis_file(tmp_path / "disabled.yaml", crate.parent / "crate", disabled=19)
    for args, message in ((["test"], "name the slots, or --all"),
                          (["test", "20"], "slot 20 is not in"),
                          (["test", "19", "--chassis", str(disabled)], "slot 19 is disabled"),
                          (["test", "--all", "--suite", "linux"], "invalid choice: 'linux'")):
        if "--chassis" not in args:
            args = [*args, "--chassis", str(crate)]
        res = farm(*args, "--log-dir", str(tmp_path / "logs"))
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert message in res.stderr and "Traceback" not in res.stderr, (args, res.stderr)
    assert not (tmp_path / "logs").exists()
