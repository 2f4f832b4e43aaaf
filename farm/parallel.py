# SPDX-License-Identifier: GPL-2.0-or-later
"""One process per slot, with a live line of progress each.

labgrid is not thread-safe, so every slot's work runs in its own process
(spawned, not forked: nothing of the parent's labgrid state is inherited).
A worker reports its stages through a queue; the parent draws one line per
slot - redrawn in place on a terminal, one printed line per change
otherwise (logs, CI) - and collects each slot's result. A worker that dies
without a result (killed, out of memory) still gets a result: the failure,
said as such, from `crashed`.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, TypeVar

R = TypeVar("R")


class Progress(Protocol):
    def __call__(self, stage: str, detail: str = "") -> None: ...


def no_progress(stage: str, detail: str = "") -> None:
    """For work run outside run_per_slot."""


@dataclass
class _Line:
    slot: int
    stage: str = "waiting"
    detail: str = ""
    since: float = 0.0
    done: bool = False


class LiveLines:
    """One line per slot on out: in place on a terminal, appended otherwise."""

    def __init__(self, slots: list[int], out: TextIO, t0: float):
        self.lines = {n: _Line(n, since=t0) for n in slots}
        self.out = out
        self.t0 = t0
        self.tty = out.isatty() and os.environ.get("TERM", "dumb") != "dumb"
        self.drawn = False

    def update(self, slot: int, stage: str, detail: str, done: bool = False) -> None:
        line = self.lines[slot]
        now = time.monotonic()
        changed = (stage, done) != (line.stage, line.done)
        line.stage, line.detail, line.done = stage, detail, done
        if changed:
            line.since = now
        if self.tty:
            self.draw()
        elif changed:
            self.out.write(f"[{now - self.t0:7.2f} s] {self._text(line, now, False)}\n")
            self.out.flush()

    def tick(self) -> None:
        """Redraw the clocks (terminal only)."""
        if self.tty:
            self.draw()

    def _text(self, line: _Line, now: float, clock_on: bool = True) -> str:
        clock = f" {now - line.since:5.1f} s" if clock_on and not line.done else ""
        detail = f"  {line.detail}" if line.detail else ""
        return f"slot {line.slot:2}: {line.stage:<9}{clock}{detail}"

    def draw(self) -> None:
        now = time.monotonic()
        width = shutil.get_terminal_size((100, 20)).columns - 1
        text = "".join(f"\x1b[2K{self._text(line, now)[:width]}\n"
                       for line in self.lines.values())
        up = f"\x1b[{len(self.lines)}F" if self.drawn else ""
        self.out.write(up + text)
        self.out.flush()
        self.drawn = True


def _worker(q: Any, fn: Callable[..., Any], slot: int, args: tuple[Any, ...]) -> None:
    def progress(stage: str, detail: str = "") -> None:
        q.put(("stage", slot, stage, detail))

    try:
        result = fn(slot, *args, progress=progress)
    except BaseException as e:  # fn reports its own failures; this is a bug's last word
        q.put(("crash", slot, f"{type(e).__name__}: {e}"))
        raise
    q.put(("done", slot, result))


def run_per_slot(fn: Callable[..., R], slots: list[int], args: tuple[Any, ...],
                 crashed: Callable[[int, str], R], summary: Callable[[R], tuple[str, str]],
                 out: TextIO | None = None) -> list[R]:
    """fn(slot, *args, progress=...) in one process per slot; results by slot.

    summary(result) gives the final (stage, detail) of a slot's line.
    """
    out = out or sys.stdout
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    live = LiveLines(slots, out, time.monotonic())
    procs = {n: ctx.Process(target=_worker, args=(q, fn, n, args), name=f"farm-slot{n}")
             for n in slots}
    for p in procs.values():
        p.start()
    results: dict[int, R] = {}
    last_words: dict[int, str] = {}

    def finish(slot: int, r: R) -> None:
        results[slot] = r
        stage, detail = summary(r)
        live.update(slot, stage, detail, done=True)

    try:
        while len(results) < len(slots):
            try:
                msg = q.get(timeout=0.5)
            except queue.Empty:
                live.tick()
                for n, p in procs.items():
                    # a result may still be in the pipe: dead and quiet for a while
                    if n not in results and not p.is_alive() and q.empty():
                        time.sleep(0.2)
                        if q.empty():
                            why = last_words.get(n) or f"worker exit code {p.exitcode}"
                            finish(n, crashed(n, why))
                continue
            kind, slot = msg[0], msg[1]
            if slot in results:
                continue
            if kind == "stage":
                live.update(slot, msg[2], msg[3])
            elif kind == "crash":
                last_words[slot] = msg[2]
            else:
                finish(slot, msg[2])
    finally:
        for p in procs.values():
            p.join(timeout=10)
            if p.is_alive():  # only ours: the processes started above
                p.kill()
                p.join()
    return [results[n] for n in slots]
