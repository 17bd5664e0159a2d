#!/usr/bin/env python3
"""The coexistence story with native MAP-E: examples/coexistence-map-e.yaml
(gatewayd is the v6plus CE itself) beside a real PPPoE session, inside the
vm guest (the host kernel has neither ip6_tunnel nor PPP). It is the story
and the checks of tests/netns/test_coexistence.py, with the real pppd of
tests/vm/test_coexistence.py, where the "v6plus router" namespace is now
the ISP's IPv6 side and border relay of tests/vm/test_mape.py, terminating
the CE's ipip6 tunnel and answering as the Internet, so what leaves by
v6plus is seen with the CE's shared address.

One change to the example: the v6plus uplink rides on v6p0 rather than on
wan0. The example's ONU carries IPv6 and PPPoE on one port; here the far
end of wan0 is the access concentrator's namespace, and the story tells
the uplinks apart by which namespace answers.

Usage (guest): test_coexistence_mape.py GATEWAYD GWCTL EXAMPLE
"""
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "netns"))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
import test_coexistence as story  # noqa: E402  (tests/netns: the story and its checks)
import test_mape as mape  # noqa: E402


def vm_story():
    """tests/vm/test_coexistence.py (the real PPPoE), which shares its
    module name with the host tier's story."""
    spec = importlib.util.spec_from_file_location("vm_coexistence", os.path.join(HERE, "test_coexistence.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def lab_config(vm, example, password):
    text = vm.vm_config(example, password)
    on_wan0 = "    device: wan0\n    profile: v6plus\n"
    assert on_wan0 in text
    return text.replace(on_wan0, "    device: v6p0\n    profile: v6plus\n", 1)


def beside_mape(real_pppoe):
    """The real PPPoE session, whose start also waits for the CE to be up."""
    class Session(real_pppoe):
        def start(self, g):
            return super().start(g) and g.wait_until(lambda: mape.ce_applied(self.lab, g, CE, "v6p0"),
                                                     mape.PATIENCE)
    return Session


CE = mape.Ce(mape.FIRST_PREFIX)


def border_side(lab, top):
    """The v6plus namespace as the ISP's IPv6 side and border relay; the CE's prefix on v6p0."""
    mape.wire_border_relay(lab, top.v6p, "eth0", top.gw, "v6p0")
    mape.border_relay(lab, top.v6p, CE)
    lab.ip(top.gw, f"addr add {mape.FIRST_PREFIX}1/64 dev v6p0")


def main():
    gatewayd, gwctl, example = sys.argv[1:4]
    vm = vm_story()
    story.V6PLUS_ADDRESS = CE.ipv4
    vm.run_with_real_pppoe("native MAP-E + PPPoE coexistence (real PPPoE)", "cm", gatewayd, gwctl,
                           lambda password: lab_config(vm, example, password), border_side, beside_mape(vm.RealPppoe))


if __name__ == "__main__":
    main()
