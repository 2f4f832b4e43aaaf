# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the hardware-in-the-loop suite, on labgrid's pytest plugin.

Run per slot by `farm test`, which generates the slot's labgrid environment
from chassis.yaml (farm.hil.env) and passes it with --lg-env: the plugin's
own `env` and `target` fixtures then serve the suite unchanged, with their
JUnit records (the environment file, the image), their lg_feature marks and
its `strategy` fixture: the slot's PCINetStrategy, the same that farm's
commands drive (farm.labgrid_parts). We chose that
over overriding `target` with farm.targets.slot_target directly: with an
override, labgrid 26.0.1's plugin still has no environment, so its `env`
fixture skips, `strategy` is unusable (its runtest hook reads the missing
environment) and lg_feature marks are never applied. The environment is
still derived, never written by hand: env.py writes out what slot_target
builds.

What the suite adds: the chassis and slot the environment names, the slot's
lock (unless farm test holds it), the board fresh from a reset at its U-Boot
prompt (strategy.transition("uboot"): reset through the host, the prompt,
registers invalid) with its commands (UBootShell: a failed command is a
CommandFailed showing what the board answered), its network configured
from chassis.yaml, the staged test image, and a console log with each
test's start marked (--farm-console-log).
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pytest

from farm import results
from farm.config import BoardType, Chassis, SlotConfig, load
from farm.errors import StageError
from farm.hil import LOCKED_ENV
from farm.hil.env import IMAGE
from farm.hostctl import host_view
from farm.labgrid_parts import PCINetSlot, PCINetStrategy, UBootShell
from farm.slotlock import SlotLock
from farm.staging import Image
from farm.targets import network_setup


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("farm").addoption(
        "--farm-console-log", metavar="FILE",
        help="append the board's console output to FILE, each test's start marked")


class ConsoleLog:
    """What labgrid reads from the console, through its step events."""

    def __init__(self, path: Path):
        self.file: IO[bytes] = open(path, "ab", buffering=0)  # noqa: SIM115 - until unconfigure

    def notify(self, event: Any) -> None:
        step = event.step
        if (step.tag == "console" and step.title == "read"
                and event.data.get("state") == "stop" and step.result):
            self.file.write(step.result)

    def mark(self, text: str) -> None:
        stamp = datetime.now().isoformat(timespec="milliseconds")
        self.file.write(f"\n===== {stamp} {text}\n".encode())


_console: ConsoleLog | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _console
    path = config.getoption("farm_console_log")
    if path:
        from labgrid.step import steps

        _console = ConsoleLog(Path(path))
        steps.subscribe(_console.notify)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _console
    if _console is not None:
        from labgrid.step import steps

        steps.unsubscribe(_console.notify)
        _console.file.close()
        _console = None


# where a test's slot is served and when the test began, for its failure report
HOST_VIEW = pytest.StashKey[tuple[Path, int, float]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test's report (the pytest log, the JUnit file) also tells what
    the host saw of the slot meanwhile: a link the host dropped, or a board it
    refused, shows there and nowhere on the board's console."""
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and HOST_VIEW in item.stash:
        control, slot, since = item.stash[HOST_VIEW]
        report.sections.append((f"host's view of slot {slot}", host_view(control, slot, since)))


@pytest.fixture(autouse=True)
def _host_view(request: pytest.FixtureRequest, control: Path, slot: int) -> None:
    request.node.stash[HOST_VIEW] = (control, slot, time.time())


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _console is not None:
        _console.mark(nodeid)


@pytest.fixture(scope="session")
def chassis(env: Any) -> Chassis:
    """The chassis the environment was generated from."""
    return load(Path(env.config.get_option("farm_chassis")))


@pytest.fixture(scope="session")
def slot(env: Any) -> int:
    return int(env.config.get_target_option("main", "farm_slot"))


@pytest.fixture(scope="session")
def slot_config(chassis: Chassis, slot: int) -> SlotConfig:
    return chassis.slots[slot]


@pytest.fixture(scope="session")
def board_type(chassis: Chassis, slot_config: SlotConfig) -> BoardType:
    return chassis.board_types[slot_config.board]


@pytest.fixture(scope="session")
def slot_lock(chassis: Chassis, slot: int) -> Iterator[None]:
    """One user of a slot's console at a time: farm test holds the lock for
    the slots it runs; a suite run by hand takes it here (SlotBusy names
    the holder)."""
    if str(slot) in os.environ.get(LOCKED_ENV, "").split(","):
        yield
        return
    with SlotLock(chassis.sim_dir, slot):
        yield


@pytest.fixture(scope="session")
def uboot(strategy: PCINetStrategy, slot_lock: None, chassis: Chassis,
          slot: int) -> UBootShell:
    """The board fresh from a reset through the host, at its U-Boot prompt; never
    a board whose flash holds an unverified image (farm's commands refuse it too)."""
    refused = results.reset_refused(chassis.sim_dir, slot)
    if refused:
        raise StageError("reset", refused)
    strategy.transition("uboot")
    return strategy.uboot_shell(chassis.timeouts.command)


@pytest.fixture(scope="session")
def uboot_net(uboot: UBootShell, chassis: Chassis, slot: int) -> UBootShell:
    """The prompt, with the network set as chassis.yaml describes the slot."""
    uboot.check(network_setup(chassis, slot))
    return uboot


@pytest.fixture(scope="session")
def hil_image(env: Any) -> Image:
    """The image farm test staged in the TFTP root for the network tests."""
    path = env.config.get_images().get(IMAGE)
    name = env.config.get_option("farm_tftp_image", "")
    if not path or not name:
        pytest.skip(f"no test image staged (images: {IMAGE}: and options: farm_tftp_image: "
                    "in the environment; farm test stages one)")
    data = Path(path).read_bytes()
    return Image(Path(path), name, len(data), zlib.crc32(data))


@pytest.fixture(scope="session")
def control(target: Any) -> Path:
    """The host daemon's control socket, as the slot's labgrid target names it."""
    return Path(target.get_resource(PCINetSlot).control)
