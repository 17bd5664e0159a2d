#!/usr/bin/env bash
# Builds the Debian package gatewayd_<version>_<arch>.deb from this checkout
# and checks it with lintian (any error fails). The source is copied to a
# scratch folder first, so the checkout gets no debian/ build droppings.
# Usage: scripts/package.sh [OUTDIR]   (default: build/deb); prints the .deb path.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
gw_install_missing "${GW_BUILD_DEPS[@]}" "${GW_PACKAGE_DEPS[@]}"

out=$(realpath -m "${1:-build/deb}")
mkdir -p "$out"
# A fixed scratch path: the compiler's command lines (-ffile-prefix-map)
# stay the same from run to run, so ccache, where there is one, can help.
scratch=${TMPDIR:-/tmp}/gatewayd-deb-$(id -u)
rm -rf "$scratch"
mkdir -p "$scratch/gatewayd"
trap 'rm -rf "$scratch"' EXIT
# Everything but build trees and VCS data.
tar --exclude=./.git --exclude='./build*' --exclude=./.cache -cf - . | tar -xf - -C "$scratch/gatewayd"

(cd "$scratch/gatewayd" && dpkg-buildpackage -b -us -uc --no-sign >"$scratch/build.log" 2>&1) || {
    grep -E -B2 -A8 'error|Error' "$scratch/build.log" | tail -n 60 >&2
    echo "package.sh: dpkg-buildpackage failed" >&2
    exit 1
}
changes=$(ls "$scratch"/gatewayd_*.changes)
# lintian: errors fail the build; warnings are shown.
lintian --fail-on error --no-tag-display-limit "$changes" | tee "$scratch/lintian.log" >&2
rm -f "$out"/gatewayd_*.deb
cp "$scratch"/gatewayd_*.deb "$out"/
ls "$out"/gatewayd_*.deb
