#!/usr/bin/env python3
"""Runs one command inside a throwaway qemu guest booted from the pinned
Debian kernel (tests/vm/deps.sh) with the host root shared read-only over
virtiofs, so the repository and build dirs sit at the same paths. Prints the
guest's output and exits with the command's exit status.

  run_in_vm.py [-e NAME[=VALUE]]... [-C DIR] [--kernel 6.12|6.1] [--timeout S]
               [--memory MB] [--cpu MODEL] [--systemd]
               [--tap HOSTIF[@NETNS][=GUESTIF]]... -- CMD [ARG]...

With --systemd the guest boots Debian's systemd as PID 1 (boot_init.sh)
with a disk of its own (an ext4 image in the temporary folder) holding the
upper layers of /etc, /var and /usr, so they survive the guest's reboots;
the command runs once multi-user.target is reached, after every boot,
and exits 100 to let the guest reboot instead of ending the run.

By default the guest has no NIC. Each --tap gives it a virtio-net NIC
backed by a tap device HOSTIF that the runner creates in network namespace
NETNS (default: its own) and that vanishes with qemu; in the guest the NIC
is named GUESTIF (default: the kernel's eth0, eth1, ... in --tap order;
named by init.sh, so not with --systemd). See guest_nics.py.

The guest writes only to its own tmpfs layers (virtiofsd
serves a read-only copy of the host's mounts). qemu and
virtiofsd are killed and the temporary folder removed on every path
(including timeout, SIGTERM and the runner's own death).
"""
import argparse
import ctypes
import os
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.environ.get("GW_VM_CACHE", "/var/cache/gatewayd-vm")
# The kernels deps.sh unpacks: 6.12 has what the host lacks (PPP, meta
# broute, bridge conntrack); 6.1 is what Debian 12 gateways run.
# deps.sh links each series to the release it unpacked (the pin, or its
# successor once the archive retired the pin).
KERNELS = ("6.12", "6.1")
VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
GUEST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MARKER = "gw-vm-exit-status="
PR_SET_PDEATHSIG = 1

sys.path.insert(0, HERE)
import guest_nics  # noqa: E402


def die_with_parent():
    """Children get SIGKILL if the runner dies, even by SIGKILL itself."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-e", "--env", action="append", default=[],
                   help="NAME=VALUE, or NAME to pass the runner's own value")
    p.add_argument("-C", "--cwd", default=os.getcwd(), help="guest working directory")
    p.add_argument("--timeout", type=float, default=600, help="seconds for boot + command")
    p.add_argument("--memory", type=int, default=1024, help="guest memory, MiB")
    p.add_argument("--cpu", default="qemu64", help="qemu CPU model (qemu64: the fastest under TCG)")
    p.add_argument("--kernel", default="6.12", choices=sorted(KERNELS), help="which cached kernel boots")
    p.add_argument("--systemd", action="store_true",
                   help="systemd as PID 1, a persistent disk, reboots allowed")
    p.add_argument("--tap", action="append", default=[], metavar="HOSTIF[@NETNS][=GUESTIF]",
                   help="a virtio-net NIC backed by tap HOSTIF, made in NETNS (repeatable)")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    try:
        args.tap = [guest_nics.TapSpec(text, i) for i, text in enumerate(args.tap)]
    except ValueError as e:
        p.error(str(e))
    if args.systemd and any(t.guest_name for t in args.tap):
        p.error("--tap ...=GUESTIF: NICs are named by init.sh, which --systemd does not run")
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        p.error("no command")
    return args


def kernel_release(series):
    try:
        return os.readlink(os.path.join(CACHE, series))
    except OSError:
        sys.exit(f"run_in_vm: no {series} kernel in {CACHE}: run tests/vm/deps.sh")


def check_host(release):
    """Exit 77 when the tier cannot run here, 1 when it is merely not set up.
    Returns the kernel image and the initramfs ("" when the kernel needs none)."""
    if os.geteuid() != 0:
        print("skipping: the vm tier needs root (virtiofsd shares the host root)")
        sys.exit(77)
    kernel = f"{CACHE}/{release}/boot/vmlinuz-{release}"
    initrd = f"{CACHE}/{release}/initrd.gz"
    missing = [f for f in (kernel, VIRTIOFSD) if not os.path.exists(f)]
    if not shutil.which("qemu-system-x86_64"):
        missing.append("qemu-system-x86_64")
    if missing:
        print(f"vm tier not set up (missing {', '.join(missing)}): run tests/vm/deps.sh")
        sys.exit(1)
    return kernel, initrd if os.path.exists(initrd) else ""


def write_job(workdir, args):
    """The guest's init sources this: environment, directory, command. The
    command is resolved here because busybox ash would prefer its own applets
    (its `ip` has no netns) over a bare name."""
    lines = []
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep:
            value = os.environ.get(name, "")
        lines.append(f"export {name}={shlex.quote(value)}")
    lines.append(f"cd {shlex.quote(os.path.abspath(args.cwd))} || exit 125")
    argv = list(args.command)
    if "/" not in argv[0]:
        found = shutil.which(argv[0], path=GUEST_PATH)
        if not found:
            print(f"run_in_vm: {argv[0]}: not found in {GUEST_PATH}")
            sys.exit(127)
        argv[0] = found
    lines.append(" ".join(shlex.quote(a) for a in argv))
    with open(os.path.join(workdir, "job.sh"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(workdir, 0o755)


# qemu 7.2's virtiofsd has no read-only mode: it serves a read-only copy of
# the host's mount tree, made in a mount namespace of its own, so even a
# guest that remounted its root read-write could not change the host. A
# mount that cannot be made read-only stops the run: the guest would write
# through it to the host.
READ_ONLY_ROOT = r"""
set -e
root=$1; shift
mount --rbind / "$root"
for m in $(awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo); do
    mount -o remount,bind,ro "$m" || { echo "cannot make $m read-only for the guest" >&2; exit 1; }
