# SPDX-License-Identifier: GPL-2.0-or-later
"""The console, both ways: a few hundred random tokens typed at the prompt
come back from U-Boot's echo exactly, in lines of every length up to near
U-Boot's command line limit (CONFIG_SYS_CBSIZE, 1024 on our boards)."""

from __future__ import annotations

import random
import string

from farm.labgrid_parts import UBootShell

TOKENS = 300
PER_LINE = 15  # U-Boot's echo takes 15 arguments (CONFIG_SYS_MAXARGS 16)
# none of the characters U-Boot's shell treats specially ($ ; ' " \ # = | < > ( ))
ALPHABET = string.ascii_letters + string.digits + "-_.,:+@/%^~*[]{}!"


def test_console_echo(uboot: UBootShell, slot: int) -> None:
    rng = random.Random(f"echo-{slot}")
    tokens = ["".join(rng.choices(ALPHABET, k=rng.choice((1, 4, 8, 16, 60))))
              for _ in range(TOKENS)]
    back: list[str] = []
    for i in range(0, TOKENS, PER_LINE):
        line = " ".join(tokens[i:i + PER_LINE])
        out = uboot.check(f"echo {line}")
        assert out == [line], f"sent {line!r}, read back {out!r}"
        back.extend(out[0].split(" "))
    assert back == tokens
