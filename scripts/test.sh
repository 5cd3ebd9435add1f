#!/usr/bin/env bash
# The whole test suite (the README's second command runs this through `make test`):
#   1. ctest on the debug build,
#   2. ctest on the asan-ubsan build (AddressSanitizer + UndefinedBehaviorSanitizer),
#   3. `statusbridge check-config` on every file in examples/.
# Installs missing Debian packages first. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
JOBS=${JOBS:-$(nproc)}
WERROR=${STATUSBRIDGE_WERROR:-OFF}

for preset in debug asan-ubsan; do
  echo "== build ($preset)"
  cmake --preset "$preset" -DSTATUSBRIDGE_WERROR="$WERROR" >/dev/null
  cmake --build --preset "$preset" -j "$JOBS"
  echo "== test ($preset)"
  ctest --preset "$preset" -j "$JOBS" --timeout 300
done

echo "== check-config examples/"
bash scripts/check-examples.sh build/debug/src/cli/statusbridge
