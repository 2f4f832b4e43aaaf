# SPDX-License-Identifier: GPL-2.0-or-later
"""The chassis' runtime layout has one owner per language (docs/sim.md): C's
pcinet_sim_path() and Python's pcinet_sim.layout.Layout must spell every path
they share alike, or pcinetd and the supervisor look in different places."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import pytest

from pcinet_sim.layout import Layout
from pcinet_sim.lib import lib

from conftest import REPO

DIR = Path("/run/pcinet-crate")

# enum pcinet_sim_file, by its name without PCINET_SIM_FILE_: Layout's name for
# it, or what it is to Python
CHASSIS_FILES = {  # DIR/<file>
    "CONF": "chassis_conf",
    "HOST_MEM": "host_mem",
    "SUPERVISOR_FIFO": "supervisor_fifo",
    "PCINETD_SOCK": "pcinetd_sock",
    "PCINETD_LOCK": "pcinetd_lock",
}
SLOT_FILES = {  # DIR/slotNN[/<file>]
    "SLOT_DIR": "slot_dir",
    "CONSOLE": "console",
}
LIBRARY_FILES = {"IMMR", "RAM", "STATE", "IRQ_HOST", "IRQ_BOARD"}  # Python goes through it


def c_files() -> list[str]:
    """enum pcinet_sim_file's names in their order, from the header."""
    text = (REPO / "sim" / "include" / "pcinet_sim.h").read_text()
    body = re.search(r"enum pcinet_sim_file \{(.*?)\};", text, re.S)
    assert body, "sim/include/pcinet_sim.h has no enum pcinet_sim_file"
    names = re.findall(r"^\s*PCINET_SIM_FILE_([A-Z0-9_]+)", body.group(1), re.M)
    assert body.group(1).rstrip().endswith("PCINET_SIM_FILES"), "the count is not last"
    return names


def c_path(index: int, slot: int) -> str:
    buf = ctypes.create_string_buffer(512)
    err = lib().pcinet_sim_path(str(DIR).encode(), slot, index, buf, len(buf))
    assert err == 0, f"pcinet_sim_path(file {index}, slot {slot}): {err}"
    return buf.value.decode()


def test_every_c_file_is_placed() -> None:
    """A file added in C is spelled by Layout too, or said to be the library's alone."""
    names = c_files()
    assert len(names) == len(set(names))
    assert set(names) == set(CHASSIS_FILES) | set(SLOT_FILES) | LIBRARY_FILES


@pytest.mark.parametrize("slot", [1, 7, 32])
def test_c_and_python_spell_the_same_paths(slot: int) -> None:
    lay = Layout(DIR)
    for index, name in enumerate(c_files()):
        if name in CHASSIS_FILES:
            assert c_path(index, 0) == str(getattr(lay, CHASSIS_FILES[name])), name
        elif name in SLOT_FILES:
            assert c_path(index, slot) == str(getattr(lay, SLOT_FILES[name])(slot)), name
