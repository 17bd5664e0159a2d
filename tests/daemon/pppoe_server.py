"""The ISP's end of a real PPPoE line for the vm tier: pppoe-server (in
user-space mode: the guest kernel's pppoe.ko serves the client side only)
in a namespace, CHAP with one user, a pool of one address per start. One
place for every vm test that dials a real session.
"""
import os
import signal
import time


def write_chap_secret(user, secret):
    """The guest's /etc/ppp/chap-secrets (a throwaway overlay in the vm)
    gets `user` with `secret`, for any server; other users' lines stay."""
    os.makedirs("/etc/ppp", exist_ok=True)
    path = "/etc/ppp/chap-secrets"
    try:
        with open(path) as f:
            lines = [line for line in f if not line.startswith(f'"{user}" ')]
    except FileNotFoundError:
        lines = []
    lines.append(f'"{user}" * "{secret}" *\n')
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.writelines(lines)


class AccessConcentrator:
    """pppoe-server on `device` in namespace `ns` of `lab`: its end of each
    session is `local`, the client gets the pool address given to serve().
    `dns` (a list) is pushed to the client; LCP echoes every 2 s, 3 missed
    end a session on this side too. With `ipv6` each session negotiates
    IPv6CP as well (link-local addresses from its interface identifiers)."""

    def __init__(self, lab, ns, workdir, user, secret, local, dns=(), device="eth0", name="isp", ipv6=False):
        self.lab, self.ns, self.local, self.device = lab, ns, local, device
        self.pidfile = os.path.join(workdir, f"pppoe-server-{name}.pid")
        self.log = os.path.join(workdir, f"pppd-{name}.log")
        self.options = os.path.join(workdir, f"pppoe-server-{name}.options")
        write_chap_secret(user, secret)
        with open(self.options, "w") as f:
            f.write("require-chap\n" + "".join(f"ms-dns {d}\n" for d in dns)
                    + f"lcp-echo-interval 2\nlcp-echo-failure 3\nlogfile {self.log}\n"
                    + ("+ipv6\n" if ipv6 else ""))

    def serve(self, pool, sessions=4, session_offset=0):
        """Starts the server; clients get `pool`. `session_offset` keeps a
        restarted server's session ids apart from the old ones."""
        self.lab.run(self.ns, ["pppoe-server", "-I", self.device, "-L", self.local, "-R", pool,
                               "-N", str(sessions), "-o", str(session_offset), "-O", self.options,
                               "-X", self.pidfile])

    def server_pid(self):
        try:
            return int(open(self.pidfile).read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop_server(self, signo=signal.SIGTERM):
        """Stops answering discovery; sessions already up stay."""
        pid = self.server_pid()
        if pid:
            signal_all([pid], signo)

    def restart(self, pool, sessions=2, session_offset=8):
        """The ISP side drops the session and hands out addresses from
        another pool: the old server is killed first (so it answers no
        discovery), the new one started, then the old session's processes
        get SIGTERM (pppd ends the link with an LCP terminate). Done in this
        order the client finds the new server on its first retry. Returns
        the old session's processes still alive after 20 s."""
        old = self.pids()
        server = [p for p in old if cmdline(p).startswith("pppoe-server")]
        signal_all(server, signal.SIGKILL)
        self.serve(pool, sessions=sessions, session_offset=session_offset)
        session = [p for p in old if p not in server]
        signal_all(session, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(alive(p) for p in session):
            time.sleep(0.2)
        return {p: cmdline(p) for p in session if alive(p)}

    def pids(self):
        """Every process in the namespace: the server and its sessions."""
        out = self.lab.run(self.ns, ["ip", "netns", "pids", self.ns], check=False).stdout
        return [int(p) for p in out.split()]

    def sessions(self):
        """The server side's pppd of each session up or coming up."""
        return [p for p in self.pids() if os.path.basename(cmdline(p).split(" ")[0]) == "pppd"]

    def tail(self, chars=3000):
        try:
            return open(self.log).read()[-chars:]
        except OSError:
            return ""


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid):
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def signal_all(pids, signo):
    for pid in pids:
        try:
            os.kill(pid, signo)
        except ProcessLookupError:
            pass
