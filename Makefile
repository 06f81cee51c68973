# Tandem: the two commands of the README, and the rest of the developer loop.
#   make run    set-up, release build, start tandemd with examples/server.toml
#   make test   set-up, sanitizer build, every test, fuzz smoke
SHELL := /bin/bash
FUZZ_SECONDS ?= 600       # make fuzz: seconds per target
FUZZ_SMOKE_SECONDS ?= 60  # make test: seconds per target
JOBS ?= $(shell nproc)

.PHONY: all setup build run test unit-test fuzz-smoke bench fuzz format tidy clean

all: build

setup:
	@bash scripts/setup

build: setup
	cmake --preset release >/dev/null
	cmake --build build -j $(JOBS)

run: build
	mkdir -p var
	build/bin/tandemctl --config examples/server.toml pool apply examples/pool.toml
	build/bin/tandemd --config examples/server.toml

test: setup fuzz-smoke unit-test

unit-test:
	cmake --preset debug >/dev/null
	cmake --build build-debug -j $(JOBS)
	ctest --test-dir build-debug --output-on-failure -j $(JOBS)

fuzz-smoke:
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	bash scripts/fuzz build-fuzz $(FUZZ_SMOKE_SECONDS)

fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build build-fuzz -j $(JOBS)
	bash scripts/fuzz build-fuzz $(FUZZ_SECONDS)

bench: setup
	cmake --preset bench >/dev/null
	cmake --build build-bench -j $(JOBS)
	bash bench/run

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy:
	bash scripts/tidy-changed

clean:
	rm -rf build build-debug build-bench build-fuzz
