# SPDX-License-Identifier: GPL-2.0-or-later
"""The files farm's commands write into a log directory (--log-dir, by
default ./farm-logs), spelled once: the commands that write them, the tests
and scripts that read them (bench reads the per-slot logs) take them from
here, as the chassis' runtime files are taken from pcinet_sim.layout.Layout.

A slot's name is slotNN, two digits as the chassis' own directory names it:
the prefix of its files here, its labgrid target's name and its JUnit
testsuite's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT = Path("farm-logs")


def slot_name(slot: int) -> str:
    return f"slot{slot:02d}"


@dataclass(frozen=True)
class LogDir:
    """Paths inside one log directory."""

    dir: Path

    # -- boot, reboot, reflash ----------------------------------------------------
    def slot_log(self, slot: int, command: str) -> Path:
        """A slot's log of one command: stages, handshake, console, raw console."""
        return self.dir / f"{slot_name(slot)}-{command}.log"

    @property
    def reflash_report(self) -> Path:
        """farm reflash's JSON report (the default of --report)."""
        return self.dir / "reflash-report.json"

    # -- farm test ------------------------------------------------------------------
    def junit(self, slot: int) -> Path:
        return self.dir / f"{slot_name(slot)}.xml"

    def pytest_log(self, slot: int) -> Path:
        return self.dir / f"{slot_name(slot)}-pytest.log"

    def console_log(self, slot: int) -> Path:
        """What the board printed during its suite, each test's start marked."""
        return self.dir / f"{slot_name(slot)}-console.log"

    def environment(self, slot: int) -> Path:
        """The slot's labgrid environment: `pytest --lg-env` on it reruns its suite."""
        return self.dir / f"{slot_name(slot)}-env.yaml"

    @property
    def hil_image(self) -> Path:
        """The network tests' random image (the TFTP root only links to it)."""
        return self.dir / "hil-image.bin"

    @property
    def merged_junit(self) -> Path:
        """Every slot's testsuite in one file."""
        return self.dir / "junit.xml"

    @property
    def summary(self) -> Path:
        """The table farm test printed."""
        return self.dir / "summary.txt"
