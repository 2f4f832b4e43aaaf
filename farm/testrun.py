# SPDX-License-Identifier: GPL-2.0-or-later
"""farm test SLOT... | --all: the nightly hardware-in-the-loop suite.

One pytest process per slot, all slots at once, each running a suite of
farm/hil (uboot today) through labgrid's pytest plugin with the slot's
labgrid environment generated from chassis.yaml (farm.hil.env). farm test
holds every slot's lock while its suite runs, so a `farm console` meanwhile
is told who holds the slot, and a slot someone else holds is reported, not
tested. It stages one test image in the TFTP root for the network tests.

The log directory gets, per slot: slotNN.xml (JUnit), slotNN-console.log
(what the board printed, each test's start marked), slotNN-pytest.log
(pytest's report) and slotNN-env.yaml (the labgrid environment: `pytest
farm/hil/uboot --lg-env slotNN-env.yaml` reruns one slot by hand); and for
the run: junit.xml (every slot's testsuite, test class names prefixed with
the slot) and summary.txt (the table printed).

Exit status: 0 every test passed or was skipped, 1 a test failed or
errored or a slot could not be tested, 2 bad usage.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from . import results
from .config import Chassis
from .crate import ensure_sim_up, pick_slots, slot_list, tftp_root
from .errors import USAGE, FarmError
from .hil import HIL_DIR, LOCKED_ENV
from .hil.env import write_environment
from .logdir import DEFAULT, LogDir, slot_name
from .slotlock import SlotBusy, SlotLock
from .staging import Image, stage

IMAGE_SIZE = (8 << 20) + 13  # several MiB, and odd: not a whole number of TFTP blocks
COUNTS = ("tests", "failures", "errors", "skipped")


@dataclass
class SlotRun:
    slot: int
    xml: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    out: IO[bytes] | None = None
    t0: float = 0.0
    seconds: float = 0.0
    status: int | None = None  # pytest's exit status
    suite: ET.Element | None = None
    counts: dict[str, int] = field(default_factory=dict)
    detail: str = ""

    @property
    def passed(self) -> int:
        c = self.counts
        return c["tests"] - c["failures"] - c["errors"] - c["skipped"]

    @property
    def ok(self) -> bool:
        return self.status == 0 and self.counts["failures"] == 0 \
            and self.counts["errors"] == 0 and self.counts["tests"] > 0


def _error_suite(slot: int, message: str) -> ET.Element:
    """A JUnit testsuite for a slot whose suite did not run or did not report."""
    suite = ET.Element("testsuite", name=slot_name(slot), tests="1", failures="0",
                       errors="1", skipped="0", time="0")
    case = ET.SubElement(suite, "testcase", classname="farm.test", name="run")
    ET.SubElement(case, "error", message=message).text = message
    return suite


def _read_suite(path: Path) -> ET.Element | None:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    return root if root.tag == "testsuite" else root.find("testsuite")


def _counts(suite: ET.Element) -> dict[str, int]:
    return {k: int(suite.get(k, "0")) for k in COUNTS}


def _names(suite: ET.Element, outcome: str) -> list[str]:
    return [case.get("name", "?") for case in suite.iter("testcase")
            if case.find(outcome) is not None]


def _first_message(suite: ET.Element, outcomes: tuple[str, ...]) -> str:
    for case in suite.iter("testcase"):
        for outcome in outcomes:
            found = case.find(outcome)
            if found is not None:
                text = found.get("message") or (found.text or "").strip()
                return text.splitlines()[0][:240] if text else ""
    return ""


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " / ".join(line.strip() for line in text[-lines:])


def _finish(run: SlotRun, status: int) -> None:
    """What a slot's pytest left: its counts and a line saying what went wrong."""
    run.status = status
    run.suite = _read_suite(run.xml)
    if run.suite is None:
        run.detail = f"pytest left no JUnit file (status {status}): {_tail(run.log)}"
        run.suite = _error_suite(run.slot, run.detail)
        ET.ElementTree(run.suite).write(run.xml, encoding="utf-8", xml_declaration=True)
        run.counts = _counts(run.suite)
        return
    run.counts = _counts(run.suite)
    notes = []
    # pytest's exit status: 0 passed, 1 tests failed, 2 interrupted, 3 internal
    # error, 4 usage error, 5 no tests collected
    if status == 2:
        notes.append("interrupted")
    elif status in (3, 4):
        notes.append(f"pytest failed (status {status}): {_tail(run.log)}")
    elif status == 5:
        notes.append("no tests ran (-k matched none?)")
    bad = _names(run.suite, "failure") + _names(run.suite, "error")
    if bad:
        why = _first_message(run.suite, ("failure", "error"))
        notes.append("failed: " + ", ".join(dict.fromkeys(bad)) + (f" ({why})" if why else ""))
    elif not notes and _names(run.suite, "skipped"):
        notes.append("skipped: " + ", ".join(_names(run.suite, "skipped")))
    run.detail = "; ".join(notes)


