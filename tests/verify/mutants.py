#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Mutants of the host state machine, each one caught by the explorer.

Every check in the step functions of include/pcinet/pcinet_host_sm.h (the
condition of each if/else-if, each `bool x = ...` and each boolean
`return ...`, and each operand of their && and ||) is removed in turn: forced
true, then forced false. Each mutated copy of the header goes to
build/verify/mutants/NN/pcinet/pcinet_host_sm.h; tests/verify/host.c is
compiled against it (that directory first on the include path, so it shadows
the real header; the explorer prints which header it ran) and linked with the
rest of the explorer, which then runs with the same options as the real
header. A mutant must be caught (a property violated: its short trace is
printed) or be listed in tests/verify/equivalent.txt with the reason no
property of docs/protocol.md 10.11 can tell it from the real header. A listed
mutant that is caught is an error too: the list stays honest.

Exit status: 0 every mutant caught or listed, 1 otherwise, 2 usage or build
error.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEADER = ROOT / "include/pcinet/pcinet_host_sm.h"
ALLOW = ROOT / "tests/verify/equivalent.txt"
WARN = ["-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes",
        "-Wmissing-prototypes"]
CFLAGS = ["-O1", "-std=gnu11", *WARN]
# the explorer's options for the real header and every mutant: the model
# with the fix of finding F1 (docs/protocol.md 10.11), then, for
# a mutant that model does not catch, the same with the board's 100 ms stop
# timeout (10.1 rule 6), where the host can miss a re-initialisation
EXPLORE_RUNS = [["-q", "-f", "1"], ["-q", "-t", "-f", "1"]]
# functions that are not steps of the machine
NOT_STEPS = {"pcinet_host_state_name", "pcinet_host_act_name", "pcinet_host_sm_init"}


@dataclass
class Mutant:
    num: int
    key: str        # "function: check -> true", stable across edits elsewhere
    text: str       # the mutated header
    result: str = ""
    detail: str = ""
    secs: float = 0.0


