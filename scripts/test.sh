#!/usr/bin/env bash
# The test command: installs what is missing (Debian 12, apt-get), builds,
# and runs every meson suite (unit, golden, netns, vm). The netns and vm
# suites need root; run as root or through sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
gw_install_missing "${GW_BUILD_DEPS[@]}" "${GW_RUN_DEPS[@]}" "${GW_TEST_DEPS[@]}"
[ -x tests/vm/deps.sh ] && tests/vm/deps.sh

build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build"

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
status=0
"${sudo[@]}" meson test -C "$build" --no-rebuild --print-errorlogs "$@" || status=$?
python3 scripts/test_summary.py "$build/meson-logs/testlog.json"
exit $status
