# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark 2, the link: frames through the rings between a board and pcinetd.

    .venv/bin/python bench/link.py [--runs N] [--quick] [--json FILE]

Brings up a one-slot chassis whose board is the test firmware
(build/sim/pcinet-sim-board --valid): its network side is the protocol's
reference echo board, which pulls every host frame with its DMA controller
(h2b ring) and sends it straight back (b2h ring: payload, completion and
index in one DMA chain). pcinetd serves the host side and its TAP pcinet1.
Inside the chassis' network namespace a raw socket on pcinet1 keeps a window
of frames in flight for a fixed time at 64, 512 and 1500 bytes (whole
Ethernet frames) and checks every echo. Each frame crosses the ring once in
each direction, so frames/s is the same h2b and b2h; MB/s is given per
direction. The ceiling is memcpy on the same machine (a small C program:
1500-byte buffers in cache, and 64 MiB buffers). Needs root (netns, TAP).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    REPO,
    lc_args,
    lc_chassis,
    lc_machine,
    lc_median,
    lc_slot,
    lc_wait,
    lc_write_json,
)

SIZES = (64, 512, 1500)
ETH_P = 0x88B5  # local experimental EtherType, as tests/py/netns_frames.py
PACKET_OUTGOING = 4
SOL_PACKET = 263
PACKET_IGNORE_OUTGOING = 23
WINDOW = 32  # frames in flight: the test board holds 32 frames (NET_BUFS)
COUNTERS = ("tx_frames", "tx_bytes", "rx_frames", "rx_bytes", "tx_dropped", "tx_lost",
            "rx_errors", "rx_dropped", "misbehaved")

MEMCPY_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
/* bytes per second copying len-byte buffers for about secs seconds */
static double rate(size_t len, double secs)
{
    char *src = malloc(len), *dst = malloc(len);
    unsigned long n = 0, batch = len < 65536 ? 100000 : 1;
    double t0, t;
    memset(src, 0x5a, len);
    memset(dst, 0xa5, len);
    memcpy(dst, src, len);
    t0 = now();
    do {
        for (unsigned long i = 0; i < batch; i++) {
            memcpy(dst, src, len);
            __asm__ volatile("" ::: "memory");
        }
        n += batch;
        t = now();
    } while (t - t0 < secs);
    free(src);
    free(dst);
    return (double)n * len / (t - t0);
}
int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.5;
    printf("{\"1500\": %.0f, \"67108864\": %.0f}\n", rate(1500, secs),
           rate(64u << 20, secs));
    return 0;
}
"""


# -- inside the namespace ------------------------------------------------------

# The load generator is C: a Python loop tops out near 75 000 frames/s on
# its own, whatever the size, and would measure itself rather than the ring.
WORKER_C = r"""
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#define ETH_P 0x88B5
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
int main(int argc, char **argv)
{
    const char *ifname = argv[1];
    double seconds = atof(argv[3]);
    unsigned long window = strtoul(argv[4], NULL, 10);
    struct sockaddr_ll sll = { 0 };
    socklen_t slen = sizeof(sll);
    int one = 1, rcv = 4 << 20, first = 1;
    unsigned char frame[2048], in[4096];
    struct timeval tv = { 1, 0 };
    char *sizes = strdup(argv[2]), *tok;
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P));

    if (s < 0) { perror("socket"); return 1; }
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P);
    sll.sll_ifindex = if_nametoindex(ifname);
    if (bind(s, (void *)&sll, sizeof(sll))) { perror("bind"); return 1; }
    setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    getsockname(s, (void *)&sll, &slen);
    memset(frame, 0xff, 6);
    memcpy(frame + 6, sll.sll_addr, 6);
    frame[12] = ETH_P >> 8;
    frame[13] = ETH_P & 0xff;
    printf("[");
    for (tok = strtok(sizes, ","); tok; tok = strtok(NULL, ",")) {
        unsigned long size = strtoul(tok, NULL, 10), i;
        unsigned long sent = 0, got = 0, lost = 0, bad = 0;
        double t0, t_last, end, c0;

        for (i = 18; i < size; i++)
            frame[i] = (unsigned char)(i * 7 + size);
        c0 = cpu();
        t0 = t_last = now();
        end = t0 + seconds;
        for (;;) {
            unsigned long seq;
            ssize_t n;

            if (now() < end) {
                while (sent - got - lost < window) {
                    memcpy(frame + 14, &sent, 4);
                    if (send(s, frame, size, 0) != (ssize_t)size) {
                        perror("send");
                        return 1;
                    }
                    sent++;
                }
            } else if (sent == got + lost) {
                break;
            }
            n = recv(s, in, sizeof(in), 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    lost = sent - got;
                    continue;
                }
                perror("recv");
                return 1;
            }
            seq = 0;
            memcpy(&seq, in + 14, 4);
            if ((unsigned long)n == size && seq == ((got + lost) & 0xffffffffUL) &&
                !memcmp(in + 18, frame + 18, size - 18)) {
                got++;
                t_last = now();
            } else {
                bad++;
            }
        }
        printf("%s{\"size\": %lu, \"sent\": %lu, \"echoed\": %lu, \"lost\": %lu, "
               "\"bad\": %lu, \"seconds\": %.6f, \"worker_cpu\": %.6f}",
               first ? "" : ", ", size, sent, got, lost, bad, t_last - t0, cpu() - c0);
        first = 0;
    }
    printf("]\n");
    return 0;
}
"""


def build_c(source: str, name: str, tmp: Path) -> Path:
    src = tmp / f"{name}.c"
    exe = tmp / name
    src.write_text(source)
    subprocess.run(["cc", "-O2", "-Wall", "-o", str(exe), str(src)], check=True)
    return exe


# -- outside -------------------------------------------------------------------

def memcpy_rates(exe: Path, seconds: float) -> dict[str, float]:
    res = subprocess.run([str(exe), str(seconds)], capture_output=True, text=True,
                         check=True, timeout=60)
    rates: dict[str, float] = json.loads(res.stdout)
    return rates


def proc_cpu(pid: int) -> float:
    """utime + stime of pid, seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def state(directory: Path) -> dict[str, Any]:
    from pcinet_sim.supervisor import read_state

    st = read_state(directory) or {}
    return dict(st)


