#!/usr/bin/env bash
# Installs the Debian 12 packages statusbridge needs to build, test and run.
# Installs only what is missing; safe to run repeatedly. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libcurl4-openssl-dev libssl-dev
  nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev
  libcli11-dev libspdlog-dev libfmt-dev libcpp-httplib-dev libmuparser-dev
  libtinyxml2-dev
  libgtest-dev libgmock-dev
  clang-format curl python3
  # scripts/fuzz.sh: clang-14 with its sanitizer and libFuzzer runtimes (-fsanitize=fuzzer links
  # libclang_rt.fuzzer from libclang-rt-14-dev, which --no-install-recommends would skip).
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
