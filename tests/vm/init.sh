#!/bin/busybox ash
# PID 1 of the test guest: mounts the pseudo file systems and writable
# layers over the read-only host root, makes the unpacked Debian kernel's
# modules loadable, runs the job the host runner wrote, prints its exit
# status on a marker line the runner looks for, and powers off.
# Busybox by full path until /proc is ours: the host's shows through before.
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o ptmxmode=0666 devpts /dev/pts
$bb mount -t tmpfs -o mode=1777 tmpfs /dev/shm
$bb mount -t tmpfs -o mode=0755 tmpfs /run

job= modroot= nics= virtio_net= release=$($bb uname -r)
for word in $($bb cat /proc/cmdline); do
    case $word in
        gwvm.job=*) job=${word#gwvm.job=} ;;
        gwvm.modroot=*) modroot=${word#gwvm.modroot=} ;;
        gwvm.nic=*) nics="$nics ${word#gwvm.nic=}" ;;
        gwvm.virtio_net=1) virtio_net=1 ;;
    esac
done

# The job lives in the host's /tmp, which the guest's own /tmp hides.
state=/run/gw-vm
$bb mkdir -p $state/bin
$bb cp "$job/job.sh" $state/job.sh

# The host root has no /lib/modules for this kernel: the kernel's own module
# requests (and `modprobe` in jobs) go through a wrapper pointing at the cache.
printf '#!/bin/busybox ash\nexec /usr/sbin/modprobe -d %s "$@"\n' "$modroot" > $state/bin/modprobe
$bb chmod 0755 $state/bin/modprobe
echo $state/bin/modprobe > /proc/sys/kernel/modprobe
# Writable layers over the host's /etc (pppd reads /etc/ppp/*-secrets) and
# /var; the host's files stay untouched underneath.
overlay() {
    $bb mkdir -p $state/$2.up $state/$2.work
    $bb mount -t overlay overlay \
        -o lowerdir=$1,upperdir=$state/$2.up,workdir=$state/$2.work $1
}
/usr/sbin/modprobe -d "$modroot" overlay
overlay /etc etc
overlay /var var
# /tmp too is a writable layer over the host's, not an empty tmpfs: a
# checkout or build dir under the host's /tmp must stay visible at its path.
overlay /tmp tmp
$bb chmod 1777 /tmp

# pppd opens /dev/ppp before ppp_generic is loaded; the node triggers the load.
$bb mknod -m 0600 /dev/ppp c 108 0 2>/dev/null

# NICs (run_in_vm.py --tap): no udev here, so virtio_net (a module in the
# Debian kernels) is loaded by hand; each NIC given a name (NAME/MAC) gets it.
if [ -n "$virtio_net" ]; then
    /usr/sbin/modprobe -d "$modroot" virtio_net
    for nic in $nics; do
        for dev in /sys/class/net/*; do
            [ "$($bb cat $dev/address)" = "${nic#*/}" ] && $bb ip link set dev ${dev##*/} name ${nic%%/*}
        done
    done
fi

$bb hostname gwvm
$bb ip link set lo up
export PATH=$state/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

$bb ash $state/job.sh </dev/null
echo "gw-vm-exit-status=$?"
$bb poweroff -f