done
exec "$@"
"""


def start_virtiofsd(workdir, socket_path):
    root = os.path.join(workdir, "root")
    os.mkdir(root)
    log = open(os.path.join(workdir, "virtiofsd.log"), "w")
    proc = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", READ_ONLY_ROOT, "sh", root,
         VIRTIOFSD, f"--socket-path={socket_path}", "-o", f"source={root}", "-o", "sandbox=chroot",
         "-o", "cache=always", "-o", "log_level=warn"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, preexec_fn=die_with_parent)
    deadline = time.monotonic() + 10
    while not os.path.exists(socket_path):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            with open(log.name) as f:
                raise RuntimeError(f"virtiofsd did not start:\n{f.read()}")
        time.sleep(0.02)
    return proc


DISK_MB = 512


def make_disk(workdir):
    """The --systemd guest's disk: a sparse ext4 image, empty."""
    path = os.path.join(workdir, "disk.img")
    with open(path, "wb") as f:
        f.truncate(DISK_MB << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", path],
                   check=True, stdout=subprocess.DEVNULL)
    return path


def qemu_argv(kernel, initrd, release, socket_path, workdir, args, tap_fds):
    init = f"{HERE}/boot_init.sh" if args.systemd else f"{HERE}/init.sh"
    cmdline = [
        "console=ttyS0", "quiet", "panic=-1", "mitigations=off",
        "root=gwroot", "rootfstype=virtiofs", "ro",
        # With an initramfs its /init mounts the root and hands over to ours.
        f"rdinit=/init gwvm.init={init}" if initrd else f"init={init}",
        f"gwvm.job={workdir}", f"gwvm.modroot={CACHE}/{release}",
    ] + guest_nics.kernel_words(args.tap)
    nics = [a for spec, fd in zip(args.tap, tap_fds) for a in guest_nics.qemu_args(spec, fd)]
    memory = args.memory
    return [
        "qemu-system-x86_64", "-accel", "tcg", "-cpu", args.cpu, "-smp", "1",
        "-m", f"{memory}M",
        # virtiofs needs guest memory the daemon can map.
        "-object", f"memory-backend-memfd,id=mem,size={memory}M,share=on",
        "-machine", "pc,memory-backend=mem",
        "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none",
        # Named threads ("CPU 0/TCG" runs the guest's code): how a benchmark
        # tells the emulated CPU's host time from the device models'.
        "-name", "gwvm,debug-threads=on",
        "-serial", "stdio",
        "-chardev", f"socket,id=vfs,path={socket_path}",
        "-device", "vhost-user-fs-pci,chardev=vfs,tag=gwroot",
        "-kernel", kernel, "-append", " ".join(cmdline),
    ] + nics + (["-initrd", initrd] if initrd else []) + (
        # A guest reboot restarts the same kernel with the same disk.
        ["-drive", f"file={workdir}/disk.img,if=virtio,format=raw,cache=unsafe"] if args.systemd
        else ["-no-reboot"])


def relay(proc, deadline):
    """Copies guest output to stdout until qemu exits or time runs out;
    returns the status from the marker line, or None."""
    status, pending = None, b""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return status, True
        if not sel.select(timeout=min(left, 1.0)):
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        pending += chunk.replace(b"\r", b"")
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = raw.decode(errors="replace")
            if status is not None:  # after the marker comes only the power-off
                continue
            # The command's last line may lack its newline: the marker ends a line.
            head, sep, tail = line.rpartition(MARKER)
            if sep and tail.isdigit():
                status = int(tail)
                line = head
            if line or not sep:
                print(line, flush=True)
    if pending and status is None:
        print(pending.decode(errors="replace"), flush=True)
    return status, False


def stop(proc):
    if proc and proc.poll() is None:
        proc.kill()
        proc.wait()


def main(argv):
    args = parse_args(argv)
    release = kernel_release(args.kernel)
    kernel, initrd = check_host(release)
    # SIGTERM (meson's timeout) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = tempfile.mkdtemp(prefix="gw-vm.")
    virtiofsd = qemu = None
    tap_fds = []
    try:
        write_job(workdir, args)
        socket_path = os.path.join(workdir, "vfs.sock")
        if args.systemd:
            make_disk(workdir)
        virtiofsd = start_virtiofsd(workdir, socket_path)
        for spec in args.tap:
            tap_fds.append(guest_nics.open_tap(spec))
        qemu = subprocess.Popen(qemu_argv(kernel, initrd, release, socket_path, workdir, args, tap_fds),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
                                pass_fds=tap_fds)
        # qemu holds the taps now: they go away when it does.
        for fd in tap_fds:
            os.close(fd)
        tap_fds = []
        status, timed_out = relay(qemu, time.monotonic() + args.timeout)
        if timed_out:
            print(f"run_in_vm: timed out after {args.timeout:.0f} s", flush=True)
            return 1
        if status is None:
            print(f"run_in_vm: guest stopped without an exit status (qemu {qemu.wait()})",
                  flush=True)
            return 1
        return status
    finally:
        stop(qemu)
        stop(virtiofsd)
        for fd in tap_fds:
            os.close(fd)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
