// The libnl backend against the real kernel. The program moves into a
// network namespace of its own at start, and every test case into a fresh
// one, so nothing here can touch the host's network. Links are veth pairs
// (this kernel has no dummy interfaces); hand-made "foreign" objects are
// added with ip(8), which also serves as an independent witness of what
// the kernel holds.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "tests/kernel/net_sync.hpp"
#include "daemon/kernel/rtnl/events.hpp"
#include "daemon/kernel/rtnl/sysctl.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/owner.hpp"
#include "tests/netstate/shell.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;
using gw::test::at;

using gw::test::contains;
using gw::test::output;
using gw::test::run;

namespace {

void fresh_netns() { REQUIRE(unshare(CLONE_NEWNET) == 0); }


// A veth pair whose peer is up, so `name` gets a carrier once it is up.
void make_veth(const std::string& name) {
    REQUIRE(run("ip link add " + name + " type veth peer name " + name + "p") == 0);
    REQUIRE(run("ip link set " + name + "p up") == 0);
}

config::Config lab_config() {
    config::Config c;
    c.file = "gateway.yaml";
    c.interfaces.push_back(test::routed_lan());
    c.interfaces.push_back(test::interface("v6plus-link", "v6p0", {"192.168.1.2/24"}, 20));
    auto up = test::next_hop("v6plus", "v6p0", "192.168.1.1", 30);
    up.default_route = {true, at(34)};
    up.metric = {100, at(35)};
    c.uplinks.push_back(up);
    c.zones.push_back(test::zone("lan", {"lan"}, {}, 50));
    c.zones.push_back(test::zone("wan", {}, {"v6plus"}, 53));
    return c;
}

// A namespace with the lab's links, converged to lab_config().
netstate::NetState converged_lab(kernel::Kernel& k) {
    fresh_netns();
    make_veth("lan0");
    make_veth("v6p0");
    auto want = netstate::compile_netstate(lab_config(), {});
    auto r = test::sync_netstate(k, want);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().describe()));
    CHECK(r->applied.complete());
    return want;
}

std::string diff_text(kernel::Kernel& k, const netstate::NetState& want) {
    auto seen = test::observe_scope(k, want);
    REQUIRE_MESSAGE(seen, (seen ? "" : seen.error().describe()));
    return netstate::diff_netstate(want, *seen).text;
}

}  // namespace

TEST_CASE("netns: apply converges, observe agrees, re-apply is a no-op") {
    test::RealKernel k;
    auto want = converged_lab(k);
    CHECK(diff_text(k, want) == "");

    auto again = test::sync_netstate(k, want);
    REQUIRE(again);
    CHECK(again->diff.empty());

    // Every operation replayed on a converged kernel: EEXIST counts as done.
    auto replay = test::apply_ops(k, netstate::diff_netstate(want, {}).ops);
    REQUIRE_MESSAGE(replay, (replay ? "" : replay.error().describe()));
    CHECK(replay->complete());
    CHECK(diff_text(k, want) == "");

    // ip(8) sees the same kernel.
    CHECK(contains(output("ip link show lan0"), "mtu 1400"));
    CHECK(contains(output("ip link show lan0"), ",UP"));
    CHECK(contains(output("ip -o addr show dev lan0"), "inet 172.16.2.1/16"));
    CHECK(contains(output("ip -o addr show dev lan0"), "inet6 fd00:1::1/64"));
    CHECK(contains(output("ip route show table 1000"), "default via 192.168.1.1 dev v6p0 proto 157 metric 100"));
    CHECK(contains(output("ip route show table main"), "default via 192.168.1.1 dev v6p0 proto 157 metric 100"));
    CHECK(contains(output("ip route show"), "10.99.0.0/16 via 172.16.0.254 dev lan0 proto 157"));
    CHECK(contains(output("ip -6 route show"), "fd00:99::/48 dev lan0 proto 157 metric 1024"));
}

