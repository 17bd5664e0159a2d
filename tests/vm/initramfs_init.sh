#!/bin/busybox ash
# PID 1 of the initramfs for kernels that keep virtio-fs as a module
# (Debian 12's own 6.1): loads the virtio and virtio-fs modules packed next
# to it, mounts the shared host root read-only and hands over to the init
# named by gwvm.init= (tests/vm/init.sh), as the 6.12 kernel does directly.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t devtmpfs devtmpfs /dev
# Listed in dependency order (deps.sh packs exactly these).
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci fuse virtiofs; do
    $bb insmod /modules/$m.ko || echo "initramfs: insmod $m failed"
done
init=
for word in $($bb cat /proc/cmdline); do
    case $word in gwvm.init=*) init=${word#gwvm.init=} ;; esac
done
# The virtio-fs device may show up a moment after its driver loads.
for i in 1 2 3 4 5 6 7 8 9 10; do
    $bb mount -t virtiofs -o ro gwroot /newroot 2>/dev/null && break
    $bb sleep 0.2
done
$bb umount /proc /dev
exec $bb switch_root /newroot "$init"
