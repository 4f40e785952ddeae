#!/usr/bin/env bash
# deploy/setup.sh — installs every build and test dependency from Debian 12's
# packages (idempotent: apt-get runs only when something is missing), then
# configures and builds pstorage into build/ (binaries in build/bin/).
#   bash deploy/setup.sh            install + build
#   bash deploy/setup.sh --deps     install only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git
  libcaf-dev capnproto libcapnp-dev libspdlog-dev doctest-dev nlohmann-json3-dev
  libsqlite3-dev sqlite3 libfuse3-dev fuse3 libc-ares-dev libcli11-dev libisal-dev
  libssl-dev libcpp-httplib-dev libncurses-dev
  fio tmux dnsmasq-base curl jq procps iproute2 psmisc gdb python3 python3-yaml
  clang libclang-rt-14-dev  # ctest fuzz/wire_decode: libFuzzer (tests/fuzz/wire_fuzz.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[ "${1:-}" = "--deps" ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