TEST_CASE("netns: sysctls are written in the namespace") {
    test::RealKernel k;
    converged_lab(k);
    CHECK(kernel::read_sysctl("net/ipv4/ip_forward") == "1");
    CHECK(kernel::read_sysctl("net/ipv6/conf/all/forwarding") == "1");
    CHECK(kernel::read_sysctl("net/ipv6/conf/v6p0/accept_ra") == "2");
    CHECK(kernel::read_sysctl("net/ipv4/conf/v6p0/rp_filter") == "1");
    CHECK(kernel::read_sysctl("net/ipv4/conf/lan0/rp_filter") == "1");
}

TEST_CASE("netns: foreign objects stay, stale owned ones go") {
    test::RealKernel k;
    auto want = converged_lab(k);
    make_veth("ext0");
    REQUIRE(run("ip link set ext0 up") == 0);
    REQUIRE(run("ip addr add 10.9.9.1/24 dev ext0") == 0);                      // unmanaged link
    REQUIRE(run("ip route add 10.50.0.0/16 via 172.16.0.1 proto static") == 0);  // not proto 157
    REQUIRE(run("ip rule add pref 500 lookup 100") == 0);                         // outside the band
    REQUIRE(run("ip addr add 172.16.8.8/16 dev lan0 valid_lft 3600 preferred_lft 3600") == 0);  // dynamic
    REQUIRE(run("ip addr add 172.16.9.9/16 dev lan0") == 0);                      // stale, ours
    REQUIRE(run("ip route add 10.77.0.0/16 dev lan0 proto 157") == 0);            // stale, ours
    REQUIRE(run("ip -6 route add fd00:77::/48 dev lan0 proto 157") == 0);         // stale, ours
    REQUIRE(run("ip rule add pref 10500 lookup 1000") == 0);                      // stale, ours

    auto r = test::sync_netstate(k, want);
    REQUIRE(r);
    CHECK(r->applied.complete());
    CHECK(r->diff.text ==
          "-rule pref 10500 from all lookup 1000\n"
          "-route 10.77.0.0/16 dev lan0 table main metric 0 proto 157\n"
          "-route fd00:77::/48 dev lan0 table main metric 1024 proto 157\n"
          "-address 172.16.9.9/16 dev lan0\n");
    CHECK(diff_text(k, want) == "");

    CHECK(contains(output("ip -o addr show dev ext0"), "10.9.9.1/24"));
    CHECK(contains(output("ip route show"), "10.50.0.0/16 via 172.16.0.1 dev lan0 proto static"));
    CHECK(contains(output("ip rule show"), "500:"));
    CHECK(contains(output("ip -o addr show dev lan0"), "172.16.8.8/16"));
    CHECK(contains(output("ip -6 -o addr show dev lan0"), "fe80::"));
    CHECK_FALSE(contains(output("ip -o addr show dev lan0"), "172.16.9.9"));
    CHECK_FALSE(contains(output("ip route show"), "10.77.0.0"));
    CHECK_FALSE(contains(output("ip -6 route show"), "fd00:77::"));
    CHECK_FALSE(contains(output("ip rule show"), "10500:"));
}

TEST_CASE("netns: a link deleted and re-created gets its addresses and routes back") {
    test::RealKernel k;
    auto want = converged_lab(k);
    REQUIRE(run("ip link del v6p0") == 0);
    CHECK_FALSE(contains(output("ip route show table 1000"), "default"));

    auto missing = test::sync_netstate(k, want);
    REQUIRE(missing);  // transient, not fatal
    CHECK_FALSE(missing->applied.complete());

    make_veth("v6p0");
    auto back = test::sync_netstate(k, want);
    REQUIRE_MESSAGE(back, (back ? "" : back.error().describe()));
    CHECK(back->applied.complete());
    CHECK(diff_text(k, want) == "");
    CHECK(contains(output("ip -o addr show dev v6p0"), "192.168.1.2/24"));
    CHECK(contains(output("ip route show table 1000"), "default via 192.168.1.1 dev v6p0 proto 157 metric 100"));
    CHECK(kernel::read_sysctl("net/ipv6/conf/v6p0/accept_ra") == "2");
}

