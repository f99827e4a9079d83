#!/usr/bin/env bash
# The bounded fuzz run: each cargo-fuzz target of fuzz/ for a fixed time.
#
#   deploy/fuzz.sh [SECONDS] [TARGET...]     (default: 60 seconds, targets envelope consent)
#
# Installs cargo-fuzz from crates.io when it is missing, builds the targets, seeds the
# envelope corpus with schemas/examples, and runs each target for SECONDS seconds. It prints
# libFuzzer's figures for each target (executions, speed, corpus size) and exits non-zero
# when a target crashed, naming the input that did (kept under fuzz/artifacts/TARGET/) and
# the command that replays it. Not part of deploy/test.sh: see docs/fuzzing.md.
#
# Stable Rust is enough: cargo-fuzz's coverage instrumentation uses stable codegen options,
# and --sanitizer none leaves out AddressSanitizer, which needs nightly (and finds nothing
# to add in code without `unsafe`). Set FUZZ_SANITIZER=address with a nightly toolchain (or
# RUSTC_BOOTSTRAP=1) to run with it anyway.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo/fuzz"

seconds="${1:-60}"
[ "$#" -gt 0 ] && shift
targets=("$@")
[ "${#targets[@]}" -eq 0 ] && targets=(envelope consent)
sanitizer="${FUZZ_SANITIZER:-none}"
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "== installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --locked
fi

echo "== building ${targets[*]} (sanitizer: $sanitizer)"
for target in "${targets[@]}"; do
  cargo fuzz build --sanitizer "$sanitizer" "$target"
done

# The example messages seed the envelope corpus, so the fuzzer starts from valid messages.
mkdir -p corpus/envelope
for example in "$repo"/schemas/examples/*.json; do
  cp -n "$example" "corpus/envelope/example-$(basename "$example")"
done

failed=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  log="artifacts/$target/last-run.log"
  before="$(mktemp)"
  ls "artifacts/$target" >"$before"
  echo "== fuzzing $target for $seconds s"
  status=0
  # -max_len covers the hub's fuzzed size limit (4096) twice over; -timeout flags a hang.
  cargo fuzz run --sanitizer "$sanitizer" "$target" -- \
    -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  speed="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  peak="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)"
  corpus="$(find "corpus/$target" -type f | wc -l)"
  echo "   $target: ${executions:-?} executions in $seconds s (${speed:-?}/s), corpus $corpus inputs, peak RSS ${peak:-?} MB"
  new="$(ls "artifacts/$target" | grep -vxF -f "$before" | grep -E '^(crash|timeout|oom|leak)-' || true)"
  rm -f "$before"
  if [ "$status" -ne 0 ] || [ -n "$new" ]; then
    echo "   $target FAILED (exit $status); the log is fuzz/$log" >&2
    grep -E '^(thread .* panicked|==[0-9]+== ERROR|SUMMARY)' "$log" | head -n 5 >&2 || true
    for input in $new; do
      echo "   crash input: fuzz/artifacts/$target/$input" >&2
      echo "   replay it:   (cd fuzz && cargo fuzz run --sanitizer $sanitizer $target artifacts/$target/$input)" >&2
    done
    failed+=("$target")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== crashed: ${failed[*]}" >&2
  exit 1
fi
echo "== no crash in ${targets[*]} ($seconds s each)"
