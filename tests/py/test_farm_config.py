# SPDX-License-Identifier: GPL-2.0-or-later
"""farm/chassis.yaml: the repository's copy loads; every kind of bad input
gets its own message naming the file, the line and the key path, and exit
code 2 - never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from farm.config import ConfigErrors, load

from conftest import REPO

CHASSIS = REPO / "farm" / "chassis.yaml"
FARM = Path(sys.executable).parent / "farm"

GOOD = """\
chassis:
  name: lab-a
  backend: sim
  slots: 4
board_types:
  mpc83xx:
    prompt: "=> "
    load_addr: 0x1000000
    commands:
      boot: "bootm ${loadaddr}"
      flash_write: "sf update ${loadaddr} 0 ${filesize}"
      flash_verify: "sf read ${verify_addr} 0 ${filesize}"
images:
  kernel: kernel.img
slots:
  - {slot: 1, board: mpc83xx}
  - {slot: 2, board: mpc83xx, enabled: false}
  - {slot: 3, board: mpc83xx, address: 10.83.3.9}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "kernel.img").write_bytes(b"\\0" * 64)
    f = tmp_path / "chassis.yaml"
    f.write_text(text)
    return f


def farm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FARM), *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_the_repositorys_chassis_file_is_good() -> None:
    ch = load(CHASSIS)
    assert ch.backend == "sim" and len(ch.slots) == 19 and ch.enabled_slots() == list(range(1, 20))
    assert ch.slots[7].address == "10.83.7.2" and ch.slots[7].host_address == "10.83.7.1"
    res = farm("check")
    assert res.returncode == 0 and "19 slots" in res.stdout, res.stderr


def test_a_good_file(tmp_path: Path) -> None:
    ch = load(write(tmp_path, GOOD))
    assert ch.name == "lab-a" and ch.enabled_slots() == [1, 3]
    assert ch.slots[3].address == "10.83.3.9"
    assert ch.images["kernel"] == (tmp_path / "kernel.img").resolve()
    assert ch.board_types["mpc83xx"].load_addr == 0x1000000


@pytest.mark.parametrize("old, new, line, path, words", [
    ("{slot: 3, board", "{slot: 20, board", 18, "slots[2].slot", "20 is outside 1..4"),
    ("{slot: 2, board", "{slot: 1, board", 17, "slots[1].slot", "already described at slots[0]"),
    ("backend: sim", "backend: vxworks", 3, "chassis.backend", "unknown backend 'vxworks'"),
    ("kernel: kernel.img", "kernel: missing.img", 14, "images.kernel", "does not exist"),
    ("address: 10.83.3.9", "address: 10.83.1.2", 18, "slots[2].address",
     "10.83.1.2 is slot 1's address too"),
    ("address: 10.83.3.9", "address: 10.83.4.2", 18, "slots[2].address",
     "not on slot 3's link"),
    ("board: mpc83xx}\n  - {slot: 2", "board: ppc}\n  - {slot: 2", 16, "slots[0].board",
     "unknown board type 'ppc'"),
    ("load_addr: 0x1000000", "load_addr: high", 8, "board_types.mpc83xx.load_addr",
     "must be a whole number"),
    ("  slots: 4\n", "  slots: 4\n  colour: red\n", 5, "chassis.colour", "unknown key"),
    ("enabled: false", "enabled: 7", 17, "slots[1].enabled", "true or false"),
    ('      flash_verify: "sf read ${verify_addr} 0 ${filesize}"\n', "", 9,
     "board_types.mpc83xx.commands", "'flash_verify' is missing"),
])
def test_each_problem_has_its_message(tmp_path: Path, old: str, new: str, line: int, path: str,
                                      words: str) -> None:
    assert old in GOOD
    f = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ConfigErrors) as e:
        load(f)
    texts = [str(p) for p in e.value.problems]
    assert len(texts) == 1, texts
    assert texts[0].startswith(f"{f}:{line}: {path}: "), texts
    assert words in texts[0], texts
    res = farm("status", "--chassis", str(f))
    assert res.returncode == 2, res.stdout
    assert texts[0] in res.stderr and "Traceback" not in res.stderr
    assert "nothing done" in res.stderr and res.stdout == ""


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = GOOD.replace("backend: sim", "backend: nope").replace("{slot: 3,", "{slot: 0,")
    with pytest.raises(ConfigErrors) as e:
        load(write(tmp_path, text))
    assert [p.path for p in e.value.problems] == ["chassis.backend", "slots[2].slot"]


@pytest.mark.parametrize("text, words", [
    ("chassis: [1, 2\n", "not valid YAML"),
    ("- just\n- a list\n", "must hold a mapping"),
    ("", "must hold a mapping"),
    ("chassis:\n  name: a\nchassis:\n  name: b\n", "chassis: given twice"),
])
def test_not_a_chassis_file(tmp_path: Path, text: str, words: str) -> None:
    f = tmp_path / "chassis.yaml"
    f.write_text(text)
    res = farm("check", "--chassis", str(f))
    assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr, \
        res.stderr


def test_a_missing_file(tmp_path: Path) -> None:
    res = farm("check", "--chassis", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2 and "cannot read" in res.stderr, res.stderr


def test_status_of_a_chassis_that_is_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) \
        -> None:
    f = write(tmp_path, GOOD.replace("  slots: 4\n", f"  slots: 4\n  dir: {tmp_path}/rt\n"))
    res = farm("status", "--json", "--chassis", str(f))
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert [r["slot"] for r in data["slots"]] == [1, 2, 3]
    assert {r["state"] for r in data["slots"]} == {"down"}


FIRMWARE = '''      flash_verify: "sf read ${verify_addr} 0 ${filesize}"
    firmware:
      arch: sandbox
      flash_size: 0x1000000
      scratch_addr: 0x4000000
'''


@pytest.mark.parametrize(("old", "new", "path", "words"), [
    ("arch: sandbox", "arch: m68k", "board_types.mpc83xx.firmware.arch", "unknown arch 'm68k'"),
    ("      flash_size: 0x1000000\n", "", "board_types.mpc83xx.firmware",
     "'flash_size' is missing"),
    ("scratch_addr: 0x4000000", "scratch_addr: -1", "board_types.mpc83xx.firmware.scratch_addr",
     "outside"),
    ("      arch: sandbox\n", "      arch: sandbox\n      erase: yes\n",
     "board_types.mpc83xx.firmware.erase", "unknown key"),
])
def test_firmware_section_problems(tmp_path: Path, old: str, new: str, path: str,
                                   words: str) -> None:
    """The board type's firmware section (farm reflash) is checked like the rest."""
    text = GOOD.replace('      flash_verify: "sf read ${verify_addr} 0 ${filesize}"\n', FIRMWARE)
    good = load(write(tmp_path, text))
    fw = good.board_types["mpc83xx"].firmware
    assert fw is not None and (fw.arch, fw.flash_size, fw.scratch_addr) == \
        ("sandbox", 0x1000000, 0x4000000)
    f = write(tmp_path, text.replace(old, new))
    res = farm("check", "--chassis", str(f))
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert any(ln.startswith(f"{f}:") and f": {path}: " in ln and words in ln
               for ln in res.stderr.splitlines()), res.stderr
