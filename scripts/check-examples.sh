#!/usr/bin/env bash
# Runs `statusbridge check-config` on every example config. Placeholder environment variables
# that the examples reference are set to dummy values here; check-config touches no network.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-build/debug/src/cli/statusbridge}
export STATUSPAGE_API_KEY=${STATUSPAGE_API_KEY:-example-key}
export SANDBOX_URL=${SANDBOX_URL:-http://127.0.0.1:1}
status=0
for f in examples/*.yaml; do
  if ! "$BIN" check-config -c "$f"; then
    status=1
  fi
done
exit $status
