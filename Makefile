# The two commands of the README, and a few conveniences. Every target installs what it needs.
.PHONY: deps demo test fuzz build debug asan release bench format clean

JOBS ?= $(shell nproc)

deps:
	@bash scripts/install-deps.sh

build/%/build.ninja: deps
	@cmake --preset $* >/dev/null

debug: deps
	@cmake --preset debug >/dev/null && cmake --build --preset debug -j $(JOBS)

asan: deps
	@cmake --preset asan-ubsan >/dev/null && cmake --build --preset asan-ubsan -j $(JOBS)

release: deps
	@cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)

# Runs statusbridge once against the local sandbox and prints what Statuspage stored.
demo: release
	@bash scripts/demo.sh build/release

# The whole test suite: ctest on the debug build and on the asan-ubsan build, plus the examples.
test: deps
	@bash scripts/test.sh

# libFuzzer targets (tests/fuzz) built with clang-14, ASan and UBSan, each run FUZZ_SECONDS
# (default 30) from its seed corpus; fails on any crash, leak, timeout or OOM.
fuzz: deps
	@bash scripts/fuzz.sh

bench: release
	@bash bench/run.sh build/release

format:
	@find src tests tools bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
