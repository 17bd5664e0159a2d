#!/usr/bin/env bash
# The main job for a newcomer: build, then check and render the bundled
# home-router example. Touches nothing on the host's network.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
gw_install_missing "${GW_BUILD_DEPS[@]}" "${GW_RUN_DEPS[@]}"
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null
echo "== gwctl check examples/home-router.yaml"
"$build/ctl/gwctl" check examples/home-router.yaml