def _merge(runs: list[SlotRun], path: Path, seconds: float) -> dict[str, int]:
    """junit.xml: every slot's testsuite; class names prefixed with the slot,
    which tells a CI server's per-test history the slots apart."""
    top = ET.Element("testsuites", name="farm test")
    total = dict.fromkeys(COUNTS, 0)
    for run in runs:
        assert run.suite is not None
        suite = run.suite
        for case in suite.iter("testcase"):
            case.set("classname", f"{slot_name(run.slot)}.{case.get('classname', '')}")
        top.append(suite)
        for k in COUNTS:
            total[k] += run.counts[k]
    for k, v in total.items():
        top.set(k, str(v))
    top.set("time", f"{seconds:.3f}")
    ET.indent(top)
    ET.ElementTree(top).write(path, encoding="utf-8", xml_declaration=True)
    return total


def _pytest_cmd(suite: str, env_file: Path, run: SlotRun, console: Path,
                keyword: str | None) -> list[str]:
    # labgrid's plugin: farm/hil/pytest.ini loads it; no other plugin is loaded
    cmd = [sys.executable, "-m", "pytest", str(HIL_DIR / suite), "--lg-env", str(env_file),
           "--junitxml", str(run.xml), "-o", f"junit_suite_name={slot_name(run.slot)}",
           "--farm-console-log", str(console), "-v", "-rfEs"]
    if keyword:
        cmd += ["-k", keyword]
    return cmd


def _table(runs: list[SlotRun]) -> list[str]:
    lines = [f"{'SLOT':>4}  {'PASSED':>6} {'FAILED':>6} {'ERRORS':>6} {'SKIPPED':>7} "
             f"{'TIME':>7}  {'RESULT':<6}  DETAIL"]
    for r in runs:
        c = r.counts
        lines.append(f"{r.slot:>4}  {r.passed:>6} {c['failures']:>6} {c['errors']:>6} "
                     f"{c['skipped']:>7} {r.seconds:6.1f}s  {'ok' if r.ok else 'FAILED':<6}  "
                     f"{r.detail}")
    return lines


