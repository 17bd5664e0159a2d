"""The prober a verification lab runs inside its namespaces: it runs a list
of probes in parallel against the servers of tests/netns/probe_server.py
and prints what each one got. Kept as source text: the lab runs it with
`ip netns exec NS python3 -c`."""

# stdin: JSON list of {"id", "proto": tcp|udp|icmp, "src", "dst", "port"}; run as
# the probe's user with setpriv
# stdout: JSON {id: result}; result "open <peer> <server>", "refused", "timeout", "unreachable"
PROBER = r'''
import json, os, socket, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
probes = json.load(sys.stdin)
TIMEOUT = float(sys.argv[1])
def one(p):
    if p["proto"] == "icmp":
        r = subprocess.run(["ping", "-n", "-c", "1", "-W", str(int(TIMEOUT)), "-I", p["src"], p["dst"]],
                           capture_output=True)
        return "open" if r.returncode == 0 else "timeout"
    fam = socket.AF_INET6 if ":" in p["dst"] else socket.AF_INET
    kind = socket.SOCK_STREAM if p["proto"] == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(fam, kind)
    s.settimeout(TIMEOUT)
    try:
        if p.get("src"): s.bind((p["src"], 0))
        s.connect((p["dst"], p["port"]))
        if kind == socket.SOCK_DGRAM: s.send(b"probe")
        return "open " + s.recv(2048).decode()
    except ConnectionRefusedError:
        return "refused"
    except (socket.timeout, TimeoutError):
        return "timeout"
    except OSError as e:
        return "unreachable" if e.errno in (101, 113, 1, 13) else "error " + str(e.errno)
    finally:
        s.close()
with ThreadPoolExecutor(48) as pool:
    results = dict(zip([p["id"] for p in probes], pool.map(one, probes)))
print(json.dumps(results))
'''
