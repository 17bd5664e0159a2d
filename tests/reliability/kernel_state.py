"""What a network namespace holds, as one text: gatewayd's view of the
kernel (the whole nft ruleset with counter values left out, links,
addresses, routes of every table, policy rules, the sysctls gatewayd
sets), for byte-for-byte "nothing changed" checks.
"""
import re
import time

NFT = "nft list ruleset\n"
NETLINK = r"""
ip -d link show
ip addr show
ip route show table all
ip -6 route show table all
ip rule show
ip -6 rule show
for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/rp_filter \
         /proc/sys/net/ipv4/conf/*/forwarding /proc/sys/net/ipv6/conf/*/forwarding \
         /proc/sys/net/ipv6/conf/*/accept_ra; do echo "$f $(cat $f)"; done
"""


def snapshot(lab, ns, nft=True):
    out = lab.run(ns, ["sh", "-c", (NFT if nft else "") + NETLINK], check=False).stdout
    return re.sub(r"counter packets \d+ bytes \d+", "counter", out)


def wait_settled(lab, ns, timeout=30):
    """Waits until no address is tentative (IPv6 duplicate address
    detection changes `ip addr` output for a second or two)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "tentative" not in lab.run(ns, ["ip", "addr", "show"], check=False).stdout:
            return True
        time.sleep(0.2)
    return False
