#!/usr/bin/env bash
# The reliability suite at the issue's full counts (kill -9 x100 in each
# mode, 1,000 reapplies under traffic, 1,000 flaps and 100 re-creations,
# 20 tampers of each kind); the test suite runs the same tests with lean
# counts. Each test prints its "figures:" lines; record them in
# bench/RESULTS.md. Takes about an hour on a 2-core machine.
#
#   bench/soak.sh [BUILD_DIR] [TEST...]     (root; default: every test)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
ninja -C "$build"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(hostile-configs dbus-hostile secrets tamper flap-storm reapply-traffic kill9-apply)
log="$build/soak.log"
status=0
"${sudo[@]}" env GW_SOAK=1 meson test -C "$build" --no-rebuild --suite reliability --verbose \
    --timeout-multiplier 10 "${tests[@]}" >"$log" 2>&1 || status=$?
grep -E "figures:|FAIL|random seed| passed, " "$log" || true
echo "full output: $log"
exit $status
