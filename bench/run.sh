#!/usr/bin/env bash
# Runs the benchmarks against the local sandbox and prints their figures (see bench/README.md).
#   bench/run.sh [BUILD_DIR] [scenario...]     scenarios: once (default: all), daemon
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
shift || true
exec python3 bench/bench.py --build "$BUILD" "$@"
