#!/usr/bin/env bash
# Prepares the benchmarks on Debian 12: valgrind (instruction counts) and
# the peer firewalld with what it imports. firewalld itself and its Python
# package are unpacked into a cache folder rather than installed: installing
# the package enables and starts firewalld.service on the machine, which
# would take over the host's firewall; the benchmark runs it by hand in a
# network namespace of its own, on a private D-Bus bus. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

# iperf3, conntrack, ethtool: fastpath_vm_gateway.py (iperf3's endpoints on
# the host; conntrack and ethtool in the vm guest, which shares the host's
# root; the guest itself comes from tests/vm/deps.sh).
GW_BENCH_DEPS=(valgrind python3 nftables iproute2 dbus python3-dbus python3-gi gir1.2-glib-2.0 python3-nftables
    iperf3 conntrack ethtool)
GW_BENCH_UNPACKED=(firewalld python3-firewall)
GW_BENCH_CACHE=${GW_BENCH_CACHE:-/var/cache/gatewayd-bench}

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# The tree counts as ready once its marker is written, the last step.
unpack_firewalld() {
    local root="$GW_BENCH_CACHE/firewalld"
    [ -e "$root/.complete" ] && return 0
    echo "bench: unpacking ${GW_BENCH_UNPACKED[*]} into $root"
    "${sudo[@]}" mkdir -p "$GW_BENCH_CACHE"
    local work
    work=$("${sudo[@]}" mktemp -d "$GW_BENCH_CACHE/fetch.XXXXXX")
    # apt-get download writes into the current directory; _apt must be able to.
    "${sudo[@]}" chmod 0755 "$work"
    if ! (cd "$work" && "${sudo[@]}" apt-get download -q "${GW_BENCH_UNPACKED[@]}" >/dev/null 2>&1); then
        "${sudo[@]}" apt-get update -qq
        (cd "$work" && "${sudo[@]}" apt-get download -q "${GW_BENCH_UNPACKED[@]}" >/dev/null)
    fi
    "${sudo[@]}" rm -rf "$root"
    "${sudo[@]}" mkdir -p "$root"
    local deb
    for deb in "$work"/*.deb; do "${sudo[@]}" dpkg-deb -x "$deb" "$root"; done
    "${sudo[@]}" rm -rf "$work"
    "${sudo[@]}" touch "$root/.complete"
}

gw_install_missing "${GW_BENCH_DEPS[@]}"
unpack_firewalld
