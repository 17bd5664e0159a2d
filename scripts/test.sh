#!/usr/bin/env bash
# The test command: installs what is missing (Debian 12, apt-get), builds,
# runs every meson suite (unit, golden, netns, vm) and builds the Debian
# package (scripts/package.sh, checked by lintian). The netns and vm
# suites need root: run it as root (a fresh Debian root shell has no sudo),
# or as a user with sudo, which it then uses for apt-get and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
gw_install_missing "${GW_BUILD_DEPS[@]}" "${GW_RUN_DEPS[@]}" "${GW_TEST_DEPS[@]}"
[ -x tests/vm/deps.sh ] && tests/vm/deps.sh

build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build"

# As a user without sudo the suites still run: each root test then reports
# itself skipped, with its reason, in the closing line.
sudo=()
[ "$(id -u)" -eq 0 ] || ! command -v sudo >/dev/null || sudo=(sudo)
status=0
# The Debian package builds from this tree and lintian finds no error in it;
# built first, so the vm suite's boot test installs this very package.
package=()
if [ $# -eq 0 ]; then
    if scripts/package.sh "$build/deb"; then package=(--package ok); else
        echo "package: FAILED"; status=1; package=(--package failed); fi
fi
"${sudo[@]}" meson test -C "$build" --no-rebuild --print-errorlogs "$@" || status=$?
python3 scripts/test_summary.py "$build/meson-logs/testlog.json" "${package[@]}"
exit $status
