"""NICs for the vm guest (run_in_vm.py --tap): each is a virtio-net NIC
backed by a host tap device that the runner creates, in a network namespace
of the caller's choosing, and hands to qemu as an open file descriptor.

The tap is not persistent: it lives as long as an fd on it is open, so it
disappears with qemu on every path, and it is created in the namespace it
belongs to (the host's own namespace never holds it, not even for a moment).
The guest's init loads virtio_net and renames each NIC found by its MAC
address to the name asked for.
"""
import contextlib
import ctypes
import fcntl
import os
import struct

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000
CLONE_NEWNET = 0x40000000
# Locally administered, fixed per position: the guest finds its NICs by them.
MAC_PREFIX = "52:54:00:67:77:"


class TapSpec:
    """HOSTIF[@NETNS][=GUESTIF] of --tap, plus its position."""

    def __init__(self, text, index):
        rest, _, self.guest_name = text.partition("=")
        self.host_name, _, self.netns = rest.partition("@")
        if not self.host_name or len(self.host_name) > 15 or len(self.guest_name) > 15:
            raise ValueError(f"--tap {text}: expected HOSTIF[@NETNS][=GUESTIF], names of 1-15 characters")
        self.index = index
        self.mac = f"{MAC_PREFIX}{index + 1:02x}"


def _setns(fd):
    if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextlib.contextmanager
def in_netns(name):
    """Runs the body with this thread in network namespace `name` (one made
    by `ip netns add`); sockets and devices made there stay there. No name:
    the current namespace."""
    if not name:
        yield
        return
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{name}", os.O_RDONLY)
        try:
            _setns(target)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(home)


def open_tap(spec):
    """Creates the tap in its namespace; returns the fd qemu is to get.
    IFF_VNET_HDR lets qemu pass checksum and segmentation offloads through.
    The tap's namespace is the one /dev/net/tun was opened in."""
    with in_netns(spec.netns):
        fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        ifreq = struct.pack("16sH22x", spec.host_name.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)
        fcntl.ioctl(fd, TUNSETIFF, ifreq)
    except OSError:
        os.close(fd)
        raise
    return fd


def qemu_args(spec, fd):
    nic = f"nic{spec.index}"
    return ["-netdev", f"tap,id={nic},fd={fd}",
            "-device", f"virtio-net-pci,netdev={nic},mac={spec.mac}"]


def kernel_words(specs):
    """gwvm.nic=GUESTIF/MAC for init.sh; NICs without a guest name keep the
    kernel's (eth0, eth1, ... in --tap order)."""
    return [f"gwvm.nic={s.guest_name}/{s.mac}" for s in specs if s.guest_name] + (
        ["gwvm.virtio_net=1"] if specs else [])