TEST_CASE("netns: objects on a link that does not exist yet are transient, not fatal") {
    test::RealKernel k;
    fresh_netns();
    make_veth("lan0");
    make_veth("v6p0");
    auto cfg = lab_config();
    auto ghost = test::interface("ghost", "ghost0", {"10.66.0.1/24"}, 60);
    ghost.routes.push_back(test::static_route("10.67.0.0/16", "10.66.0.2", 63));
    cfg.interfaces.push_back(ghost);
    auto want = netstate::compile_netstate(cfg, {});

    auto r = test::sync_netstate(k, want);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().describe()));
    REQUIRE_FALSE(r->applied.complete());
    bool route_reported = false;
    for (const auto& e : r->applied.transient) {
        INFO(e.describe());
        CHECK(e.transient());
        CHECK(contains(e.operation, "ghost0"));
        if (contains(e.operation, "+route 10.67.0.0/16")) {
            route_reported = true;
            CHECK(e.error == ENODEV);
            CHECK(e.origin.line == 63);
        }
    }
    CHECK(route_reported);
    // Everything else went in regardless.
    CHECK(contains(output("ip route show table 1000"), "default via 192.168.1.1"));

    make_veth("ghost0");
    auto later = test::sync_netstate(k, want);
    REQUIRE(later);
    CHECK(later->applied.complete());
    CHECK(contains(output("ip route show"), "10.67.0.0/16 via 10.66.0.2 dev ghost0 proto 157"));
}

TEST_CASE("netns: a request the kernel refuses is fatal, with errno, extended ack and line") {
    test::RealKernel k;
    fresh_netns();
    make_veth("lan0");
    netstate::NetState want;
    want.links.push_back({.name = "lan0", .mtu = 60, .up = true, .loc = at(14)});
    auto r = test::sync_netstate(k, want);
    REQUIRE_FALSE(r);
    CHECK_FALSE(r.error().transient());
    CHECK(r.error().error == EINVAL);
    CHECK(contains(r.error().message, "mtu"));
    CHECK(contains(r.error().describe(),
                   "gateway.yaml:14:5: kernel rejected +link lan0 mtu 60 up: Invalid argument"));
}

TEST_CASE("netns: a bridge gatewayd creates, with a port") {
    test::RealKernel k;
    fresh_netns();
    make_veth("port0");
    netstate::NetState want;
    want.links.push_back({.name = "br-lan", .kind = "bridge", .up = true});
    want.links.push_back({.name = "port0", .master = "br-lan", .up = true});
    want.addresses.push_back({"br-lan", test::prefix("172.16.2.1/16"), {}});
    want.links[0].manage_addresses = true;
    auto r = test::sync_netstate(k, want);
    REQUIRE_MESSAGE(r, (r ? "" : r.error().describe()));
    CHECK(r->applied.complete());
    CHECK(diff_text(k, want) == "");
    CHECK(contains(output("ip -d link show br-lan"), "bridge"));
    CHECK(contains(output("ip link show port0"), "master br-lan"));
}

TEST_CASE("netns: observe_addresses leaves out link-local and absent links") {
    test::RealKernel k;
    converged_lab(k);
    auto a = test::observe_addresses(k);
    REQUIRE(a);
    CHECK_FALSE(a->contains("nothere0"));
    REQUIRE(a->contains("lan0"));
    CHECK(a->at("lan0").size() == 2);
    for (const auto& addr : a->at("lan0")) CHECK_FALSE(netstate::is_ipv6_link_local({addr, 128}));
}

TEST_CASE("netns: change events mark dirty") {
    fresh_netns();
    make_veth("lan0");
    int calls = 0;
    bool resync = true;
    auto events = kernel::NetEvents::open([&](bool full) {
        ++calls;
        resync = full;
    });
    REQUIRE(events);
    CHECK((*events)->dispatch() == 0);
    CHECK(calls == 0);

    REQUIRE(run("ip addr add 10.1.1.1/24 dev lan0") == 0);
    pollfd pfd{.fd = (*events)->fd(), .events = POLLIN, .revents = 0};
    REQUIRE(poll(&pfd, 1, 2000) == 1);
    CHECK((*events)->dispatch() > 0);
    CHECK(calls == 1);
    CHECK_FALSE(resync);
}

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: the netns suite needs root to create network namespaces");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::printf("skipping: cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
