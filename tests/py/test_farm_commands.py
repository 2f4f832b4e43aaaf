# SPDX-License-Identifier: GPL-2.0-or-later
"""farm's commands on their floor, without a crate: a command that cannot go
on raises FarmError and main() prints it once, with its exit code; a bug of
farm's in a slot is an internal error with its traceback in the slot's log,
never an ordinary failed stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm import results
from farm.cli import main
from farm.config import load
from farm.crate import pick_slots, result_table
from farm.errors import USAGE, FarmError, StageError
from farm.parallel import no_progress
from farm.results import SlotResult
from farm.session import SlotSession
from pcinet_sim.layout import Layout

CHASSIS = """\
chassis:
  name: lab-a
  backend: {backend}
  slots: 4
  dir: {dir}
board_types:
  mpc83xx:
    prompt: "=> "
    load_addr: 0x1000000
    commands:
      boot: "bootm ${{loadaddr}}"
      flash_write: "sf update ${{loadaddr}} 0 ${{filesize}}"
      flash_verify: "sf read ${{verify_addr}} 0 ${{filesize}}"
slots:
  - {{slot: 1, board: mpc83xx}}
  - {{slot: 2, board: mpc83xx, enabled: false}}
  - {{slot: 3, board: mpc83xx}}
"""


def chassis_file(tmp_path: Path, backend: str = "sim") -> Path:
    f = tmp_path / "chassis.yaml"
    text = CHASSIS.format(backend=backend, dir=tmp_path / "crate")
    if backend != "sim":  # a real crate's TFTP server serves a directory of its own
        text += f"tftp:\n  root: {tmp_path}\n"
    f.write_text(text)
    return f


@pytest.mark.parametrize("argv, code, message", [
    (["reboot"], USAGE, "farm reboot: name the slots, or --all"),
    (["boot", "9"], USAGE, "farm boot: slot 9 is not in "),
    (["test", "2"], USAGE, "farm test: slot 2 is disabled in "),
    (["boot", "1", "--kernel", "/nonexistent/k.itb"], USAGE,
     "farm boot: kernel /nonexistent/k.itb: no such file"),
    (["boot", "1"], USAGE, "farm boot: no kernel: give --kernel F or images.kernel"),
    (["reflash", "1"], USAGE, "farm reflash: give the image: --image F"),
    (["reflash", "--retry-failed", "--image", "x.img"], USAGE,
     "farm reflash: --retry-failed takes the slots and the image from the report"),
    (["console", "7"], USAGE, "farm console: slot 7 is not in "),
])
def test_a_command_that_cannot_go_on_says_so_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int,
        message: str) -> None:
    assert main([*argv, "--chassis", str(chassis_file(tmp_path))]) == code
    out, err = capsys.readouterr()
    assert err.startswith(message) and len(err.splitlines()) == 1, err
    assert out == ""
    assert not (tmp_path / "crate").exists()  # nothing was started


def test_sim_on_a_chassis_that_is_not_simulated(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "up", "--chassis", str(chassis_file(tmp_path, "kernel"))]) == USAGE
    assert capsys.readouterr().err == "farm sim: chassis lab-a has backend kernel, not sim\n"


def test_pick_slots(tmp_path: Path) -> None:
    ch = load(chassis_file(tmp_path))
    assert pick_slots(ch, [3, 1, 3], False) == [1, 3]
    assert pick_slots(ch, [], True) == [1, 3]
    with pytest.raises(FarmError) as e:
        pick_slots(ch, [2], False)
    assert e.value.exit_code == USAGE


def test_a_failed_stage_is_a_failed_row(tmp_path: Path) -> None:
    f = chassis_file(tmp_path)
    with SlotSession(f, 1, "boot", no_progress, tmp_path / "logs") as s:
        s.stage("tftp", lambda: None)
        raise StageError("tftp", "'tftpboot 1000000 k' failed (status 1): TFTP error")
    r = s.result
    assert (r.ok, r.internal, r.verdict, r.stage) == (False, False, "FAILED", "tftp")
    assert r.detail == "'tftpboot 1000000 k' failed (status 1): TFTP error"
    log = Path(r.log).read_text()
    assert log.startswith("farm boot slot 1: FAILED (tftp: 'tftpboot") and "Traceback" not in log


def test_a_bug_in_a_slot_is_an_internal_error_with_its_traceback(tmp_path: Path) -> None:
    f = chassis_file(tmp_path)

    def buggy() -> None:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    with SlotSession(f, 1, "boot", no_progress, tmp_path / "logs") as s:
        s.stage("verify", buggy)
    r = s.result
    assert (r.ok, r.internal, r.verdict, r.stage) == (False, True, "ERROR", "verify")
    assert r.detail == ("internal error, a bug of farm's: TypeError: unsupported operand "
                        "type(s) for +: 'int' and 'str' (the traceback is in the slot's log)")
    log = Path(r.log).read_text()
    assert log.startswith("farm boot slot 1: ERROR (verify: internal error")
    assert "== internal error (a bug of farm's)\nTraceback (most recent call last):" in log
    assert "in buggy\n" in log
    # the slot's lock was given back
    assert Layout(tmp_path / "crate").slot_lock(1).read_text() == ""


def test_the_table_tells_an_internal_error_from_a_failure(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ch = load(chassis_file(tmp_path))
    rows = [SlotResult(1, True, "handoff", "booted"),
            SlotResult(3, False, "tftp", "'tftpboot' failed"),
            SlotResult(4, False, "verify", "internal error, ...", internal=True)]
    assert result_table(ch, "boot", rows, tmp_path / "logs") == 1
    out = capsys.readouterr().out
    assert "   1  ok      handoff" in out and "   3  FAILED  tftp" in out
    assert "   4  ERROR   verify" in out
    assert "farm boot: 1 of 3 ok; failed: 3 4; internal error (a bug of farm's) on: 4" in out


def test_a_board_whose_flash_is_unverified_is_not_reset(tmp_path: Path) -> None:
    """The rule farm's commands and the HIL suite share (results.reset_refused)."""
    f = chassis_file(tmp_path)
    directory = tmp_path / "crate"
    assert results.reset_refused(directory, 1) == ""
    results.set_flash(directory, 1, results.UNVERIFIED, "farm reflash of u.img began writing")
    with SlotSession(f, 1, "reboot", no_progress, tmp_path / "logs") as s:
        s.reset_to_prompt()
    r = s.result
    assert (r.ok, r.internal, r.stage) == (False, False, "reset")
    assert r.detail == results.reset_refused(directory, 1) == (
        "refused: its flash holds an unverified image (farm reflash of u.img began writing), "
        "so a reset would not boot it; farm reflash it first")
    assert s.target is None  # nothing was built, nothing typed