def _interrupt(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop our pytest processes so that each still writes its JUnit file: a
    terminal's Ctrl-C has reached them already, a SIGINT sent to farm alone
    has not; SIGINT to those still running, SIGKILL to any that hang."""
    deadline = time.monotonic() + 2
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def command(ch: Chassis, slots: list[int], every: bool, suite: str | None,
            keyword: str | None, log_dir: Path | None) -> int:
    """farm test SLOT... | --all [--suite S] [-k EXPR] [--log-dir D]; its exit code."""
    if suite is None:
        raise FarmError(f"no suite has tests in {HIL_DIR}", USAGE)
    slots = pick_slots(ch, slots, every)
    if importlib.util.find_spec("pytest") is None:
        raise FarmError("pytest is not installed (pip install pytest)")
    log_dir = log_dir or DEFAULT / time.strftime("test-%Y%m%d-%H%M%S")
    log_dir.mkdir(parents=True, exist_ok=True)
    logs = LogDir(log_dir.resolve())
    ensure_sim_up(ch)
    root = tftp_root(ch)

    t0 = time.monotonic()
    interrupted = False
    runs = [SlotRun(n, logs.junit(n), logs.pytest_log(n)) for n in slots]
    with ExitStack() as stack:
        pending = _lock(ch, runs, stack)
        if pending:
            # kept with the logs: the TFTP root only links to it
            logs.hil_image.write_bytes(os.urandom(IMAGE_SIZE))
            [image] = stage([logs.hil_image], root)
            stack.callback(image.path.unlink, missing_ok=True)
            print(f"farm test: suite {suite} on {slot_list([r.slot for r in pending])}; image "
                  f"{image.name}, {image.size} bytes; logs in {logs.dir}", flush=True)
            _start(ch, pending, suite, keyword, logs, image, stack)
        interrupted = _wait(ch, pending)
    return _report(runs, logs, time.monotonic() - t0, interrupted)


def _lock(ch: Chassis, runs: list[SlotRun], stack: ExitStack) -> list[SlotRun]:
    """The runs whose slots' locks stack now holds; a slot someone else holds
    gets its error suite and is not tested."""
    locked = []
    for run in runs:
        run.xml.unlink(missing_ok=True)
        try:
            stack.enter_context(SlotLock(ch.sim_dir, run.slot))
            locked.append(run)
        except SlotBusy as e:
            run.suite = _error_suite(run.slot, str(e))
            ET.ElementTree(run.suite).write(run.xml, encoding="utf-8", xml_declaration=True)
            run.counts = _counts(run.suite)
            run.detail = str(e)
            print(f"slot {run.slot:2}: not tested: {e}", file=sys.stderr, flush=True)
    return locked


def _start(ch: Chassis, runs: list[SlotRun], suite: str, keyword: str | None, logs: LogDir,
           image: Image, stack: ExitStack) -> None:
    """Each run's pytest, on the slot's labgrid environment, in the background."""
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
           LOCKED_ENV: ",".join(str(r.slot) for r in runs)}
    for run in runs:
        env_file = write_environment(logs.environment(run.slot), ch, run.slot, image.path,
                                     image.name)
        console = logs.console_log(run.slot)
        console.unlink(missing_ok=True)
        run.out = stack.enter_context(open(run.log, "wb"))  # noqa: SIM115 - stack closes it
        run.t0 = time.monotonic()
        run.proc = subprocess.Popen(
            _pytest_cmd(suite, env_file, run, console, keyword),
            stdin=subprocess.DEVNULL, stdout=run.out, stderr=subprocess.STDOUT,
            cwd=logs.dir, env=env)


def _wait(ch: Chassis, pending: list[SlotRun]) -> bool:
    """Each run to its end, a line as each ends; True if interrupted (Ctrl-C)."""
    try:
        while pending:
            for run in list(pending):
                assert run.proc is not None
                status = run.proc.poll()
                if status is None:
                    continue
                run.seconds = time.monotonic() - run.t0
                _finish(run, status)
                pending.remove(run)
                results.record(ch.sim_dir, run.slot, "test", run.ok,
                               run.detail or f"{run.passed} passed")
                c = run.counts
                print(f"slot {run.slot:2}: {run.passed} passed, {c['failures']} failed, "
                      f"{c['errors']} errors, {c['skipped']} skipped in "
                      f"{run.seconds:.1f} s" + (f"; {run.detail}" if run.detail else ""),
                      flush=True)
            time.sleep(0.1)
    except KeyboardInterrupt:
        print("farm test: interrupted; stopping the slots' pytest", file=sys.stderr,
              flush=True)
        _interrupt([r.proc for r in pending if r.proc is not None])
        for run in pending:
            assert run.proc is not None
            run.seconds = time.monotonic() - run.t0
            _finish(run, run.proc.returncode)
        return True
    return False


def _report(runs: list[SlotRun], logs: LogDir, seconds: float, interrupted: bool) -> int:
    """junit.xml, the table and the summary line (printed and in summary.txt);
    the exit code."""
    total = _merge(runs, logs.merged_junit, seconds)
    failed = [r.slot for r in runs if not r.ok]
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    summary = (f"farm test: {len(runs)} slot{'s' if len(runs) > 1 else ''}, {passed} passed, "
               f"{total['failures']} failed, {total['errors']} errors, {total['skipped']} "
               f"skipped in {seconds:.1f} s: "
               + (f"FAILED ({slot_list(failed)})" if failed else "ok")
               + ("; interrupted" if interrupted else ""))
    lines = ["", *_table(runs), "", summary, f"logs: {logs.dir} (junit.xml)"]
    print("\n".join(lines))
    logs.summary.write_text("\n".join(lines[1:]) + "\n")
    return 1 if failed or interrupted else 0
