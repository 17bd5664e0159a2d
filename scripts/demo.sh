#!/usr/bin/env bash
# The main job for a newcomer: install what is missing, build, and run
# gatewayd on the bundled home-router example inside network namespaces it
# creates and removes (see scripts/demo.py); its PPPoE line is gatewayd's
# supervised session with the stand-in pppd the build makes for the tests
# (build/tests/uplinks/standin-pppd). Run as root or as a user with sudo;
# the host is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
gw_install_missing "${GW_BUILD_DEPS[@]}" "${GW_RUN_DEPS[@]}" python3
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
# The lab needs root: as root it runs directly (a fresh Debian root shell
# has no sudo), otherwise through sudo.
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
exec "${sudo[@]}" python3 scripts/demo.py "$build"
