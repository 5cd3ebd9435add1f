#!/usr/bin/env bash
# The README's first command (`make demo`): starts the local sandbox on loopback, runs
# `statusbridge once` with examples/sandbox.yaml, prints what the sandbox's Statuspage stored,
# and stops the sandbox. No AWS account or Statuspage page needed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
SANDBOX="$BUILD/tools/sandbox/statusbridge-sandbox"
BRIDGE="$BUILD/src/cli/statusbridge"

work=$(mktemp -d)
cleanup() {
  if [ -n "${sandbox_pid:-}" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$SANDBOX" --host 127.0.0.1 --port 0 --port-file "$work/port" --quiet --log "$work/sandbox.log" >/dev/null &
sandbox_pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
[ -s "$work/port" ] || { echo "demo: the sandbox did not start" >&2; exit 1; }
port=$(cat "$work/port")

# The sandbox's credentials: its CloudWatch checks SigV4 with this key pair, and its Statuspage
# accepts this API key. Nothing here is a real secret.
export SANDBOX_URL="http://127.0.0.1:$port"
export STATUSPAGE_API_KEY=sandbox-key
export AWS_ACCESS_KEY_ID=AKIDSANDBOX
export AWS_SECRET_ACCESS_KEY=SANDBOXSECRET
unset AWS_SESSION_TOKEN AWS_PROFILE

echo "== sandbox on $SANDBOX_URL (CloudWatch + Statuspage emulator)"
echo "== statusbridge check-config -c examples/sandbox.yaml"
"$BRIDGE" check-config -c examples/sandbox.yaml
echo
echo "== statusbridge once -c examples/sandbox.yaml"
rc=0
"$BRIDGE" once -c examples/sandbox.yaml || rc=$?
echo
echo "== what the sandbox's Statuspage stored"
curl -fsS "$SANDBOX_URL/_sandbox/points" > "$work/points.json"
curl -fsS "$SANDBOX_URL/_sandbox/stats" > "$work/stats.json"
python3 scripts/show-points.py examples/sandbox.yaml "$work/points.json" "$work/stats.json"
exit $rc
