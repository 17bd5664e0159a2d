"""The programs a verification lab runs inside its namespaces: a server
that answers on many TCP and UDP ports (IPv4 and IPv6) with the address it
saw and its own name, and a prober that runs a list of probes in parallel
and prints what each one got. Kept as source text: the lab runs them with
`ip netns exec NS python3 -c`."""

SERVER = r'''
import socket, sys, threading
name, ports = sys.argv[1], [int(p) for p in sys.argv[2].split(",")]
def serve(sock, tcp):
    while True:
        try:
            if tcp:
                c, peer = sock.accept()
                c.sendall(("%s %s" % (peer[0].removeprefix("::ffff:"), name)).encode()); c.close()
            else:
                data, peer = sock.recvfrom(2048)
                sock.sendto(("%s %s" % (peer[0].removeprefix("::ffff:"), name)).encode(), peer)
        except OSError:
            pass
for port in ports:
    for tcp in (True, False):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::", port))
        if tcp: s.listen(64)
        threading.Thread(target=serve, args=(s, tcp), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
'''

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
