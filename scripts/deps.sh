#!/usr/bin/env bash
# Installs the Debian 12 packages gatewayd needs to build and test, if any
# are missing. Sourced by the test and demo scripts; safe to run twice.
set -euo pipefail

GW_BUILD_DEPS=(g++ meson ninja-build pkg-config libnftnl-dev libmnl-dev libnl-3-dev
    libnl-route-3-dev libyaml-cpp-dev libsystemd-dev doctest-dev go-md2man)
# dhcpcd-base and radvd: routed IPv6 (the DHCPv6-PD client and the RA sender).
GW_RUN_DEPS=(nftables iproute2 dbus procps util-linux ppp keepalived conntrackd dhcpcd-base radvd)
# scripts/package.sh: the Debian package (debhelper, meson) and its checks.
GW_PACKAGE_DEPS=(dpkg-dev debhelper lintian go-md2man bash-completion systemd)
# isc-dhcp-server: the ISP's DHCPv6 server delegating prefixes in the routed-ipv6 test.
GW_TEST_DEPS=(python3 python3-jsonschema python3-yaml systemd iputils-ping iptables isc-dhcp-server)

gw_install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
