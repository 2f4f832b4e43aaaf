# SPDX-License-Identifier: GPL-2.0-or-later
"""farm's raw console trace: bounded, in order, one line per direction change,
newline or pause, as a slot's log shows it."""

from __future__ import annotations

from farm.console_trace import ConsoleTrace


def lines(trace: ConsoleTrace) -> list[str]:
    return [line.split(" ", 1)[1] for line in trace.render().splitlines()]


def test_lines_follow_direction_and_newlines() -> None:
    t = ConsoleTrace()
    t.add("<", b"U-Boot 2023.01\r\n=")
    t.add("<", b"> ")
    t.add(">", b"version\n")
    t.add("<", b"version\r\nU-Boot\x1b[0m\r\n=> ")
    assert lines(t) == ["< U-Boot 2023.01\\r\\n", "< => ", "> version\\n",
                        "< version\\r\\n", "< U-Boot\\x1b[0m\\r\\n", "< => "]


def test_a_pause_starts_a_new_line() -> None:
    t = ConsoleTrace()
    t.chunks.extend([(100.0, "<", b"#####"), (100.2, "<", b"###"), (101.0, "<", b"##")])
    t.size = 10
    assert lines(t) == ["< ########", "< ##"]


def test_only_the_last_bytes_are_kept() -> None:
    t = ConsoleTrace(limit=64)
    for i in range(100):
        t.add("<", f"{i:04d}\r\n".encode())
    out = t.render().splitlines()
    assert out[0] == "(540 earlier bytes not kept)"
    assert out[-1].endswith("< 0099\\r\\n") and len(out) == 1 + 10
