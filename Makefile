# Each target is a thin wrapper over cargo. `make run` and `make test` are the two commands.
CARGO ?= cargo
HAZARD := target/release/hazard

.PHONY: run test bench build corpus fmt lint check clean

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

## The whole test suite (what CI runs). The HTML view's test needs chromium: installed if missing.
test:
	scripts/ensure-chromium
	$(CARGO) test --workspace

## Throughput of hazard against hand-written shuttle tests, side by side, and minimization
## of every failing shipped scenario; writes reports/bench.json.
bench:
	$(CARGO) bench -p harness --bench throughput
	$(CARGO) bench -p harness --bench minimize

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