def match_paren(s: str, i: int) -> int:
    """Index of the bracket closing the one at s[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for j in range(i, len(s)):
        c = s[j]
        if c in pairs:
            stack.append(pairs[c])
        elif stack and c == stack[-1]:
            stack.pop()
            if not stack:
                return j
    raise ValueError(f"unbalanced bracket at {i}")


def functions(src: str):
    """(name, returns_bool, body_start, body_end) of each step function."""
    for m in re.finditer(r"static inline ([\w ]+?)\s*\*?\s*(pcinet_host_\w+)\s*\(",
                         src):
        name = m.group(2)
        if name in NOT_STEPS:
            continue
        params_end = match_paren(src, m.end() - 1)
        brace = src.index("{", params_end)
        yield name, m.group(1).strip().endswith("bool"), brace, match_paren(src, brace)


def top_split(s: str, a: int, b: int) -> list[tuple[int, int]]:
    """Operands of the && / || at depth 0 of s[a:b], as stripped spans."""
    parts, depth, start, i = [], 0, a, a
    while i < b:
        c = s[i]
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        elif depth == 0 and s[i:i + 2] in ("&&", "||"):
            parts.append((start, i))
            start = i + 2
            i += 1
        i += 1
    parts.append((start, b))
    out = []
    for x, y in parts:
        while x < y and s[x].isspace():
            x += 1
        while y > x and s[y - 1].isspace():
            y -= 1
        out.append((x, y))
    return out


def atoms(s: str, a: int, b: int) -> list[tuple[int, int]]:
    """Every operand of the && / || in s[a:b], nested ones too."""
    parts = top_split(s, a, b)
    if len(parts) == 1:
        x, y = parts[0]
        if s[x] == "(" and match_paren(s, x) == y - 1:
            return atoms(s, x + 1, y - 1)
        return []
    out = []
    for x, y in parts:
        out.append((x, y))
        if s[x] == "(" and match_paren(s, x) == y - 1:
            out.extend(atoms(s, x + 1, y - 1))
    return out


def checks(src: str):
    """(function, start, end) of every check: conditions and bool values."""
    for name, returns_bool, lo, hi in functions(src):
        body = src[lo:hi]
        for m in re.finditer(r"\bif\s*\(", body):
            o = lo + m.end() - 1
            yield name, o + 1, match_paren(src, o)
        for m in re.finditer(r"\bbool\s+\w+\s*=\s*", body):
            a = lo + m.end()
            yield name, a, src.index(";", a)
        if returns_bool:
            for m in re.finditer(r"\breturn\s+", body):
                a = lo + m.end()
                yield name, a, src.index(";", a)


def norm(t: str) -> str:
    return " ".join(t.split())


def mutants(src: str) -> list[Mutant]:
    spans = []
    for name, a, b in checks(src):
        spans.append((name, a, b))
        spans.extend((name, x, y) for x, y in atoms(src, a, b))
    seen_texts = {src}
    seen_keys: dict[str, int] = {}
    out: list[Mutant] = []
    for name, a, b in sorted(set(spans), key=lambda t: (t[1], -t[2])):
        orig = src[a:b]
        base = f"{name}: {norm(orig)}"
        n = seen_keys[base] = seen_keys.get(base, 0) + 1
        if n > 1:
            base += f" [{n}]"
        for forced, repl in (("true", f"(1 || ({orig}))"),
                             ("false", f"(0 && ({orig}))")):
            text = src[:a] + repl + src[b:]
            if text in seen_texts:
                continue
            seen_texts.add(text)
            out.append(Mutant(len(out) + 1, f"{base} -> {forced}", text))
    return out


def load_allow() -> dict[str, str]:
    allow = {}
    for line in ALLOW.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, reason = line.partition("  # ")
        allow[key.strip()] = reason.strip()
    return allow


def run(m: Mutant, build: Path, objs: list[Path], timeout: float) -> None:
    t0 = time.monotonic()
    build_and_explore(m, build, objs, timeout)
    m.secs = time.monotonic() - t0


def build_and_explore(m: Mutant, build: Path, objs: list[Path],
                      timeout: float) -> None:
    d = build / f"{m.num:03d}"
    (d / "pcinet").mkdir(parents=True, exist_ok=True)
    marker = f'#define PCINET_VERIFY_MUTANT "{m.num:03d}"\n'
    (d / "pcinet/pcinet_host_sm.h").write_text(
        f"/* mutant {m.num:03d}: {m.key} */\n" + marker + m.text)
    exe = d / "explore"
    cc = os.environ.get("CC", "gcc")
    r = subprocess.run(
        [cc, *CFLAGS, f"-I{d}", f"-I{ROOT}/include", f"-I{ROOT}/include/pcinet",
         "-o", str(exe), str(ROOT / "tests/verify/host.c"), *map(str, objs)],
        capture_output=True, text=True)
    if r.returncode:
        m.result, m.detail = "build", r.stderr.strip().splitlines()[0]
        return
    for opts in EXPLORE_RUNS:
        explore(m, d, exe, opts, timeout)
        if m.result != "survived":
            return


def explore(m: Mutant, d: Path, exe: Path, opts: list[str], timeout: float) -> None:
    try:
        r = subprocess.run([str(exe), *opts], capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        m.result = "caught"
        m.detail = f"no answer in {timeout:.0f} s (pcinet_host_sm_next() loops)"
        return
    (d / "result.txt").write_text(" ".join(opts) + "\n" + r.stdout + r.stderr)
    if r.returncode == 2:
        # the machine made a state the model refuses: caught as well
        m.result = "caught"
        m.detail = "model error: " + (r.stderr.strip() or r.stdout.strip())[:160]
    elif r.returncode == 0 and f"mutant {m.num:03d}" not in r.stdout:
        m.result, m.detail = "build", "the mutant did not shadow the header"
    elif r.returncode == 0:
        m.result = "survived"
    elif r.returncode == 1:
        lines = r.stdout.splitlines()
        viol = next((x for x in lines if x.startswith("VIOLATION")), "?")
        trace = next((x.strip() for x in lines if x.strip().startswith("trace:")), "")
        last = next((x.strip() for x in lines if x.strip().startswith("-->")), "")
        cyc = next((x.strip() for x in lines if "fair cycle" in x), "")
        last = " ".join(last.split()[:8]) if last else cyc[:100]
        model = " (-t)" if "-t" in opts else ""
        m.result = "caught"
        m.detail = "\n      ".join(x for x in (viol + model, trace, last) if x)
    else:
        m.result, m.detail = "build", f"exit {r.returncode}: {r.stderr.strip()[:160]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=str(ROOT / "build/verify"),
                    help="where explore.o and board.o are, mutants go under it")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--list", action="store_true", help="list the mutants only")
    ap.add_argument("--model", default="",
                    help="more explorer options for every run, e.g. '-g 3'")
    ap.add_argument("--only", default="",
                    help="run only these mutant numbers (comma-separated)")
    args = ap.parse_args()

    src = HEADER.read_text()
    ms = mutants(src)
    if args.list:
        for m in ms:
            print(f"{m.num:03d} {m.key}")
        return 0
    build = Path(args.build)
    objs = [build / "explore.o", build / "board.o"]
    if not all(o.exists() for o in objs):
        print(f"mutants: build {objs[0]} and {objs[1]} first (make verify)",
              file=sys.stderr)
        return 2
    allow = load_allow()
    out = build / "mutants"
    if args.model:
        for opts in EXPLORE_RUNS:
            opts.extend(args.model.split())
    all_keys = {m.key for m in ms}
    if args.only:
        keep = {int(x) for x in args.only.split(",")}
        ms = [m for m in ms if m.num in keep]
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(lambda m: run(m, out, objs, args.timeout), ms))
    secs = time.monotonic() - t0

    bad = 0
    caught = listed = 0
    for m in ms:
        reason = allow.get(m.key)
        if m.result == "caught" and reason is None:
            caught += 1
            print(f"{m.num:03d} caught    {m.key}  ({m.secs:.1f} s)\n      {m.detail}")
        elif m.result == "survived" and reason is not None:
            listed += 1
            print(f"{m.num:03d} listed    {m.key}\n      equivalent: {reason}")
        elif m.result == "caught":
            bad += 1
            print(f"{m.num:03d} LISTED BUT CAUGHT  {m.key}\n      {m.detail}\n"
                  f"      remove it from {ALLOW.relative_to(ROOT)}")
        elif m.result == "survived":
            bad += 1
            print(f"{m.num:03d} SURVIVED  {m.key}\n      no property tells it "
                  f"from the real header: add one, or list it in "
                  f"{ALLOW.relative_to(ROOT)} with the reason")
        else:
            bad += 1
            print(f"{m.num:03d} BUILD     {m.key}\n      {m.detail}")
    stale = set(allow) - all_keys
    for key in sorted(stale):
        bad += 1
        print(f"    STALE     {key}\n      in {ALLOW.relative_to(ROOT)} but no "
              "such mutant")
    print(f"mutants: {len(ms)} generated, {caught} caught, {listed} listed "
          f"equivalent, {bad} failed, {secs:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
