# opsgate - thin wrapper over CMake + Ninja. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
DATA       ?= $(CURDIR)/opsgate-data
LISTEN     ?= 127.0.0.1:8700
JOBS       ?= $(shell nproc)
PREFIX     ?= /usr/local

.PHONY: all deps configure build install check format-check unit asan fuzz-build fuzz run bench demo-certs format clean

all: build

deps:
	@scripts/deps.sh all

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/build.ninja: | deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DOG_SANITIZE=ON -DOG_UNIT_ONLY=ON

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The binary, its man pages (man opsgate, man opsgate-COMMAND) and bash/zsh completion under PREFIX
# (DESTDIR=/tmp/stage make install stages them for a package).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# libFuzzer targets (fuzz/) under ASan+UBSan, built with clang; only the fuzz targets are built.
$(FUZZ_BUILD)/build.ninja: | deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOG_FUZZ=ON

fuzz-build: deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Every target for FUZZ_SECONDS each (make fuzz FUZZ_SECONDS=600), or only FUZZ_TARGETS.
fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Unit tests under ASan+UBSan first, then each fuzz target for a fixed number of runs, then the whole
# suite (unit + integration) on the normal build; ctest's closing summary is the last thing printed.
check: format-check build asan fuzz-build
	@scripts/test-deps.sh
	cd $(ASAN_BUILD) && ctest -L unit --output-on-failure -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest -L fuzz --output-on-failure -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit: build
	cd $(BUILD) && ctest -L unit --output-on-failure -j $(JOBS)

run: build
	@scripts/run-demo.sh $(BUILD)/opsgate "$(DATA)" "$(LISTEN)"

bench: build
	@scripts/test-deps.sh
	@scripts/bench.sh $(BUILD)

demo-certs: build
	@scripts/demo-certs.sh $(BUILD)/opsgate

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# make check fails on a C file clang-format would change (run `make format`).
format-check: deps
	@scripts/format-check.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