def one_run(directory: Path, netns: str, exe: Path, seconds: float, window: int,
            pids: dict[str, int]) -> list[dict[str, Any]]:
    before = lc_slot(directory)
    cpu0 = {k: proc_cpu(p) for k, p in pids.items()}
    t0 = time.monotonic()
    res = subprocess.run(["ip", "netns", "exec", netns, str(exe),
                          "pcinet1", ",".join(map(str, SIZES)), str(seconds), str(window)],
                         capture_output=True, text=True, timeout=60 + 4 * seconds * len(SIZES),
                         check=False)
    wall = time.monotonic() - t0
    if res.returncode != 0:
        raise RuntimeError(f"worker failed: {res.stderr}")
    cpu = {k: (proc_cpu(p) - cpu0[k]) / wall for k, p in pids.items()}
    after = lc_slot(directory)
    rows: list[dict[str, Any]] = json.loads(res.stdout)
    for row in rows:
        secs = row["seconds"] or 1e-9
        row["fps"] = row["echoed"] / secs
        row["mbps_per_direction"] = row["echoed"] * row["size"] / secs / 1e6
    rows[0]["pcinetd_delta"] = {k: int(after[k]) - int(before[k]) for k in COUNTERS}
    rows[0]["cpu_share"] = cpu
    return rows


