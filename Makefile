# evofolio - one Makefile, no generated build system.
#   make            build build/evofolio
#   make run        install what is missing, then run the embedded default (Dow 30 data)
#   make test       install what is missing, then build and run every test suite
#   make check-layers  no #include points up the code map (tools/check-layers.sh; README.md, Code map)
#   make asan       the same suites built with AddressSanitizer and UBSan
#   make fuzz       the libFuzzer harnesses of fuzz/ built with clang, each run FUZZ_SECONDS (default 60)
#   make deps       install the Debian packages listed in DEB_PACKAGES (only those missing)
#   make bench      LSTM training speed against PyTorch and the GEMM-only floor, then bench-attention
#   make bench-attention  the attention encoder's training speed against PyTorch (bench/README.md)
#   make bench-baselines  the seven baseline strategies over data/dow30.csv, daily rebalancing
#   make bench-features   every feature but volchg over data/dow30.csv, window 252
#   make bench-archive    write 100,000 evaluations to an archive; time `evofolio query` on it
#   make bench-quality    search quality on planted/noise synthetic sets: GA vs random vs TPE (10-20 min)

# Every Debian package the project needs to build, run and test: the one list.
DEB_PACKAGES := make gcc pkg-config openmpi-bin libopenmpi-dev libopenblas-serial-dev libyaml-dev \
                libsqlite3-dev sqlite3 libcsv-dev libjansson-dev libcriterion-dev \
                slurmctld slurmd slurm-client munge chromium

BUILD    ?= build
CC       := mpicc
PKGS     := yaml-0.1 sqlite3 openblas jansson
# OpenBLAS's serial build: workers run BLAS on one thread, and the threaded build would start (and
# spin) helper threads at load time on every rank. rpath pins it against the system's BLAS choice.
BLAS_DIR  = /usr/lib/$(shell gcc -print-multiarch)/openblas-serial
SANITIZE ?=
OPT      ?= -O2
CFLAGS   := $(OPT) -std=c11 -Wall -Wextra -Werror -g -D_DEFAULT_SOURCE -Iinclude -MMD -MP
# GCC's -fsanitize=undefined leaves out float-cast-overflow (a double outside the range of the integer
# it is cast to), which clang's includes; name it, so that make asan catches what make fuzz finds.
SAN_FLAGS := -fsanitize=address,undefined,float-cast-overflow
ifneq ($(SANITIZE),)
CFLAGS   += $(SAN_FLAGS) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += $(SAN_FLAGS)
endif
# The fuzz build (make fuzz sets FUZZ=1, and mpicc runs clang): the library with libFuzzer's coverage.
ifneq ($(FUZZ),)
CFLAGS   += $(SAN_FLAGS),fuzzer-no-link -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
# Recursively expanded, so pkg-config runs only when a recipe needs it (after `make deps`).
PKG_CFLAGS = $(shell PKG_CONFIG_PATH=$(BLAS_DIR)/pkgconfig pkg-config --cflags $(PKGS))
LDLIBS     = $(shell PKG_CONFIG_PATH=$(BLAS_DIR)/pkgconfig pkg-config --libs $(PKGS)) \
             -Wl,-rpath,$(BLAS_DIR) -lcsv -lm

# The LSTM's fused loops and the attention encoder's row-wise loops vectorise only with -O3 and without
# trapping-math (if-converted clamps); the GEMM kernels need -O3 to unroll their tiles into registers.
$(BUILD)/obj/lstm.o $(BUILD)/obj/blas.o $(BUILD)/obj/attention.o: CFLAGS += -O3 -fno-trapping-math -ffp-contract=fast

