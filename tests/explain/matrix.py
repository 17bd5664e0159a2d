"""Compares `gwctl explain` with what really happens: for each case the
verdict and translated addresses explain gives, then one real attempt
between the lab's namespaces. A case agrees when

    explain delivered    the probe was answered by the server that holds the
                         address explain delivers to, which saw the source
                         address explain says it sees;
    explain dropped      the probe timed out;
    explain rejected     it was refused at once;
    explain unreachable  it got an ICMP unreachable (or no route).
"""
import concurrent.futures
import json
import subprocess

EXPECTED_PROBE = {"dropped": "TIMEOUT", "rejected": "REFUSED", "unreachable": "UNREACH"}

# The cases queued between two changes of a lab run side by side: most of
# a case's time is a dropped probe waiting out its timeout.
POOL = concurrent.futures.ThreadPoolExecutor(8)


class Matrix:
    def __init__(self, checks, gwctl, config, run_ns, servers, extra_args=(), wrap=list):
        """servers: address -> the name its probe server answers with
        ("gateway" for the gateway's own addresses), or for an address that
        lives behind several uplinks, {out link: name}."""
        self.t, self.gwctl, self.config, self.run_ns = checks, gwctl, config, run_ns
        self.servers, self.extra, self.wrap = servers, list(extra_args), wrap
        self.disagreements = []
        self.cases = 0
        self.pending = []  # (label, src, dst, proto, port, future of (explain, probe)) not yet recorded

    def explain(self, src, dst, proto, port, uid=None, extra=()):
        spec = proto if proto in ("icmp", "icmpv6") else f"{proto}/{port}"
        argv = ["ip", "netns", "exec", self.run_ns, self.gwctl, "explain", "--json", "--file", self.config,
                src, dst, spec, *self.extra, *extra]
        if uid is not None:
            argv += ["--uid", str(uid)]
        res = subprocess.run(self.wrap(argv), capture_output=True, text=True, timeout=60, cwd="/")
        if res.returncode != 0:
            raise RuntimeError(f"gwctl explain {src} {dst} {spec} failed: {res.stderr}")
        return json.loads(res.stdout)

    def agree(self, ex, got):
        kind, seen, server = got
        verdict = ex["verdict"]
        if verdict != "delivered":
            return kind == EXPECTED_PROBE[verdict]
        if kind != "OK":
            return False
        if seen is None:  # ping: answered is all it tells
            return True
        dest = ex["delivered_as"]
        want_server = self.servers.get(dest["destination"], "?")
        if isinstance(want_server, dict):  # one address behind several uplinks: the link tells which
            want_server = want_server.get(ex.get("out"), "?")
        return server == want_server and seen == dest["source"]

    def case(self, label, src_ns, src, dst, proto, port=0, uid=None, user=None, probe_fn=None, extra=()):
        """Queues one case; settle() records its check. src/dst: addresses;
        src is "gateway" for the gateway's own traffic."""
        self.cases += 1
        future = POOL.submit(self.explain_and_probe, src_ns, src, dst, proto, port, uid, user, probe_fn, extra)
        self.pending.append((label, src, dst, proto, port, future))

    def explain_and_probe(self, src_ns, src, dst, proto, port, uid, user, probe_fn, extra):
        ex = self.explain(src, dst, proto, port, uid, extra)
        got = probe_fn(src_ns, dst, proto, port, user)
        if ex["verdict"] == "delivered" and got[0] == "TIMEOUT":
            # A busy machine may be slow to resolve a neighbour on the first
            # packet; a path that is really closed times out again.
            got = probe_fn(src_ns, dst, proto, port, user, timeout=6.0)
        return ex, got

    def settle(self):
        """Waits for the cases queued so far and records their checks, in the
        order they were given. Call it before the lab changes (an address
        added, a table flushed) and before the lab goes."""
        for label, src, dst, proto, port, future in self.pending:
            ex, got = future.result()
            self.record(label, src, dst, proto, port, ex, got)
        self.pending.clear()

    def record(self, label, src, dst, proto, port, ex, got):
        ok = self.agree(ex, got)
        dest = ex["delivered_as"]
        said = ex["verdict"] + (f" to {dest['destination']} seen from {dest['source']}"
                                if ex["verdict"] == "delivered" else "")
        decided = ex["steps"][-1] if ex["steps"] else {}
        detail = f"explain: {said} [{decided.get('detail', '')}]; probe: {' '.join(x for x in got if x)}"
        self.t.check(f"{label}: {proto}/{port} {src} -> {dst}: {detail}" if ok else label, ok, "" if ok else detail)
        if not ok:
            self.disagreements.append(label + ": " + detail)
