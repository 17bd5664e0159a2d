"""The stand-in pppd (tests/uplinks/standin-pppd) seen from a test: its
control directory, the conf it reads at every start, the files it leaves
(.pid, .args, .password, .starts), its processes and signals, and what
gatewayd needs to start it instead of pppd. One place for every test and
the demo, so a change to the stand-in's contract is made once.
"""
import os
import signal


def password_file(path, secret):
    """Writes `secret` to a new root-owned 0600 file, as gatewayd wants a
    PPPoE password file to be; returns the path."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    return path


class Standin:
    """Control directory `<workdir>/standin` for the PPPoE link `link`.

    Settings given here (peer, dns, peer_netns, up_delay_ms, ...) are the
    defaults of every configure(); configure() may override any of them
    for one conf. The stand-in reads the conf when it starts, and again on
    SIGUSR1 (address change without a reconnect)."""

    def __init__(self, workdir, exe, link="isp", **defaults):
        self.dir = os.path.join(workdir, "standin")
        self.exe = os.path.realpath(exe)
        self.link = link
        self.defaults = defaults
        os.mkdir(self.dir)

    # ---- gatewayd's side ----------------------------------------------------

    def daemon_env(self):
        return {"GW_STANDIN_DIR": self.dir}

    def daemon_args(self):
        return ["--pppd", self.exe]

    def start(self, g, **kw):
        """Starts Gateway `g` (daemon_lab) with the stand-in as its pppd;
        True once it is ready."""
        return g.start(extra_env=self.daemon_env(), extra_args=self.daemon_args(), **kw)

    # ---- the conf -------------------------------------------------------------

    def configure(self, local, **settings):
        """Writes the conf: `local` plus the defaults updated by `settings`
        (peer, dns: a list, peer_netns, fail_before_up, up_delay_ms)."""
        s = dict(self.defaults, **settings)
        unknown = set(s) - {"peer", "dns", "peer_netns", "fail_before_up", "up_delay_ms"}
        if unknown:
            raise ValueError(f"the stand-in has no setting {sorted(unknown)}")
        lines = [f"local {local}"]
        if s.get("peer"):
            lines.append(f"peer {s['peer']}")
        lines += [f"dns {d}" for d in s.get("dns", ())]
        for key in ("peer_netns", "fail_before_up", "up_delay_ms"):
            if s.get(key) is not None:
                lines.append(f"{key.replace('_', '-')} {s[key]}")
        with open(self.path("conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    # ---- what it leaves behind ---------------------------------------------

    def path(self, what):
        return os.path.join(self.dir, f"{self.link}.{what}")

    def read(self, what):
        """The content of `<link>.<what>` (pid, args, password, starts), or ""."""
        try:
            with open(self.path(what)) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def starts(self):
        return int(self.read("starts").strip() or 0)

    def pid(self):
        """The pid of the latest start (it may have ended since)."""
        return int(self.read("pid"))

    def pids(self):
        """Every running process of our stand-in binary that uses this
        control directory (other tests may run the same binary meanwhile)."""
        mark = f"GW_STANDIN_DIR={self.dir}".encode()
        out = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.readlink(f"/proc/{pid}/exe") != self.exe:
                    continue
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        out.append(int(pid))
            except OSError:
                pass
        return out

    def signal(self, signo):
        """SIGUSR2: carrier lost (link gone, exit 1); SIGUSR1: re-read the
        conf and move to its address; SIGTERM: hang up."""
        os.kill(self.pid(), signo)

    def lose_carrier(self, next_local=None, **settings):
        """The line drops: with `next_local`, the conf is rewritten first so
        that the redial gatewayd makes comes up with that address."""
        if next_local:
            self.configure(next_local, **settings)
        self.signal(signal.SIGUSR2)