LIB_SRC  := $(filter-out src/main.c src/cmd.c src/cmd_%.c,$(wildcard src/*.c))
CMD_SRC  := src/main.c src/cmd.c $(wildcard src/cmd_*.c)
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJ  := $(CMD_SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
# One libFuzzer harness per reader (fuzz/fuzz_<reader>.c, seeds in fuzz/corpus/<reader>/); each is also
# linked with fuzz/replay.c, which the suites run over its corpus.
FUZZ_READERS := config prices genome archive blas_plan
REPLAY_BIN   := $(FUZZ_READERS:%=$(BUILD)/fuzz/replay_%)
FUZZ_SECONDS ?= 60

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: FORCE all deps run test check-layers asan tests-run fuzz fuzz-run bench bench-run bench-attention bench-attention-run bench-search bench-baselines bench-features bench-archive bench-quality clean
all: $(BUILD)/evofolio

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# The commit the archive records for every run; version.o is rebuilt whenever it changes (the stamp
# file is rewritten only then).
GIT_COMMIT := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/obj/version.o: CFLAGS += -DEVO_GIT_COMMIT='"$(GIT_COMMIT)"'
$(BUILD)/obj/version.o: $(BUILD)/git-commit
$(BUILD)/git-commit: FORCE
	@mkdir -p $(@D)
	@echo '$(GIT_COMMIT)' | cmp -s - $@ || echo '$(GIT_COMMIT)' > $@
FORCE:

$(BUILD)/libevofolio.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/evofolio: $(CMD_OBJ) $(BUILD)/libevofolio.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(BUILD)/libevofolio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) $< $(BUILD)/libevofolio.a $(LDLIBS) -lcriterion -o $@

.PRECIOUS: $(BUILD)/fuzz/obj/%.o
$(BUILD)/fuzz/obj/%.o: fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/obj/fuzz_%.o $(BUILD)/fuzz/obj/replay.o $(BUILD)/libevofolio.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/obj/fuzz_%.o $(BUILD)/libevofolio.a
	$(CC) $(SAN_FLAGS),fuzzer $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(BUILD)/libevofolio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) $< $(BUILD)/libevofolio.a $(LDLIBS) -o $@

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing" $$missing; \
	  $(SUDO) apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi

# The default search on every core: rank 0 is the master (it mostly waits), one worker per core.
MPIRUN := mpirun --allow-run-as-root --oversubscribe
RANKS   = $(shell echo $$(( $$(nproc) + 1 )))

run: deps
	@$(MAKE) --no-print-directory all
	$(MPIRUN) -n $(RANKS) $(BUILD)/evofolio run configs/default.yaml
	$(BUILD)/evofolio query results/default.db top
	@$(BUILD)/evofolio report results/default.db -o results/default-report.html >/dev/null
	@echo "The report: results/default-report.html (open file://$(CURDIR)/results/default-report.html in a browser)"

# The suites run in order; the first failing one stops make. A sanitizer report fails the run too:
# Criterion counts a test that leaks as passed, because LeakSanitizer speaks only when the test exits,
# and UBSan's "file:line:col: runtime error: ..." (also from an evofolio a test runs) never says
# "Sanitizer". Then each fuzz harness replays its corpus (fuzz/replay.c, a few seconds in all); its log,
# which names every input, is shown only when it fails.
tests-run: $(BUILD)/evofolio $(TEST_BIN) $(REPLAY_BIN)
	@for t in $(TEST_BIN); do \
	  echo "== $$t"; \
	  EVOFOLIO_BIN=$(BUILD)/evofolio EVOFOLIO_CACHE_DIR=$(abspath $(BUILD))/cache $$t >$$t.log 2>&1; rc=$$?; cat $$t.log; \
	  [ $$rc = 0 ] || exit 1; \
	  if grep -qE 'Sanitizer|runtime error:' $$t.log; then echo "$$t: sanitizer report above"; exit 1; fi; \
	done
	@for r in $(FUZZ_READERS); do \
	  t=$(BUILD)/fuzz/replay_$$r; echo "== $$t fuzz/corpus/$$r"; \
	  $$t fuzz/corpus/$$r >$$t.log 2>&1; rc=$$?; \
	  if [ $$rc != 0 ] || grep -qE 'Sanitizer|runtime error:' $$t.log; then \
	    cat $$t.log; echo "$$t: failed on the last input named above"; exit 1; \
	  fi; \
	  grep 'inputs replayed' $$t.log; \
	done

# The code map first (a second, no build needed), then the Criterion suites, then a real one-node SLURM
# (tests/slurm/run.sh) and the report rendered by headless Chromium (tests/browser/render.sh); each
# says SKIPPED, and why, when it cannot run here.
test: deps
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory tests-run
	@EVOFOLIO_BIN=$(BUILD)/evofolio tests/slurm/run.sh
	@EVOFOLIO_BIN=$(BUILD)/evofolio tests/browser/render.sh

# Every src/*.c and include/evofolio/*.h in its layer, and no #include "evofolio/..." pointing up.
check-layers:
	@sh tools/check-layers.sh && echo "check-layers: the code map holds"

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 OPT=-O1 tests-run

# The harnesses under libFuzzer (clang 14: apt-get install clang), one after the other, FUZZ_SECONDS each:
# seeds from fuzz/corpus/<reader>/ (and the words of fuzz/<reader>.dict), new inputs kept in
# build/libfuzzer/corpus/<reader>/, each crash, leak, hang (10 s) or failed check written to
# fuzz/findings/<reader>/ (fix it, then add the input to the corpus). Not part of test.
fuzz: deps
	@command -v clang >/dev/null || { echo "make fuzz: needs clang; install it with: $(strip $(SUDO) apt-get install clang)"; exit 2; }
	@OMPI_CC=clang $(MAKE) --no-print-directory BUILD=build/libfuzzer FUZZ=1 OPT=-O1 fuzz-run

fuzz-run: $(FUZZ_READERS:%=$(BUILD)/fuzz/fuzz_%)
	@failed=; for r in $(FUZZ_READERS); do \
	  mkdir -p $(BUILD)/corpus/$$r fuzz/findings/$$r; \
	  echo "== $(BUILD)/fuzz/fuzz_$$r, $(FUZZ_SECONDS) s (log: $(BUILD)/fuzz/fuzz_$$r.log)"; \
	  $(BUILD)/fuzz/fuzz_$$r -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    $$([ -f fuzz/$$r.dict ] && echo -dict=fuzz/$$r.dict) \
	    -artifact_prefix=fuzz/findings/$$r/ $(BUILD)/corpus/$$r fuzz/corpus/$$r \
	    >$(BUILD)/fuzz/fuzz_$$r.log 2>&1 || failed="$$failed $$r"; \
	  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' $(BUILD)/fuzz/fuzz_$$r.log; \
	done; \
	ls fuzz/findings/*/* 2>/dev/null; \
	if [ -n "$$failed" ]; then echo "make fuzz: findings from$$failed (above; logs in $(BUILD)/fuzz/)"; exit 1; fi

# Not part of test or CI. PyTorch (python3-torch, for BENCH_PYTHON) is optional: without it only
# evofolio's column is filled. BENCH_ARGS picks configs and --steps, e.g. BENCH_ARGS="small --steps 50".
BENCH_ARGS ?=
BENCH_PYTHON ?= /usr/bin/python3
bench-run: $(BUILD)/bench/lstm_bench
	@echo "$(BUILD)/bench/lstm_bench $(BENCH_ARGS)"
	@{ $(BUILD)/bench/lstm_bench $(BENCH_ARGS); echo $$? >$(BUILD)/bench/rc; } | tee $(BUILD)/bench/evofolio.txt; \
	exit $$(cat $(BUILD)/bench/rc)
	@if $(BENCH_PYTHON) -c 'import torch' 2>/dev/null; then \
	  echo "$(BENCH_PYTHON) bench/torch_lstm.py $(BENCH_ARGS)"; \
	  { OMP_NUM_THREADS=1 $(BENCH_PYTHON) bench/torch_lstm.py $(BENCH_ARGS); echo $$? >$(BUILD)/bench/rc; } | \
	    tee $(BUILD)/bench/torch.txt; \
	  exit $$(cat $(BUILD)/bench/rc); \
	else \
	  echo "make bench: $(BENCH_PYTHON) cannot import torch; skipping PyTorch" \
	       "(install it with: $(strip $(SUDO) apt-get install python3-torch))"; \
	  : >$(BUILD)/bench/torch.txt; \
	fi
	@sh bench/compare.sh $(BUILD)/bench/evofolio.txt $(BUILD)/bench/torch.txt

# The attention encoder against nn.TransformerEncoder, the same way (BENCH_ATTENTION_ARGS: configs
# small, seed, portfolio and --steps N).
BENCH_ATTENTION_ARGS ?=
bench-attention-run: $(BUILD)/bench/attention_bench
	@echo "$(BUILD)/bench/attention_bench $(BENCH_ATTENTION_ARGS)"
	@{ $(BUILD)/bench/attention_bench $(BENCH_ATTENTION_ARGS); echo $$? >$(BUILD)/bench/rc; } | \
	  tee $(BUILD)/bench/attention_evofolio.txt; \
	exit $$(cat $(BUILD)/bench/rc)
	@if $(BENCH_PYTHON) -c 'import torch' 2>/dev/null; then \
	  echo "$(BENCH_PYTHON) bench/torch_attention.py $(BENCH_ATTENTION_ARGS)"; \
	  { OMP_NUM_THREADS=1 $(BENCH_PYTHON) bench/torch_attention.py $(BENCH_ATTENTION_ARGS); echo $$? >$(BUILD)/bench/rc; } | \
	    tee $(BUILD)/bench/attention_torch.txt; \
	  exit $$(cat $(BUILD)/bench/rc); \
	else \
	  echo "make bench-attention: $(BENCH_PYTHON) cannot import torch; skipping PyTorch" \
	       "(install it with: $(strip $(SUDO) apt-get install python3-torch))"; \
	  : >$(BUILD)/bench/attention_torch.txt; \
	fi
	@sh bench/compare_attention.sh $(BUILD)/bench/attention_evofolio.txt $(BUILD)/bench/attention_torch.txt

bench-attention: deps
	@$(MAKE) --no-print-directory bench-attention-run

bench: deps
	@$(MAKE) --no-print-directory bench-run
	@$(MAKE) --no-print-directory bench-attention-run

# All seven baselines over the whole Dow 30 data, k = 1, window 252, one core (target: < 1 s in all).
bench-baselines: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/baselines_bench
	$(BUILD)/bench/baselines_bench data/dow30.csv

# Every feature but volchg for all Dow 30 assets and days, window 252 (target: < 100 ms).
bench-features: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/features_bench
	$(BUILD)/bench/features_bench data/dow30.csv

# 100,000 synthetic evaluations written as a search writes them (evaluations/s), then `evofolio query`
# timed on them (target: `query top -n 10` < 100 ms).
bench-archive: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/archive_bench $(BUILD)/evofolio
	$(BUILD)/bench/archive_bench $(BUILD)/evofolio $(BUILD)/bench/archive_bench.db 100000

# The master's throughput with zero-cost evaluations, and worker utilisation (steady vs generational).
bench-search: $(BUILD)/bench/search_bench
	$(BUILD)/bench/search_bench throughput
	$(MPIRUN) -n 3 $(BUILD)/bench/search_bench utilisation

# Search quality (bench/quality.sh): does the default search find a planted signal, and claim nothing
# on noise; GA against random search and Optuna TPE (optional: python3-optuna) at equal budgets.
# BENCH_QUALITY_SETS="ar:0.3:3 none:0:15" and BENCH_QUALITY_METHODS="ga random" pick a subset.
bench-quality: all $(BUILD)/bench/quality_yardsticks
	EVOFOLIO_BIN=$(BUILD)/evofolio QUALITY_YARDSTICKS=$(BUILD)/bench/quality_yardsticks bench/quality.sh

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d $(BUILD)/fuzz/obj/*.d $(BUILD)/bench/*.d)
