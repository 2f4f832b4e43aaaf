# SPDX-License-Identifier: GPL-2.0-or-later
# mypy: disallow-subclassing-any=False, disallow-untyped-decorators=False
"""farm's labgrid parts, fast, against labgrid's FakeConsoleDriver as labgrid
tests its own drivers: PCINetStrategy (off -> uboot through a reset by the
host, the prompt, registers invalid; shell not reachable yet), the reset
driver, and UBootShell with its one error type, CommandFailed.

The board is a FakeConsoleDriver that answers what UBootDriver types the way
U-Boot does (echo, marker, output, exit status, prompt); the host is a
socket that answers the control commands pcinetd answers (status, reset).
"""

from __future__ import annotations

import contextlib
import json
import re
import socketserver
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import attr
import pytest
from labgrid import Target
from labgrid.binding import BindingState
from labgrid.driver import UBootDriver
from labgrid.driver.fake import FakeConsoleDriver
from labgrid.strategy import Strategy, StrategyError

from farm.errors import StageError
from farm.labgrid_parts import (
    CommandFailed,
    PCINetResetDriver,
    PCINetSlot,
    PCINetStrategy,
    Status,
    UBootShell,
)
from farm.targets import AUTOBOOT, INTERRUPT, prompt_pattern
from pcinet_sim.layout import Layout

PROMPT = "=> "
# what UBootDriver types: its marker echoed around the command and its status
MARKED = re.compile(r"echo '(\w+)''(\w+)'; (.*); echo \"\$\?\"; echo '\w+''\w+';")
PROBE = re.compile(r"echo '(\w+)''(\w+)'")  # the marker that checks the prompt


@attr.s(eq=False)
class FakeBoard(FakeConsoleDriver):
    """U-Boot behind labgrid's FakeConsoleDriver: silent until boot(), an
    autoboot that takes the first byte typed, then a prompt that answers."""

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        self.answers: dict[str, tuple[list[str], int] | None] = {}  # None: no answer
        self.garbled: set[str] = set()  # answered without labgrid's markers
        self.hangs = False  # never reaches U-Boot after a reset
        self.at_prompt = False
        self.autoboot = False
        self.pending = b""
        self.typed: list[str] = []

    def say(self, text: str) -> None:
        self.rxq.insert(0, text.encode())  # _read pops from the end

    def boot(self) -> None:
        """What a reset does: the board starts again, at its autoboot."""
        self.at_prompt, self.autoboot, self.pending = False, not self.hangs, b""
        if self.autoboot:
            self.say("\r\nU-Boot 2023.01 (Dec 07 2026 - 17:55:00 +0000)\r\n\r\n"
                     f"{AUTOBOOT}:  2 ")

    def _write(self, data: bytes, *_: Any) -> int:
        self.txq.append(data)
        if self.autoboot and data:  # U-Boot's autoboot takes the byte and drops it
            self.autoboot, self.at_prompt = False, True
            self.say(f"\b\b\b 0 \r\n{PROMPT}")
            data = data[1:]
        if self.at_prompt:
            self.pending += data
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                self.answer(line.decode())
        return len(data)

    def answer(self, line: str) -> None:
        self.typed.append(line)
        out = [line]  # the echo
        marked, probe = MARKED.fullmatch(line), PROBE.fullmatch(line)
        if marked:
            marker, cmd = marked[1] + marked[2], marked[3]
            if cmd in self.garbled:
                out.append("U-Boot: cannot say")
            else:
                answer = self.answers.get(cmd, ([f"Unknown command '{cmd}' - try 'help'"], 1))
                if answer is None:
                    return
                lines, status = answer
                out += [marker, *lines, str(status), marker]
        elif probe:
            out.append(probe[1] + probe[2])
        self.say("\r\n".join(out) + f"\r\n{PROMPT}")


@dataclass
class FakeHost:
    """The host daemon's control socket for slot 1: status and reset."""

    board: FakeBoard
    sees_resets: bool = True
    valid_after_reset: float = 0.05  # the board withdraws its registers this long after
    resets_seen: int = 0
    valid_until: float = 0.0
    console_active_at_reset: list[bool] = field(default_factory=list)

    def reset(self, by_farm: bool = True) -> None:
        if by_farm:
            self.console_active_at_reset.append(self.board.state is BindingState.active)
        if self.sees_resets:
            self.resets_seen += 1
            self.valid_until = time.monotonic() + self.valid_after_reset
            self.board.boot()

    def answer(self, line: str) -> dict[str, Any]:
        cmd, _, slot = line.partition(" ")
        if slot != "1":
            return {"ok": False, "error": f"no slot {slot}"}
        if cmd == "reset":
            self.reset()
            return {"ok": True}
        return {"ok": True, "slot": {"slot": 1, "resets_seen": self.resets_seen,
                                     "registers_valid": time.monotonic() < self.valid_until}}


