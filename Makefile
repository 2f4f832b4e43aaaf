# SPDX-License-Identifier: GPL-2.0-or-later
#
# PCINet top-level build. The two commands a new user needs:
#   make demo    the main job on the simulated chassis
#   make test    every test (installs what it needs first)
# Everything builds into build/; `make help` lists the rest.

SHELL := /bin/bash
.DEFAULT_GOAL := all

BUILD := build
CC ?= gcc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS := -O2 -g -std=gnu11 $(WARN) -Iinclude -Isim/include
PIC := -fPIC -fvisibility=default
VENV := .venv
PY := $(VENV)/bin/python

SIM_LIB := $(BUILD)/sim/libpcinetsim.so
SIM_BOARD := $(BUILD)/sim/pcinet-sim-board
SIM_SRCS := $(wildcard sim/lib/*.c)
SIM_OBJS := $(SIM_SRCS:%.c=$(BUILD)/%.o)
HEADERS := $(wildcard include/pcinet/*.h) sim/include/pcinet_sim.h
C_TESTS := $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))

.PHONY: all help deps venv sim host host-asan uboot uboot-patches linux vpci uml test test-c test-c-asan test-fuzz fuzz verify test-uboot-style test-headers test-py lint demo bench clean

all: sim host

help:
	@echo "make demo          bring a simulated 19-slot chassis up, use it, take it down"
	@echo "make test          install what is missing, build, run every test"
	@echo "make sim           build the simulated chassis (library, test board)"
	@echo "make host          the host daemon build/host/pcinetd (host-asan: its ASan build)"
	@echo "make uboot         U-Boot sandbox and MPC837x with the PCINet drivers"
	@echo "make uboot-patches the U-Boot drivers as a format-patch series"
	@echo "make linux         the Linux drivers: build/linux-x86_64/pcinet_host.ko (and its"
	@echo "                   UML build when make uml ran), build/linux-ppc/pcinet_fsl.ko;"
	@echo "                   W=1, sparse, checkpatch --strict"
	@echo "make uml           user-mode Linux with PCI over virtio (build/linux-uml) and the"
	@echo "                   device process build/sim/pcinet-vpci (docs/uml.md)"
	@echo "make test-c        C unit tests of the hardware model and protocol helpers"
	@echo "make test-c-asan   the same under AddressSanitizer and UBSan"
	@echo "make test-fuzz     pcinetd against a lying board, fixed seeds (ASan, UBSan)"
	@echo "make fuzz          the same, longer, random seed: FUZZ_SECONDS=300"
	@echo "make verify        the handshake model-checked over pcinet_host_sm.h, its"
	@echo "                   findings, and every mutant of the machine caught"
	@echo "make test-headers  compile include/pcinet/ for user space, sparse, the kernel"
	@echo "make test-uboot-style  U-Boot checkpatch and sparse on our U-Boot files"
	@echo "make test-py       pytest (binding, supervisor, chassis, U-Boot drivers)"
	@echo "make lint          ruff and mypy"
	@echo "make bench         the benchmarks, side by side: build/bench.json (BENCH=--quick)"
	@echo "make clean         remove build/ (keeps .venv)"

deps:
	@scripts/bootstrap.sh debs

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml scripts/bootstrap.sh
	@scripts/bootstrap.sh venv

sim: $(SIM_LIB) $(SIM_BOARD)

# The user-space host daemon (host/Makefile)
host: sim
	$(MAKE) -C host

host-asan: sim
	$(MAKE) -C host asan

# Debian's u-boot 2023.01 source with our drivers: build/u-boot-sandbox/u-boot
# and build/u-boot-mpc837x/u-boot.bin (scripts/uboot.sh says how)
uboot: sim
	@scripts/uboot.sh build

uboot-patches:
	@scripts/uboot-patches.sh

# The Linux drivers (docs/linux-host.md, docs/linux-fsl.md); the host driver
# is also built for ARCH=um when the UML tree is there (make uml first).
# make test skips the one-time PowerPC kernel build (10-20 min on two cores)
# that only lets modpost check pcinet_fsl's symbols: PCINET_FSL_KERNEL=0,
# unless set otherwise. make linux does it all.
linux: sim
	@scripts/linux-host.sh >/dev/null
	@scripts/linux-fsl.sh >/dev/null

# A slot of the simulated chassis as a PCI device of a UML kernel (docs/uml.md)
vpci: sim
	$(MAKE) -C sim/vpci

uml: vpci
	@scripts/linux-uml.sh >/dev/null

$(BUILD)/sim/lib/%.o: sim/lib/%.c $(HEADERS) sim/lib/sim_internal.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PIC) -pthread -c $< -o $@

$(SIM_LIB): $(SIM_OBJS)
	@mkdir -p $(@D)
	$(CC) -shared -pthread -Wl,-z,defs -o $@ $^

$(SIM_BOARD): $(wildcard sim/board/*.c sim/board/*.h) $(SIM_LIB) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) -L$(BUILD)/sim -lpcinetsim -Wl,-rpath,'$$ORIGIN' -pthread

$(BUILD)/tests/%: tests/c/%.c tests/c/unit.h $(SIM_LIB) $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/c -o $@ $< -L$(BUILD)/sim -lpcinetsim \
		-Wl,-rpath,'$$ORIGIN/../sim' -pthread

test-c: $(C_TESTS)
	@set -e; for t in $(C_TESTS); do echo "== $$t"; $$t; done

test-headers: sim
	@scripts/check-headers.sh $(BUILD)/headers

# U-Boot's checkpatch and sparse on our files, and the series' checkpatch
test-uboot-style: uboot
	@scripts/uboot.sh check
	@scripts/uboot-patches.sh

test-py: venv sim host host-asan
	$(PY) -m pytest -q tests/py

lint: venv
	$(PY) -m ruff check sim/python farm tests/py tests/kernel bench
	$(PY) -m mypy

test: deps venv sim
	$(MAKE) test-c
	$(MAKE) verify
	$(MAKE) test-c-asan
	$(MAKE) test-fuzz
	$(MAKE) test-headers
	$(MAKE) uml
	PCINET_FSL_KERNEL=$${PCINET_FSL_KERNEL:-0} $(MAKE) linux
	$(MAKE) uboot
	$(MAKE) test-uboot-style
	$(MAKE) lint
	$(MAKE) test-py

demo: deps venv sim host uboot
	@scripts/demo.sh

# Every benchmark in one run (bench/run.py; docs/benchmarks.md); BENCH=--quick
bench: deps venv sim host uboot
	@scripts/bootstrap.sh bench
	$(PY) bench/run.py $(BENCH)

clean:
	rm -rf $(BUILD)

# pcinetd's handling of what boards write, fuzzed (host/fuzz_net.c). The
# fixed seeds make `make test` repeatable; `make fuzz` explores.
FUZZ_SECONDS ?= 120
test-fuzz: sim
	$(MAKE) -C host fuzz
	@set -e; for seed in 1 2 3; do \
		$(BUILD)/host/fuzz-net --seed $$seed --iterations 100000 \
			--log $(BUILD)/host/fuzz-net-$$seed.log; done

fuzz: sim
	$(MAKE) -C host fuzz
	$(BUILD)/host/fuzz-net --seed $$(date +%s) --iterations 4000000000 \
		--seconds $(FUZZ_SECONDS) --log $(BUILD)/host/fuzz-net.log

# The same C tests built with AddressSanitizer and UBSan: the model must not
# read or write out of bounds whatever a test (or a misbehaving side) does.
ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_TESTS := $(patsubst tests/c/%.c,$(BUILD)/asan/%,$(wildcard tests/c/test_*.c))

$(BUILD)/asan/%: tests/c/%.c tests/c/unit.h $(SIM_SRCS) $(HEADERS) sim/lib/sim_internal.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(ASAN) -Itests/c -o $@ $< $(SIM_SRCS) -pthread

test-c-asan: $(ASAN_TESTS)
	@set -e; for t in $(ASAN_TESTS); do echo "== $$t"; $$t; done

# The registers-valid handshake, model-checked (docs/protocol.md 10.11):
# every interleaving of the real pcinet_host_sm.h with a board and resets,
# the findings it shows, then each check of the machine removed in turn.
VERIFY := $(BUILD)/verify
VERIFY_OBJS := $(VERIFY)/explore.o $(VERIFY)/host.o $(VERIFY)/board.o

$(VERIFY)/%.o: tests/verify/%.c tests/verify/model.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -Iinclude -c $< -o $@

$(VERIFY)/explore: $(VERIFY_OBJS)
	$(CC) -o $@ $^

$(VERIFY)/explore-console: tests/verify/console.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) -O2 -g -std=gnu11 $(WARN) -Iinclude -o $@ $<

verify: $(VERIFY)/explore $(VERIFY)/explore-console
	$(VERIFY)/explore -f 1
	$(VERIFY)/explore -f 1 -t
	tests/verify/findings.sh $(VERIFY)/explore
	python3 tests/verify/mutants.py --build $(VERIFY) --model "-g 3"
