#!/usr/bin/env bash
# Runs every fuzz target for a bounded time over its seed corpus (`make fuzz` builds them first).
# Fails on any crash, broken invariant, sanitizer report, leak, timeout or out-of-memory.
#
#   tests/fuzz/run.sh [BUILD_DIR]        BUILD_DIR defaults to build-fuzz
#   FUZZ_TIME=600 tests/fuzz/run.sh      seconds per target (default 60)
#   FUZZ_TARGETS="uwsgi_packet" ...      a subset
#
# Inputs that crashed once are kept in tests/fuzz/<target>/crashes-found/ and replayed first. New
# corpus entries go to BUILD_DIR/fuzz/<target>/corpus (not the committed seeds); a crash is saved
# as BUILD_DIR/fuzz/<target>/artifacts/crash-<sha1>: replay it with `BUILD_DIR/<target>_fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/../.."

build=${1:-build-fuzz}
seconds=${FUZZ_TIME:-60}
read -r -a targets <<<"${FUZZ_TARGETS:-http_request uwsgi_packet config}"

# No CPython in these binaries, so leak detection stays on. Every report ends the run.
export ASAN_OPTIONS=abort_on_error=0:halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

failed=()
for target in "${targets[@]}"; do
  bin=$build/${target}_fuzz
  work=$build/fuzz/$target
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin not built (run: make fuzz)" >&2
    exit 2
  fi
  mkdir -p "$work/corpus" "$work/artifacts"

  shopt -s nullglob
  known=(tests/fuzz/$target/crashes-found/*)
  shopt -u nullglob
  if [ ${#known[@]} -gt 0 ]; then
    if ! "$bin" "${known[@]}" >"$work/replay.log" 2>&1; then
      echo "fuzz: $target: a reproducer in tests/fuzz/$target/crashes-found/ still fails:" >&2
      tail -n 40 "$work/replay.log" >&2
      failed+=("$target")
      continue
    fi
  fi

  echo "fuzz: $target for ${seconds}s"
  if "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" "tests/fuzz/corpus/$target" >"$work/fuzz.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$work/fuzz.log" | sed "s/^/fuzz: $target: /" || true
  else
    echo "fuzz: $target FAILED (full log: $work/fuzz.log)" >&2
    tail -n 60 "$work/fuzz.log" >&2
    ls "$work/artifacts" >&2
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ok (${targets[*]})"