def main() -> int:
    args = lc_args("link", __doc__ or "", 5, lambda p: p.add_argument(
        "--window", type=int, default=WINDOW,
        help=f"frames in flight (default {WINDOW}, the test board's frame buffers)"))
    runs: int = args.runs
    seconds = 1.0 if args.quick else 3.0
    board = REPO / "build" / "sim" / "pcinet-sim-board"
    if not board.exists():
        print(f"{board} is not built (make sim)", file=sys.stderr)
        return 1
    if os.geteuid() != 0:
        print("needs root: network namespace and TAP", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-link-") as tmp:
        return measure(args, runs, seconds, board, Path(tmp))


def measure(args: Any, runs: int, seconds: float, board: Path, tmp: Path) -> int:
    directory = args.dir or tmp / "chassis"
    worker = build_c(WORKER_C, "frames", tmp)
    print(f"memcpy ceiling ({'quick' if args.quick else 'full'}) ...", flush=True)
    memcpy = build_c(MEMCPY_C, "memcpy", tmp)
    mem_runs = [memcpy_rates(memcpy, 0.3 if args.quick else 1.0) for _ in range(runs)]
    results: dict[int, list[dict[str, Any]]] = {n: [] for n in SIZES}
    extra: list[dict[str, Any]] = []
    with lc_chassis(directory, "--board", f"{board} --valid", boot_timeout=60):
        lc_wait("slot 1 to attach", lambda: lc_slot(directory)["state"] == "attached"
                and bool(lc_slot(directory)["carrier"]))
        st = state(directory)
        netns = str(st["netns"])
        boards = st.get("boards") or {}
        pids = {"board": int(boards["1"]["pid"]), "pcinetd": int(st["pcinetd"]["pid"])}
        for r in range(runs):
            print(f"run {r + 1}/{runs}: {seconds:.0f} s per size ...", flush=True)
            rows = one_run(directory, netns, worker, seconds, args.window, pids)
            extra.append({"pcinetd_delta": rows[0].pop("pcinetd_delta"),
                          "cpu_share": rows[0].pop("cpu_share")})
            for row in rows:
                results[row["size"]].append(row)
        final = lc_slot(directory)
    mem = {k: lc_median([m[k] / 1e6 for m in mem_runs]) for k in ("1500", "67108864")}
    figures: dict[str, Any] = {}
    print(f"\n{'frame':>6} {'frames/s':>10} {'MB/s each way':>14} {'both ways':>10} "
          f"{'lost':>5} {'bad':>4}")
    for size in SIZES:
        rows = results[size]
        fps = lc_median([r["fps"] for r in rows])
        mbps = lc_median([r["mbps_per_direction"] for r in rows])
        lost = sum(r["lost"] for r in rows)
        bad = sum(r["bad"] for r in rows)
        figures[str(size)] = {
            "frames_per_s_median": fps, "mb_per_s_each_direction_median": mbps,
            "mb_per_s_both_directions_median": 2 * mbps, "lost": lost, "bad": bad,
            "runs": rows}
        print(f"{size:>6} {fps:>10.0f} {mbps:>14.2f} {2 * mbps:>10.2f} {lost:>5} {bad:>4}")
    ratio = figures["1500"]["mb_per_s_each_direction_median"] / mem["1500"]
    print(f"\nmemcpy: 1500-byte buffers {mem['1500']:.0f} MB/s, "
          f"64 MiB buffers {mem['67108864']:.0f} MB/s")
    print(f"ring at 1500 B / memcpy 1500 B: {ratio:.4f} (target >= 0.5) "
          f"{'MET' if ratio >= 0.5 else 'NOT MET'}")
    cpu = {k: lc_median([e["cpu_share"][k] for e in extra]) for k in extra[0]["cpu_share"]}
    print("CPU share during runs (1.0 = one core): "
          + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
    lc_write_json(args.json, {
        "benchmark": "link",
        "machine": lc_machine(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quick": args.quick,
        "setup": {"board": "pcinet-sim-board --valid (echo)", "host": "pcinetd",
                  "window": args.window, "seconds_per_size": seconds,
                  "frame_bytes": "whole Ethernet frame, header included",
                  "directions": "echo: every frame crosses h2b then b2h; the frame rate "
                                "is the same both ways"},
        "figures": figures,
        "memcpy_mb_per_s": {"1500": {"median": mem["1500"],
                                     "runs": [m["1500"] / 1e6 for m in mem_runs]},
                            "64MiB": {"median": mem["67108864"],
                                      "runs": [m["67108864"] / 1e6 for m in mem_runs]}},
        "ratio_ring1500_to_memcpy1500": ratio,
        "target_half_of_memcpy_met": ratio >= 0.5,
        "cpu_share_median": cpu,
        "pcinetd_per_run": [e["pcinetd_delta"] for e in extra],
        "pcinetd_final": {k: final[k] for k in COUNTERS},
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
