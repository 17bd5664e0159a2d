#!/usr/bin/env bash
# Prepares the vm test tier on Debian 12: installs qemu, virtiofsd, busybox,
# kmod and ppp/pppoe if missing, and unpacks two pinned Debian kernels into
# a cache folder: 6.12 (PPP, meta broute, bridge conntrack, ip6tnl, 8021q)
# and Debian 12's own 6.1 (what the gateways run; virtio-fs is a module
# there, so it gets a small initramfs). Idempotent, quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")"

# Generic flavours: the cloud flavour has no PPP. Each series has a pinned
# package (what the tests were measured with) and a way to find its current
# successor: the archive retires older point releases (the 6.1 ABI number
# moves with them), and a retired pin must not break a fresh machine.
# series  pinned package  how to find the newest
GW_VM_KERNELS=(
    "6.12 linux-image-6.12.117+deb12-amd64-unsigned newest_612"
    "6.1 linux-image-6.1.0-56-amd64 newest_61"
)
newest_612() {
    apt-cache pkgnames linux-image-6.12. | grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
        sort -V | tail -n 1
}
newest_61() {
    apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n 1
}
# What the 6.1 initramfs loads before it can mount the shared root, in
# dependency order (tests/vm/initramfs_init.sh lists the same).
GW_VM_INITRAMFS_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci fuse virtiofs)
GW_VM_CACHE=${GW_VM_CACHE:-/var/cache/gatewayd-vm}
# e2fsprogs: mkfs.ext4 for the disk of the systemd boot test (run_in_vm.py --systemd).
# dhcpcd-base, radvd and kea-dhcp6-server: routed IPv6 over PPPoE (gatewayd's
# DHCPv6-PD client and RA sender; the ISP's DHCPv6 server on its ppp link,
# which ISC dhcpd refuses).
GW_VM_DEPS=(qemu-system-x86 kmod busybox-static ppp pppoe cpio ebtables conntrack iperf3 e2fsprogs radvd
    dhcpcd-base kea-dhcp6-server)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)

# apt's chatter (debconf notes) only when something went wrong.
quietly() {
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; return 1; }
}

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

# An unpacked tree counts as ready only once depmod has written its index,
# the last step: an interrupted run starts over.
kernel_ready() {
    local root=$1 release=$2
    [ -s "$root/boot/vmlinuz-$release" ] && [ -s "$root/lib/modules/$release/modules.dep.bin" ]
}

fetch_kernel() {
    local pkg=$1 release=$2 root="$GW_VM_CACHE/$2"
    kernel_ready "$root" "$release" && return 0
    echo "vm tier: fetching $pkg"
    "${sudo[@]}" mkdir -p "$GW_VM_CACHE"
    local work
    work=$("${sudo[@]}" mktemp -d "$GW_VM_CACHE/fetch.XXXXXX")
    # apt-get download writes into the current directory; _apt must be able to.
    "${sudo[@]}" chmod 0755 "$work"
    # A stale package list may not know the pinned version yet.
    if ! (cd "$work" && quietly "${sudo[@]}" apt-get download -q "$pkg" 2>/dev/null); then
        quietly "${sudo[@]}" apt-get update -qq
        (cd "$work" && quietly "${sudo[@]}" apt-get download -q "$pkg")
    fi
    "${sudo[@]}" rm -rf "$root"
    "${sudo[@]}" mkdir -p "$root"
    "${sudo[@]}" dpkg-deb -x "$work"/*.deb "$root"
    "${sudo[@]}" depmod -b "$root" "$release"
    "${sudo[@]}" rm -rf "$work"
    kernel_ready "$root" "$release" || { echo "vm tier: $pkg did not unpack into $root" >&2; exit 1; }
}

# Only for kernels whose virtio-fs is a module; rebuilt when the init changes.
build_initramfs() {
    local release=$1 root="$GW_VM_CACHE/$1"
    grep -q '^CONFIG_VIRTIO_FS=m' "$root/boot/config-$release" || return 0
    [ "$root/initrd.gz" -nt initramfs_init.sh ] && return 0
    local tree
    tree=$(mktemp -d)
    mkdir -p "$tree"/{bin,modules,proc,dev,newroot}
    cp /bin/busybox "$tree/bin/"
    cp initramfs_init.sh "$tree/init"
    local m file
    for m in "${GW_VM_INITRAMFS_MODULES[@]}"; do
        file=$(modinfo -b "$root" -k "$release" -n "$m")
        case $file in
            *.ko) cp "$file" "$tree/modules/" ;;
            *.ko.xz) xz -dc "$file" > "$tree/modules/$m.ko" ;;
            *) echo "vm tier: cannot pack $m ($file)" >&2; rm -rf "$tree"; exit 1 ;;
        esac
    done
    (cd "$tree" && find . | cpio -o -H newc --quiet | gzip -9) > "$tree.gz"
    "${sudo[@]}" mv "$tree.gz" "$root/initrd.gz"
    "${sudo[@]}" chmod 0644 "$root/initrd.gz"
    rm -rf "$tree"
}

# The package of a series: the pin while the archive has it, else the newest.
resolve_package() {
    local pinned=$1 newest=$2
    if apt-cache show "$pinned" >/dev/null 2>&1; then echo "$pinned"; return; fi
    quietly "${sudo[@]}" apt-get update -qq
    if apt-cache show "$pinned" >/dev/null 2>&1; then echo "$pinned"; return; fi
    local found
    found=$("$newest")
    [ -n "$found" ] || { echo "vm tier: no package for $pinned or a successor" >&2; exit 1; }
    echo "vm tier: $pinned is gone from the archive; using $found" >&2
    echo "$found"
}

install_missing
for k in "${GW_VM_KERNELS[@]}"; do
    read -r series pinned newest <<<"$k"
    release=${pinned#linux-image-}
    release=${release%-unsigned}
    # A cached pin needs no archive at all.
    if ! kernel_ready "$GW_VM_CACHE/$release" "$release"; then
        pkg=$(resolve_package "$pinned" "$newest")
        release=${pkg#linux-image-}
        release=${release%-unsigned}
        fetch_kernel "$pkg" "$release"
    fi
    build_initramfs "$release"
    # run_in_vm.py boots "$GW_VM_CACHE/<series>".
    "${sudo[@]}" ln -sfn "$release" "$GW_VM_CACHE/$series"
done
