# The two commands of the README. Both start from a bare Debian 12 machine:
#   make demo   install what is missing, build (release), run the built-in lab
#   make test   install what is missing, build with ASan+UBSan, run every test (CTest)
#   make fuzz   build with ASan+UBSan and libFuzzer, run every fuzz target FUZZ_SECONDS (600)
#               each, one at a time at nice 19; prints executions and coverage per target
# Other targets: build, debug, asan, release, tsan, clean, install, check-src.
.PHONY: demo test fuzz deps deps-build build debug release asan tsan clean install check-src

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600

# What the tool needs to build and run (make demo) ...
deps-build:
	@sh scripts/install-deps.sh build

# ... and everything the tests need too: peer tools, real clients, proxies, Chromium.
deps:
	@sh scripts/install-deps.sh test

release: deps-build
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build: release

demo: release
	./build/release/tlsdoctor lab

debug: deps
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)

test: asan check-src
	ctest --preset asan -j $(JOBS)

fuzz: asan
	sh scripts/fuzz.sh build/asan $(FUZZ_SECONDS)

check-src:
	@sh scripts/checksrc

install: release
	cmake --install build/release

clean:
	rm -rf build
