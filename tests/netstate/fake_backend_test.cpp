// The in-memory backend: a compiled state converges in one sync and stays
// put; links that vanish make the dependent operations transient; foreign
// objects survive; fatal errors carry the operation and the config line.
#include <doctest/doctest.h>

#include <cerrno>

#include "tests/fake/fake_kernel.hpp"
#include "tests/kernel/net_sync.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;
using gw::test::at;

namespace {

config::Config coexistence() {
    config::Config c;
    c.file = "gateway.yaml";
    c.interfaces.push_back(test::interface("lan", "lan0", {"172.16.2.1/16", "fd00:1::1/64"}, 10));
    c.interfaces.push_back(test::interface("v6plus-link", "v6p0", {"192.168.1.2/24"}, 20));
    auto v6plus = test::next_hop("v6plus", "v6p0", "192.168.1.1", 30);
    v6plus.default_route = {true, at(34)};
    c.uplinks.push_back(v6plus);
    c.uplinks.push_back(test::pppoe("isp", "wan0", 40));
    c.zones.push_back(test::zone("lan", {"lan"}, {}, 50));
    c.zones.push_back(test::zone("wan", {}, {"v6plus", "isp"}, 53));
    return c;
}

test::FakeKernel box() {
    test::FakeKernel k;
    k.net.add_device("lan0");
    k.net.add_device("v6p0");
    k.net.add_device("wan0");
    return k;
}

bool kernel_has(const test::FakeKernel& k, const std::string& line) {
    return netstate::render_netstate(k.net.kernel()).find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("fake: converges in one sync, the next sync is a no-op") {
    auto k = box();
    auto want = netstate::compile_netstate(coexistence(), {});
    auto first = test::sync_netstate(k, want);
    REQUIRE(first);
    CHECK_FALSE(first->diff.empty());
    CHECK(first->applied.complete());
    CHECK(first->applied.applied == first->diff.ops.size());

    std::size_t requests = k.net.requests();
    auto second = test::sync_netstate(k, want);
    REQUIRE(second);
    CHECK(second->diff.empty());
    CHECK(k.net.requests() == requests);

    CHECK(kernel_has(k, "link lan0 nomaster mtu 1500 up"));
    CHECK(kernel_has(k, "link wan0 nomaster mtu 1500 up"));
    CHECK(kernel_has(k, "address 192.168.1.2/24 dev v6p0"));
    CHECK(kernel_has(k, "route default via 192.168.1.1 dev v6p0 table main metric 0 proto 157"));
    CHECK(kernel_has(k, "route default via 192.168.1.1 dev v6p0 table 1000 metric 0 proto 157"));
    CHECK(kernel_has(k, "sysctl net.ipv4.conf.v6p0.rp_filter = 2"));
    CHECK(kernel_has(k, "sysctl net.ipv6.conf.all.forwarding = 1"));
}

TEST_CASE("fake: applying the same operations twice is harmless (EEXIST is success)") {
    auto k = box();
    auto want = netstate::compile_netstate(coexistence(), {});
    auto observed = test::observe_scope(k, want);
    REQUIRE(observed);
    auto d = netstate::diff_netstate(want, *observed);
    REQUIRE(test::apply_ops(k, d.ops));
    std::string after_first = netstate::render_netstate(k.net.kernel());
    auto again = test::apply_ops(k, d.ops);
    REQUIRE(again);
    CHECK(again->complete());
    CHECK(netstate::render_netstate(k.net.kernel()) == after_first);
}

TEST_CASE("fake: PPPoE coming up adds its routes, going down removes them") {
    auto k = box();
    auto cfg = coexistence();
    REQUIRE(test::sync_netstate(k, netstate::compile_netstate(cfg, {})));

    k.net.add_device("isp");
    k.net.kernel().addresses.push_back({"isp", test::prefix("203.0.113.7/32"), {}});
    auto addrs = test::observe_addresses(k);
    REQUIRE(addrs);
    CHECK_FALSE(addrs->contains("absent0"));
    REQUIRE(addrs->at("isp").size() == 1);  // link-local left out
    rules::Facts facts;
    facts.uplink_addresses["isp"] = addrs->at("isp");

    auto up = test::sync_netstate(k, netstate::compile_netstate(cfg, facts));
    REQUIRE(up);
    CHECK(up->diff.text ==
          "-sysctl net.ipv6.conf.isp.accept_ra = 0\n"
          "+sysctl net.ipv6.conf.isp.accept_ra = 2\n"
          "-sysctl net.ipv4.conf.isp.rp_filter = 0\n"
          "+sysctl net.ipv4.conf.isp.rp_filter = 2\n"
          "+route default dev isp table 1001 metric 0 proto 157\n"
          "+rule pref 10201 from 203.0.113.7/32 lookup 1001\n");

    k.net.remove_link("isp");
    auto down = test::sync_netstate(k, netstate::compile_netstate(cfg, {}));
    REQUIRE(down);
    // The kernel took the routes with the link; the rule on its old address
    // is not tied to the link, so gatewayd removes it.
    CHECK(down->diff.text == "-rule pref 10201 from 203.0.113.7/32 lookup 1001\n");
}

TEST_CASE("fake: a vanished link makes its operations transient, the rest still applies") {
    auto k = box();
    auto want = netstate::compile_netstate(coexistence(), {});
    REQUIRE(test::sync_netstate(k, want));

    k.net.remove_link("v6p0");
    k.net.kernel().addresses.push_back({"lan0", test::prefix("172.16.9.9/16"), {}});  // stale, ours
    auto r = test::sync_netstate(k, want);
    REQUIRE(r);
    CHECK_FALSE(r->applied.complete());
    for (const auto& e : r->applied.transient) {
        CHECK(e.transient());
        CHECK((e.error == ENODEV || e.error == ENOENT));
        CHECK(e.operation.find("v6p0") != std::string::npos);
    }
    CHECK_FALSE(kernel_has(k, "address 172.16.9.9/16 dev lan0"));  // removed despite the failures

    k.net.add_device("v6p0");
    auto back = test::sync_netstate(k, want);
    REQUIRE(back);
    CHECK(back->applied.complete());
    CHECK(kernel_has(k, "address 192.168.1.2/24 dev v6p0"));
    CHECK(kernel_has(k, "route default via 192.168.1.1 dev v6p0 table main metric 0 proto 157"));
    CHECK(test::sync_netstate(k, want)->diff.empty());
}

TEST_CASE("fake: foreign objects survive every sync") {
    auto k = box();
    k.net.add_device("eth9");
    k.net.kernel().addresses.push_back({"eth9", test::prefix("10.9.9.1/24"), {}});
    netstate::Route foreign;
    foreign.destination = test::prefix("10.50.0.0/16");
    foreign.gateway = test::address("172.16.0.1");
    foreign.ifname = "lan0";
    foreign.protocol = 4;  // static
    k.net.kernel().routes.push_back(foreign);
    netstate::Rule low;
    low.priority = 500;
    low.table = 100;
    k.net.kernel().rules.push_back(low);

    auto want = netstate::compile_netstate(coexistence(), {});
    REQUIRE(test::sync_netstate(k, want));
    REQUIRE(test::sync_netstate(k, want));
    CHECK(kernel_has(k, "address 10.9.9.1/24 dev eth9"));
    CHECK(kernel_has(k, "route 10.50.0.0/16 via 172.16.0.1 dev lan0 table main metric 0 proto 4"));
    CHECK(kernel_has(k, "rule pref 500 from all lookup 100"));
    CHECK(kernel_has(k, "address fe80::1/64 dev lan0"));  // the kernel's link-local
}

TEST_CASE("fake: a fatal error stops the run and points at the config line") {
    auto k = box();
    k.net.fail_matching("address 172.16.2.1/16", EINVAL);
    auto r = test::sync_netstate(k, netstate::compile_netstate(coexistence(), {}));
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().transient());
    CHECK(r.error().error == EINVAL);
    CHECK(r.error().operation == "+address 172.16.2.1/16 dev lan0");
    CHECK(r.error().describe() ==
          "gateway.yaml:12:5: kernel rejected +address 172.16.2.1/16 dev lan0: Invalid argument");
    CHECK_FALSE(kernel_has(k, "route default via 192.168.1.1 dev v6p0 table main metric 0 proto 157"));
}
