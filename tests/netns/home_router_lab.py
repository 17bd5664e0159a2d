"""The first story of DESIGN.md as a lab: an Internet host, the gateway, and
a LAN with two servers and a PC. The LAN port lan0 is a bridge the LAN
hosts plug into; wan0 is an empty bridge standing in for the Ethernet port
PPPoE runs over.

    inet (198.51.100.1) ── isp [gw] lan0 ──┬── srv1 172.16.1.100
                 public 198.51.100.2        ├── srv2 172.16.1.101
                                            └── pc   172.16.3.10

The PPPoE link "isp" comes in two kinds. By default (`gwctl apply` tests)
it is a veth named after the uplink, as pppd would name it, carrying the
public address. With `pppoe_standin=True` the lab leaves it out: gatewayd
supervises tests/uplinks/standin-pppd, which makes a tun "isp" in the
gateway and its far end in `inet` (see tests/daemon/standin.py).
"""
from netlab import Lab

PUBLIC = "198.51.100.2"
INTERNET_HOST = "198.51.100.1"
GATEWAY_LAN = "172.16.2.1"
SRV1, SRV2, PC = "172.16.1.100", "172.16.1.101", "172.16.3.10"


class HomeRouterLab:
    def __init__(self, tag="hr", pppoe_standin=False):
        self.lab = lab = Lab(tag)
        self.inet = lab.netns("inet")
        self.gw = lab.netns("gw")
        if not pppoe_standin:
            lab.veth(self.inet, "eth0", self.gw, "isp")
            lab.ip(self.inet, f"addr add {INTERNET_HOST}/24 dev eth0")
            lab.ip(self.gw, f"addr add {PUBLIC}/24 dev isp")
        lab.bridge(self.gw, "wan0")
        # No default route here: gatewayd owns it (default-route: true).
        lab.bridge(self.gw, "lan0")
        self.srv1 = lab.host("srv1", self.gw, "lan0", f"{SRV1}/16", GATEWAY_LAN)
        self.srv2 = lab.host("srv2", self.gw, "lan0", f"{SRV2}/16", GATEWAY_LAN)
        self.pc = lab.host("pc", self.gw, "lan0", f"{PC}/16", GATEWAY_LAN)
        # The Internet host answers only for its own /24 (the stand-in's
        # point-to-point link: only for the gateway's address): without
        # masquerade a LAN source address gets no reply, which the tests
        # rely on.

    def close(self):
        self.lab.close()
