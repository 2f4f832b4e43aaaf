# SPDX-License-Identifier: GPL-2.0-or-later
"""The model checker (tests/verify, make verify) explores the real host state
machine, include/pcinet/pcinet_host_sm.h, but carries its state between two
steps in a state vector of its own (host.c: sm_load() and sm_store()). A
field of struct pcinet_host_sm those two do not carry would be reset at
every step, and the model would explore another machine than the one that
ships: this test keeps them in step with the header.
"""

from __future__ import annotations

import re

from conftest import REPO

HEADER = REPO / "include" / "pcinet" / "pcinet_host_sm.h"
HOST = REPO / "tests" / "verify" / "host.c"
# Fields the model may leave to pcinet_host_sm_init(): the queue's read
# position (sm_store() writes the queue from head on, sm_load() at 0) and
# the counters, which no property reads.
NOT_CARRIED = {"attaches", "detaches", "refusals"}


def struct_fields(text: str, name: str) -> list[str]:
    body = re.search(r"struct " + name + r" \{(.*?)\n\};", text, re.S)
    assert body, f"struct {name} not found"
    code = re.sub(r"/\*.*?\*/", "", body.group(1), flags=re.S)
    fields: list[str] = []
    for decl in code.split(";"):
        decl = decl.strip()
        if not decl:
            continue
        # "u32 attaches", "unsigned int head, len", "enum x queue[N]"
        names = decl.split(None, 1)[1] if not decl.startswith(("enum ", "unsigned ")) \
            else decl.split(None, 2)[2]
        for part in names.split(","):
            fields.append(re.sub(r"\[.*\]", "", part).strip().lstrip("*"))
    return fields


def function_body(text: str, name: str) -> str:
    m = re.search(r"\n(?:static )?void " + name + r"\(.*?\n\{(.*?)\n\}\n", text, re.S)
    assert m, f"{name}() not found in {HOST}"
    return m.group(1)


def test_the_field_parser_reads_the_header() -> None:
    fields = struct_fields(HEADER.read_text(), "pcinet_host_sm")
    assert {"state", "board", "generation", "queue", "head", "len", "need"} <= set(fields)


def test_every_field_of_the_machine_is_carried_by_the_model() -> None:
    fields = struct_fields(HEADER.read_text(), "pcinet_host_sm")
    host = HOST.read_text()
    load, store = function_body(host, "sm_load"), function_body(host, "sm_store")
    for field in fields:
        if field in NOT_CARRIED:
            continue
        for fn, body in (("sm_load", load), ("sm_store", store)):
            assert re.search(r"\bsm->" + field + r"\b", body), \
                f"tests/verify/host.c {fn}() does not carry struct pcinet_host_sm's '{field}'"
