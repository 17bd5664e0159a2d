#!/usr/bin/env python3
"""Apply persists, with generations (root, real kernel, the real daemon on a
bus of its own): a committed `gwctl apply FILE` replaces the daemon's config
file and is kept as a generation; a restart (kernel table deleted first)
brings back what was applied; an unconfirmed apply leaves file and kernel
as they were; `gwctl history`, `gwctl diff --generation`, `gwctl rollback`;
and where the config folder is read-only the apply fails before the kernel
changes. The program re-executes itself in a private mount namespace, so
its read-only bind mount is seen by nobody else.

Usage: test_daemon_generations.py GATEWAYD GWCTL   (root)
"""
import json
import os
import subprocess
import sys

from daemon_lab import Checks, Gateway, base_config, daemon_lab, gateway_netns, require_root


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    return open(path).read()


def history(g):
    r = g.gwctl_run("history", "--json")
    return json.loads(r.stdout) if r.returncode == 0 else []


def restart(g, extra):
    g.stop()
    g.nft("delete table inet gatewayd")
    return g.start(extra_args=extra)


def persistence_checks(t, g, wd, extra):
    first, second, third = base_config(443), base_config(8443), base_config(9443)
    r = g.gwctl_run("apply", write(os.path.join(wd, "second.yaml"), second))
    t.check("gwctl apply FILE through the daemon", r.returncode == 0, r.stderr)
    t.check("... replaces the daemon's config file", read(g.config) == second)
    gens = history(g)
    t.check("... and gwctl history shows the file found at start and the apply by root",
            [x["user"] for x in gens] == ["start", "root"] and gens[-1]["live"], json.dumps(gens))
    t.check("a restart (its table deleted first) brings back what was applied",
            restart(g, extra) and "8443" in g.table_text(), g.log()[-800:])

    r = g.gwctl_run("apply", write(os.path.join(wd, "third.yaml"), third), "--confirm", "2")
    t.check("apply --confirm makes the new config live", r.returncode == 0 and "9443" in g.table_text(), r.stderr)
    t.check("... without writing the file before the confirm", read(g.config) == second)
    t.check("unconfirmed: the kernel comes back",
            g.wait_until(lambda: "8443" in g.table_text() and "9443" not in g.table_text(), 60))
    t.check("... and the file and the history are as they were",
            read(g.config) == second and len(history(g)) == 2)

    r = g.gwctl_run("diff", "--generation", "1")
    t.check("gwctl diff --generation 1 shows what going back would change (exit 1)",
            r.returncode == 1 and "443" in r.stdout, r.stdout + r.stderr)
    r = g.gwctl_run("rollback", "1")
    t.check("gwctl rollback 1 applies generation 1 again",
            r.returncode == 0 and " 443 " in g.table_text().replace(":", " ") and "8443" not in g.table_text(),
            r.stderr + g.table_text()[:400])
    gens = history(g)
    t.check("... as generation 3, with the file replaced",
            len(gens) == 3 and gens[-1]["summary"].startswith("rollback to generation 1") and read(g.config) == first,
            json.dumps(gens))


def read_only_checks(t, g, wd, extra):
    folder = os.path.dirname(g.config)
    subprocess.run(["mount", "--bind", folder, folder], check=True)
    subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)
    t.check("the daemon restarts with its config folder read-only", restart(g, extra), g.log()[-800:])
    before_table, before_file = g.table_text(), read(g.config)
    r = g.gwctl_run("apply", write(os.path.join(wd, "fourth.yaml"), base_config(7443)))
    t.check("apply to a read-only config folder fails with a clear error",
            r.returncode == 2 and "Read-only file system" in r.stderr and "kernel is unchanged" in r.stderr,
            r.stdout + r.stderr)
    t.check("... before the kernel changed", g.table_text() == before_table and "7443" not in g.table_text())
    t.check("... and the file is as it was", read(g.config) == before_file)
    subprocess.run(["umount", folder], check=False)


def main():
    gatewayd, gwctl = sys.argv[1:3]
    require_root()
    if os.environ.get("GW_PRIVATE_MOUNTS") != "1":
        env = dict(os.environ, GW_PRIVATE_MOUNTS="1")
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private", sys.executable] + sys.argv, env)
    t = Checks("persistent apply and generations")
    with daemon_lab("gen") as (lab, wd, bus):
        gw, _, _ = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        os.mkdir(os.path.join(wd, "etc"))
        g.config = os.path.join(wd, "etc", "gateway.yaml")
        g.write_config(base_config(443))
        extra = ["--state-dir", os.path.join(wd, "state")]
        t.check("gatewayd is ready", g.start(extra_args=extra), g.log()[-800:])
        persistence_checks(t, g, wd, extra)
        read_only_checks(t, g, wd, extra)
        g.stop()
    t.finish()


if __name__ == "__main__":
    main()
