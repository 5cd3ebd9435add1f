#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (CMake preset `fuzz`: clang-14, ASan+UBSan) and runs
# each for FUZZ_SECONDS seconds, starting from a copy of its seed corpus (tests/fuzz/corpus/<name>,
# which is never written to) and its dictionary (tests/fuzz/dict/<name>.dict) when there is one.
# Prints, per target, the executions, executions per second, the final corpus and libFuzzer's
# coverage (cov: edges, ft: features). Exits 1 when any target crashed, leaked, timed out
# (-timeout=10 s per input) or ran out of memory (-rss_limit_mb=2048), after printing the input
# that did it (path, and base64 when small); see tests/fuzz/README.md for turning it into a
# regression input.
#
# Usage: scripts/fuzz.sh [NAME...]        (default: every tests/fuzz/*_fuzz.cc; NAME is "config")
# Environment:
#   FUZZ_SECONDS    seconds per target (default 30)
#   FUZZ_BUILD_DIR  build directory (default build/fuzz, the preset's)
#   FUZZ_KEEP=1     keep the work directory (grown corpora, logs) even when everything passed
#   JOBS            build parallelism (default nproc)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
SECONDS_PER_TARGET=${FUZZ_SECONDS:-30}
BUILD_DIR=${FUZZ_BUILD_DIR:-build/fuzz}
JOBS=${JOBS:-$(nproc)}

echo "== build (fuzz preset, $BUILD_DIR)"
cmake --preset fuzz -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_targets

if [ $# -gt 0 ]; then
  names=("$@")
else
  names=()
  for f in tests/fuzz/*_fuzz.cc; do
    n=$(basename "$f" _fuzz.cc)
    names+=("$n")
  done
fi

# Largest input libFuzzer may generate, per target (default 4096): room for the biggest seeds.
max_len_for() {
  case "$1" in
    config | cloudwatch_response | logs_response) echo 16384 ;;
    statuspage_response) echo 32768 ;;
    grammar | http_date) echo 256 ;;
    *) echo 4096 ;;
  esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/statusbridge-fuzz.XXXXXX")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
summary=()
for name in "${names[@]}"; do
  bin="$BUILD_DIR/tests/fuzz/${name}_fuzz"
  seeds="tests/fuzz/corpus/$name"
  if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
    echo "fuzz: no target or seed corpus named \"$name\" ($bin, $seeds)" >&2
    exit 2
  fi
  dir="$work/$name"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$seeds"/* "$dir/corpus/"
  args=(-max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048
        -max_len="$(max_len_for "$name")" -print_final_stats=1
        -artifact_prefix="$dir/artifacts/")
  if [ -f "tests/fuzz/dict/$name.dict" ]; then
    args+=(-dict="tests/fuzz/dict/$name.dict")
  fi
  echo "== fuzz $name (${SECONDS_PER_TARGET}s)"
  rc=0
  "$bin" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1 || rc=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$dir/log" | tail -1 || true)
  files=$(find "$dir/corpus" -type f | wc -l)
  kib=$(find "$dir/corpus" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1024}')
  line=$(printf '%-20s %10s execs %7s exec/s  corpus %5s files %6s KiB  %s' \
    "$name" "${execs:-?}" "${rate:-?}" "$files" "$kib" "${cov:-cov: ?}")
  echo "$line"

  artifacts=$(find "$dir/artifacts" -type f | sort)
  if [ "$rc" -ne 0 ] || [ -n "$artifacts" ]; then
    failed+=("$name")
    summary+=("$line  FAILED (exit $rc)")
    echo "---- $name failed (exit $rc); the end of its log ($dir/log):" >&2
    grep -v '^#[0-9]' "$dir/log" | tail -60 >&2
    for a in $artifacts; do
      echo "---- input saved: $a ($(wc -c <"$a") bytes)" >&2
      if [ "$(wc -c <"$a")" -le 4096 ]; then
        base64 "$a" >&2
      fi
    done
  else
    summary+=("$line")
  fi
done

echo
echo "== fuzz summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (work directory kept: $work)" >&2
  exit 1
fi
if [ "${FUZZ_KEEP:-0}" = "1" ]; then
  echo "fuzz: work directory kept: $work"
else
  rm -rf "$work"
fi