@contextlib.contextmanager
def serving(host: FakeHost, path: Path) -> Iterator[None]:
    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline().decode().strip()
            self.wfile.write(json.dumps(host.answer(line)).encode() + b"\n")

    server = socketserver.ThreadingUnixStreamServer(str(path), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Slot:
    target: Target
    board: FakeBoard
    host: FakeHost
    strategy: PCINetStrategy


def bind(cls: Any, target: Target, **fields: Any) -> Any:
    """A labgrid resource or driver, bound to target (labgrid's way)."""
    return cls(target, name=None, **fields)


def make_slot(directory: Path) -> Slot:
    """A slot's target as farm.targets builds it, on the fake board."""
    t = Target("slot01")
    bind(PCINetSlot, t, slot=1, control=str(Layout(directory).pcinetd_sock))
    board = bind(FakeBoard, t)
    # line noise, as on a real console: read before anything is typed, it spares
    # labgrid 26.0.1's StepLogger a flush of a console it saw write but never read
    # (a KeyError in labgrid/logging.py, warned about in every later test)
    board.say("\r\n")
    bind(PCINetResetDriver, t, timeout=0.5)
    bind(UBootDriver, t, prompt=prompt_pattern(PROMPT), autoboot=AUTOBOOT,
         interrupt=INTERRUPT, login_timeout=1)
    strategy = bind(PCINetStrategy, t, registers_valid_timeout=0.3)
    return Slot(t, board, FakeHost(board), strategy)


@pytest.fixture
def slot(tmp_path: Path) -> Iterator[Slot]:
    s = make_slot(tmp_path)
    with serving(s.host, Layout(tmp_path).pcinetd_sock):
        yield s
    s.target.cleanup()


# -- the strategy -------------------------------------------------------------------

def test_the_strategy_is_the_targets_strategy(slot: Slot) -> None:
    assert slot.target.get_driver(Strategy) is slot.strategy
    assert slot.strategy.state is BindingState.bound
    assert slot.strategy.status is Status.unknown


def test_uboot_is_a_reset_through_the_host_then_the_prompt(slot: Slot) -> None:
    """The host resets the board before farm opens its console (nothing typed
    reaches the old boot), UBootDriver answers the autoboot, and the steps
    are reset then prompt, each run by whoever drives the strategy."""
    steps: list[str] = []

    def run_step(name: str, fn: Any) -> Any:
        steps.append(name)
        return fn()

    slot.strategy.run_step = run_step
    slot.strategy.transition("uboot")
    assert slot.strategy.status is Status.uboot
    assert steps == ["reset", "prompt"]
    assert slot.host.resets_seen == 1 and slot.host.console_active_at_reset == [False]
    assert slot.strategy.resets_at_prompt == 1
    assert slot.board.txq[0] == INTERRUPT.encode()  # the first byte: the autoboot's
    slot.strategy.transition("uboot")  # there already: nothing to do, no reset
    assert slot.host.resets_seen == 1


def test_uboot_again_after_off_resets_again(slot: Slot) -> None:
    slot.strategy.transition("uboot")
    slot.strategy.transition("off")
    assert slot.strategy.status.name == "off"
    assert slot.target.get_driver(UBootDriver, activate=False).state is BindingState.bound
    slot.strategy.transition(Status.uboot)
    assert slot.host.resets_seen == 2 and slot.host.console_active_at_reset == [False, False]


def test_a_reset_the_host_does_not_see(slot: Slot) -> None:
    slot.host.sees_resets = False
    with pytest.raises(StageError) as e:
        slot.strategy.transition("uboot")
    assert e.value.stage == "reset"
    assert e.value.reason == "slot 1: the host did not see the board reset within 0.5 s"
    assert slot.strategy.status.name == "off"  # not broken: the next transition tries again
    slot.host.sees_resets = True
    slot.strategy.transition("uboot")
    assert slot.strategy.status.name == "uboot"


def test_a_host_that_does_not_answer(tmp_path: Path) -> None:
    s = make_slot(tmp_path)  # nothing serves its control socket
    try:
        with pytest.raises(StageError) as e:
            s.strategy.transition("uboot")
    finally:
        s.target.cleanup()
    assert e.value.stage == "reset"
    assert e.value.reason.startswith("the host does not answer (FileNotFoundError: ")


def test_a_board_that_never_reaches_its_prompt(slot: Slot) -> None:
    """labgrid's own timeout message stays in the reason (farm test's table shows it)."""
    slot.board.hangs = True
    with pytest.raises(StageError) as e:
        slot.strategy.transition("uboot")
    assert e.value.stage == "prompt"
    assert e.value.reason == (
        "no U-Boot prompt within 1 s of the reset (TIMEOUT: Timeout of 1 seconds exceeded "
        "during waiting for login); the console said nothing usable")


def test_registers_still_valid_after_the_reset(slot: Slot) -> None:
    slot.host.valid_after_reset = 60
    with pytest.raises(StageError) as e:
        slot.strategy.transition("uboot")
    assert e.value.stage == "prompt"
    assert e.value.reason == ("the board's registers were still valid 0.3 s after its reset: "
                              "its descriptor memory cannot be trusted")


def test_registers_invalid_a_moment_after_the_reset_are_waited_for(slot: Slot) -> None:
    slot.host.valid_after_reset = 0.2  # beyond the prompt, within the timeout
    slot.strategy.transition("uboot")
    assert slot.strategy.status is Status.uboot


def test_force_uboot_finds_the_prompt_without_a_reset(slot: Slot) -> None:
    slot.board.at_prompt = True
    slot.board.say(PROMPT)
    slot.strategy.force("uboot")
    assert slot.strategy.status is Status.uboot and slot.host.resets_seen == 0
    assert slot.strategy.uboot_shell(5).run("version")[1] == 1  # answered, status and all


def test_force_uboot_on_a_silent_board(slot: Slot) -> None:
    with pytest.raises(StageError) as e:
        slot.strategy.force("uboot")
    assert e.value.stage == "prompt" and e.value.reason.startswith("no U-Boot prompt within 1 s (")


def test_shell_is_not_reachable_yet_and_says_so(slot: Slot) -> None:
    with pytest.raises(StrategyError, match=r"shell state .* is not reachable yet"):
        slot.strategy.transition("shell")
    with pytest.raises(StrategyError, match="no state 'linux'"):
        slot.strategy.transition("linux")
    with pytest.raises(StrategyError, match="not at the U-Boot prompt"):
        slot.strategy.uboot_shell(5)


# -- the U-Boot shell ----------------------------------------------------------------

@pytest.fixture
def shell(slot: Slot) -> UBootShell:
    slot.strategy.transition("uboot")
    return slot.strategy.uboot_shell(5)


def test_a_command_and_its_output(slot: Slot, shell: UBootShell) -> None:
    slot.board.answers["version"] = (["U-Boot 2023.01 (Dec 07 2026)", "gcc 12"], 0)
    assert shell.check("version") == ["U-Boot 2023.01 (Dec 07 2026)", "gcc 12"]
    assert shell.run("version") == (["U-Boot 2023.01 (Dec 07 2026)", "gcc 12"], 0)


def test_a_failed_command_names_its_status_and_the_boards_last_lines(
        slot: Slot, shell: UBootShell) -> None:
    """U-Boot's backspace (taking back a progress mark) is not text."""
    cmd = "tftpboot 1000000 farm/k.itb"
    slot.board.answers[cmd] = (["Using pcinet-ethernet device", "Load address: 0x1000000",
                                "Loading: *\bpcinet: DMA transfer error"], 1)
    with pytest.raises(CommandFailed) as e:
        shell.check(cmd)
    assert e.value.headline == (f"'{cmd}' failed (status 1): Load address: 0x1000000 / "
                                "Loading: *pcinet: DMA transfer error")
    assert e.value.status == 1 and e.value.output[-1] == "Loading: *\bpcinet: DMA transfer error"
    assert str(e.value).splitlines()[1:] == ["Using pcinet-ethernet device",
                                             "Load address: 0x1000000",
                                             "Loading: *pcinet: DMA transfer error"]
    assert shell.run(cmd)[1] == 1  # run() leaves the status to the caller


def test_no_answer_within_the_timeout(slot: Slot, shell: UBootShell) -> None:
    slot.board.answers["sleep 9"] = None
    with pytest.raises(CommandFailed) as e:
        shell.run("sleep 9", timeout=1)
    assert e.value.headline == "'sleep 9' failed: no prompt within 1 s"


def test_an_answer_that_does_not_parse(slot: Slot, shell: UBootShell) -> None:
    slot.board.garbled.add("version")
    with pytest.raises(CommandFailed) as e:
        shell.check("version")
    assert e.value.headline.startswith(
        "'version' failed: its answer on the console did not parse (ValueError: ")


def test_nothing_is_typed_into_a_board_reset_not_by_farm(slot: Slot, shell: UBootShell) -> None:
    slot.host.reset(by_farm=False)
    typed = list(slot.board.typed)
    with pytest.raises(CommandFailed) as e:
        shell.check("version")
    assert e.value.headline == (
        "'version' not typed: the board was reset 1 time(s) after its prompt was caught, "
        "not by farm: a line typed into its new boot loses its first byte to U-Boot's autoboot")
    assert slot.board.typed == typed and slot.board.txq[-1] != b"version\n"


def test_crc32_and_env(slot: Slot, shell: UBootShell) -> None:
    slot.board.answers["crc32 1000000 d"] = (
        ["crc32 for 01000000 ... 0100000c ==> 1a2b3c4d"], 0)
    slot.board.answers["printenv filesize"] = (["filesize=d"], 0)
    slot.board.answers["crc32 0 d"] = (["crc32: bad address"], 0)
    assert shell.crc32(0x1000000, 13) == 0x1A2B3C4D
    assert shell.env("filesize") == "d"
    with pytest.raises(CommandFailed, match="no CRC32 in its answer: crc32: bad address"):
        shell.crc32(0, 13)
    with pytest.raises(CommandFailed, match=r"no ipaddr= in its answer: Unknown command"):
        slot.board.answers["printenv ipaddr"] = (["Unknown command 'printenv ipaddr'"], 0)
        shell.env("ipaddr")
