#!/bin/bash -eu
# Builds hazard's libFuzzer targets into $OUT, with a seed corpus per target.
#
# In ClusterFuzzLite/OSS-Fuzz (base-builder-rust) cargo-fuzz and nightly are present and
# $SANITIZER names the sanitizer. Outside Docker (`make fuzz-smoke`) set SRC (a directory
# holding this project as $SRC/hazard) and OUT; without $SANITIZER the build is
# `cargo fuzz build -s none --no-trace-compares` on stable, or scripts/fuzz-build (the same
# flags) where cargo-fuzz is missing.

cd "$SRC/hazard"
targets="schedule ops scenario_parse"
if [ -n "${SANITIZER:-}" ]; then
    # The base image's cargo wrapper adds the flags of $SANITIZER (address, coverage, ...).
    cargo fuzz build -O --debug-assertions
    bin="fuzz/target/x86_64-unknown-linux-gnu/release"
elif cargo fuzz --version >/dev/null 2>&1; then
    cargo fuzz build -s none --no-trace-compares
    bin="fuzz/target/x86_64-unknown-linux-gnu/release"
else
    bin="$(scripts/fuzz-build | tail -n 1)"
fi
mkdir -p "$OUT"
zip_dir() { # zip_dir ZIP DIR...: every regular file of the DIRs, flat
    python3 - "$@" <<'PY'
import os, sys, zipfile
out, dirs = sys.argv[1], sys.argv[2:]
with zipfile.ZipFile(out, "w") as z:
    for d in dirs:
        for name in sorted(os.listdir(d)):
            p = os.path.join(d, name)
            if os.path.isfile(p) and not name.startswith(".") and name != "README.md":
                z.write(p, os.path.basename(d) + "-" + name)
PY
}
for t in $targets; do
    cp "$bin/$t" "$OUT/$t"
done
zip_dir "$OUT/schedule_seed_corpus.zip" fuzz/corpus/schedule fuzz/regressions/schedule
zip_dir "$OUT/ops_seed_corpus.zip" fuzz/corpus/ops fuzz/regressions/ops
# The shipped scenarios are the best seeds the parser can get.
zip_dir "$OUT/scenario_parse_seed_corpus.zip" fuzz/corpus/scenario_parse scenarios
