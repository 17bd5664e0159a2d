#!/usr/bin/env python3
"""Host side of vm-systemd-boot: finds the .deb scripts/package.sh built in
DEBDIR (building it when there is none, or when it is older than the
build's gatewayd), then boots the guest with systemd as PID 1
(run_in_vm.py --systemd) and runs test_systemd_boot.py there.

Usage: systemd_boot.py DEBDIR GATEWAYD [--timeout S]
"""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


def package(debdir, gatewayd):
    debs = glob.glob(os.path.join(debdir, "gatewayd_*.deb"))
    if debs and os.path.getmtime(debs[0]) >= os.path.getmtime(gatewayd):
        return debs[0]
    print(f"building the package into {debdir} (scripts/package.sh)", flush=True)
    subprocess.run([os.path.join(SOURCE, "scripts", "package.sh"), debdir], check=True,
                   stdout=subprocess.DEVNULL)
    return glob.glob(os.path.join(debdir, "gatewayd_*.deb"))[0]


def main():
    if os.geteuid() != 0:
        print("skipping: the vm tier needs root (virtiofsd shares the host root)")
        sys.exit(77)
    debdir, gatewayd = sys.argv[1:3]
    timeout = sys.argv[4] if sys.argv[3:4] == ["--timeout"] else "900"
    deb = package(debdir, gatewayd)
    os.execv(sys.executable, [sys.executable, os.path.join(HERE, "run_in_vm.py"), "--systemd",
                              "-e", "PYTHONDONTWRITEBYTECODE=1", "-e", "PYTHONUNBUFFERED=1",
                              "--timeout", timeout, "--", os.path.join(HERE, "test_systemd_boot.py"), deb])


if __name__ == "__main__":
    main()
