#!/bin/busybox ash
# The kernel's init for run_in_vm.py --systemd: prepares a Debian userspace
# on the read-only host root and hands PID 1 to systemd (exec, same pid).
# /etc, /var and /usr get overlays whose upper layers live on the guest's
# disk (/dev/vda, ext4, made by the runner for this run), so what the guest
# installs, enables and applies survives its reboots; /lib/modules shows
# the cached kernel's modules. On the first boot it also masks the units
# the host enabled (its own services have no business in the test guest),
# and each boot writes the unit that runs the job (gw-vm-job.service).
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev

job= modroot=
for word in $($bb cat /proc/cmdline); do
    case $word in
        gwvm.job=*) job=${word#gwvm.job=} ;;
        gwvm.modroot=*) modroot=${word#gwvm.modroot=} ;;
    esac
done
release=$($bb uname -r)
/usr/sbin/modprobe -d "$modroot" -a virtio_blk ext4 overlay

# The disk sits on /mnt (a mount point needs no writable parent): systemd
# mounts its own /run.
disk=/mnt
$bb mount -t ext4 /dev/vda $disk || { echo "boot_init: no disk"; $bb poweroff -f; }
first_boot=
[ -e $disk/booted ] || first_boot=1
overlay() {
    $bb mkdir -p $disk/$2.up $disk/$2.work
    $bb mount -t overlay overlay -o lowerdir=$1,upperdir=$disk/$2.up,workdir=$disk/$2.work $1
}
overlay /etc etc
overlay /var var
overlay /usr usr
# The host has no /lib/modules (a container): made in /usr's upper layer.
$bb mkdir -p /lib/modules
$bb mount --bind "$modroot/lib/modules" /lib/modules || echo "boot_init: no modules for the kernel"

units=/etc/systemd/system
if [ -n "$first_boot" ]; then
    echo "boot_init: first boot: the host's units masked"
    for unit in $units/*.wants/*; do
        [ -e "$unit" ] || [ -L "$unit" ] || continue
        $bb ln -sfn /dev/null "$units/${unit##*/}"
    done
    # SysV scripts with no unit of their own (systemd would wrap and start
    # them: an isc-dhcp-server, say, waiting minutes for its interfaces).
    for script in /etc/init.d/*; do
        name=${script##*/}
        [ -e "/lib/systemd/system/$name.service" ] || [ -e "$units/$name.service" ] \
            || $bb ln -sfn /dev/null "$units/$name.service"
    done
    $bb ln -sfn /dev/null "$units/serial-getty@ttyS0.service"
    $bb ln -sfn /dev/null "$units/console-getty.service"
    # A container host's policy-rc.d (exit 101) tells maintainer scripts
    # never to start services; a router has none, and the test installs
    # a package whose postinst starts its unit.
    $bb rm -f /usr/sbin/policy-rc.d
    : > /etc/fstab
    echo gwvm > /etc/hostname
    $bb touch $disk/booted
fi

# The job: the runner's job.sh (environment, directory, command), run once
# multi-user.target is reached. Exit status 100 means the job asked for a
# reboot; any other status is passed out on the marker line, then poweroff.
$bb cp "$job/job.sh" $disk/job.sh
$bb cat > $units/gw-vm-job.service <<UNIT
[Unit]
Description=run_in_vm job
After=multi-user.target

[Service]
Type=oneshot
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console
Environment=HOME=/root LANG=C.UTF-8 TERM=dumb
ExecStart=/bin/sh -c '/bin/sh /mnt/job.sh; rc=\$\$?; [ \$\$rc -eq 100 ] && exit 0; echo gw-vm-exit-status=\$\$rc; systemctl poweroff --no-block'
UNIT
$bb mkdir -p $units/multi-user.target.wants
$bb ln -sfn $units/gw-vm-job.service $units/multi-user.target.wants/gw-vm-job.service
exec /lib/systemd/systemd
