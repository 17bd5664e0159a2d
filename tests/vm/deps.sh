#!/usr/bin/env bash
# Prepares the vm test tier on Debian 12: installs qemu, virtiofsd, busybox,
# kmod and ppp/pppoe if missing, and unpacks the pinned Debian kernel (which,
# unlike the host's, has PPP, ip6tnl, 8021q and meta broute) into a cache
# folder. Idempotent and quiet when everything is already there.
set -euo pipefail

# The generic flavour: the cloud flavour has no PPP. Pinned because the
# archive retires older point releases.
GW_VM_KERNEL_PKG=${GW_VM_KERNEL_PKG:-linux-image-6.12.117+deb12-amd64-unsigned}
GW_VM_KERNEL_RELEASE=${GW_VM_KERNEL_RELEASE:-6.12.117+deb12-amd64}
GW_VM_CACHE=${GW_VM_CACHE:-/var/cache/gatewayd-vm}
GW_VM_DEPS=(qemu-system-x86 kmod busybox-static ppp pppoe)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

install_missing() {
    local missing=()
    for p in "${GW_VM_DEPS[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "vm tier: installing ${missing[*]}"
    quietly "${sudo[@]}" apt-get update -qq
    quietly "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# apt's chatter (debconf notes) only when something went wrong.
quietly() {
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

# The unpacked tree counts as ready only once depmod has written its index,
# which is the last step: an interrupted run starts over.
kernel_ready() {
    local root=$1
    [ -s "$root/boot/vmlinuz-$GW_VM_KERNEL_RELEASE" ] &&
        [ -s "$root/lib/modules/$GW_VM_KERNEL_RELEASE/modules.dep.bin" ]
}

fetch_kernel() {
    local root="$GW_VM_CACHE/$GW_VM_KERNEL_RELEASE"
    kernel_ready "$root" && return 0
    echo "vm tier: fetching $GW_VM_KERNEL_PKG"
    "${sudo[@]}" mkdir -p "$GW_VM_CACHE"
    local work
    work=$("${sudo[@]}" mktemp -d "$GW_VM_CACHE/fetch.XXXXXX")
    # apt-get download writes into the current directory; _apt must be able to.
    "${sudo[@]}" chmod 0755 "$work"
    # A stale package list may not know the pinned version yet.
    if ! (cd "$work" && quietly "${sudo[@]}" apt-get download -q "$GW_VM_KERNEL_PKG" 2>/dev/null); then
        quietly "${sudo[@]}" apt-get update -qq
        (cd "$work" && quietly "${sudo[@]}" apt-get download -q "$GW_VM_KERNEL_PKG")
    fi
    "${sudo[@]}" rm -rf "$root"
    "${sudo[@]}" mkdir -p "$root"
    "${sudo[@]}" dpkg-deb -x "$work"/*.deb "$root"
    "${sudo[@]}" depmod -b "$root" "$GW_VM_KERNEL_RELEASE"
    "${sudo[@]}" rm -rf "$work"
    kernel_ready "$root" || { echo "vm tier: $GW_VM_KERNEL_PKG did not unpack into $root" >&2; exit 1; }
}

install_missing
fetch_kernel
