#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each) and reports what it found.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass the
# nightly-only sanitizer flags; the address sanitizer is off (`--sanitizer none`) so the run needs no nightly runtime.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
export RUSTC_BOOTSTRAP=1
# Seed the format corpus with the repository's own test inputs (each prefixed by every format selector byte).
mkdir -p corpus/read_any_format
find ../crates/aduana-formats/test_data ../examples -type f ! -name '*.txt' ! -name '*.md' ! -name 'LICENSE*' \
  -size -64k 2>/dev/null | while read -r f; do
  for s in 0 1 2 3 4 5 6 7; do
    { printf "\\x0$s"; cat "$f"; } > "corpus/read_any_format/$(basename "$f").$s"
  done
done
status=0
for target in $(cargo fuzz list); do
  echo "== fuzzing $target for ${seconds}s"
  if cargo fuzz run --sanitizer none "$target" -- -max_total_time="$seconds" -max_len=65536 2>&1 | tail -n 4; then
    echo "== $target: no crash in ${seconds}s"
  else
    echo "== $target: CRASH — see fuzz/artifacts/$target/"
    status=1
  fi
done
exit $status
