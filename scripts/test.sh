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
run_suites() {  # LOGBASE [meson test arguments]
    local logbase=$1
    shift
    "${sudo[@]}" meson test -C "$build" --no-rebuild --print-errorlogs --logbase "$logbase" "$@" || status=$?
}
if [ $# -gt 0 ]; then
    run_suites testlog "$@"
    python3 scripts/test_summary.py "$build/meson-logs/testlog.json"
    exit $status
fi
# The whole run. The Debian package builds from this tree (lintian finds no
# error in it) while the unit, golden and netns suites run: those mostly
# wait on the kernel and on daemons, the package build on the compiler.
# The vm suite comes after it, so its boot test installs this very package.
package_log="$build/meson-logs/package.log"
mkdir -p "$build/meson-logs"
scripts/package.sh "$build/deb" >"$package_log" 2>&1 &
package_pid=$!
run_suites host --no-suite vm
if wait "$package_pid"; then package=ok; echo "package: $(tail -n 1 "$package_log")"; else
    package=failed; status=1
    echo "package: FAILED"; tail -n 60 "$package_log"
fi
# Two guests at a time: one emulated vCPU each, so each takes one core.
run_suites vm --suite vm --num-processes 2
python3 scripts/test_summary.py "$build/meson-logs/host.json" "$build/meson-logs/vm.json" --package "$package"
exit $status
