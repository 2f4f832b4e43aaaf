# SPDX-License-Identifier: GPL-2.0-or-later
"""The runtime layout of a chassis directory: every path the crate's
processes meet there, spelled once for Python (docs/sim.md "Files").

The C side has its own owner (pcinet_sim_path() and enum pcinet_sim_file in
sim/include/pcinet_sim.h); the shell side is handed the slot directory.
Slots are numbered 1..N as lab engineers number them; NN is two digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """Paths inside one chassis directory."""

    dir: Path

    # -- per slot --------------------------------------------------------------
    def slot_dir(self, slot: int) -> Path:
        return self.dir / f"slot{slot:02d}"

    def console(self, slot: int) -> Path:
        """The slot's console: a link to pcinetd's pty for it."""
        return self.slot_dir(slot) / "console"

    def faults(self, slot: int) -> Path:
        """The slot's injected faults of the file kind (pcinet-sim fault)."""
        return self.slot_dir(slot) / "faults"

    def fault(self, slot: int, kind: str) -> Path:
        return self.faults(slot) / kind

    def slot_log(self, slot: int) -> Path:
        """The slot's board process output, kept by the supervisor."""
        return self.logs / f"slot{slot:02d}.log"

    # -- the host daemon and the supervisor -------------------------------------
    @property
    def pcinetd_sock(self) -> Path:
        return self.dir / "pcinetd.sock"

    @property
    def pcinetd_lock(self) -> Path:
        return self.dir / "pcinetd.lock"

    @property
    def supervisor_fifo(self) -> Path:
        return self.dir / "supervisor.fifo"

    @property
    def supervisor_state(self) -> Path:
        return self.dir / "supervisor.json"

    @property
    def logs(self) -> Path:
        return self.dir / "logs"

    def service_log(self, name: str) -> Path:
        """pcinetd's or atftpd's output."""
        return self.logs / f"{name}.log"

    # -- what farm keeps there ---------------------------------------------------
    @property
    def farm(self) -> Path:
        return self.dir / "farm"

    def slot_lock(self, slot: int) -> Path:
        """farm's lock of a slot (an flock the kernel drops when its holder dies)."""
        return self.farm / f"slot{slot:02d}.lock"

    @property
    def last_results(self) -> Path:
        """Each slot's last command and its outcome, for farm status."""
        return self.farm / "last"

    def last_result(self, slot: int) -> Path:
        return self.last_results / f"slot{slot:02d}.json"

    @property
    def flash_states(self) -> Path:
        """What farm last wrote into each slot's flash."""
        return self.farm / "flash"

    def flash_state(self, slot: int) -> Path:
        return self.flash_states / f"slot{slot:02d}"

    # -- the chassis' own files and the supervisor's others ----------------------
    @property
    def chassis_conf(self) -> Path:
        """The geometry libpcinetsim writes; its presence means a chassis is here."""
        return self.dir / "chassis.conf"

    @property
    def host_mem(self) -> Path:
        """The chassis' own host memory (absent when chassis.conf names another file)."""
        return self.dir / "host-mem"

    @property
    def supervisor_lock(self) -> Path:
        """Who owns the chassis: an flock held for the supervisor's whole life."""
        return self.dir / "supervisor.lock"

    @property
    def supervisor_log(self) -> Path:
        """The daemon supervisor's stdout and stderr."""
        return self.dir / "supervisor.log"

    @property
    def tftp_root(self) -> Path:
        """The TFTP root the chassis makes, unless up --tftp-root names another."""
        return self.dir / "tftp"
