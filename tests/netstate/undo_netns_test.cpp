// Atomic or nothing, netlink too: a run of netlink requests that fails
// half-way on the real kernel (an IPv6 route whose gateway is unreachable,
// EHOSTUNREACH, after a bridge was created, a sysctl set, addresses added,
// an owned route and an owned rule removed) puts everything back. ip(8) and
// /proc/sys are the witnesses: their view after the failed run is
// byte-for-byte the view before it. Runs in a network namespace of its own.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "daemon/kernel/rtnl/apply.hpp"
#include "tests/netstate/shell.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/undo.hpp"

using namespace gw;
using netstate::NetOp;
using netstate::OpKind;

using gw::test::contains;
using gw::test::output;
using gw::test::run;

namespace {


// Everything the failed run touched, as the kernel shows it.
std::string witness() {
    return output("ip -d link show; ip addr show; ip route show table all; ip -6 route show table all; "
                  "ip rule show; ip -6 rule show; cat /proc/sys/net/ipv4/conf/u0/forwarding");
}

// The witness once the kernel's own follow-ups have settled: a link set
// down and up again passes its carrier to the veth peer, and a new IPv6
// link-local address runs duplicate address detection, both after the
// netlink request has returned. Waits for `want` up to a generous bound and
// returns what the kernel shows then, so a lasting difference still fails.
std::string settled_witness(const std::string& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto now = witness();
    while (now != want && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        now = witness();
    }
    return now;
}

netstate::Route route(const char* to, const char* via, const char* dev) {
    netstate::Route r;
    r.destination = *net::Prefix::parse(to);
    r.gateway = *net::Address::parse(via);
    r.ifname = dev;
    r.protocol = netstate::kRouteProtocol;
    return r;
}

netstate::Rule mark_rule() {
    netstate::Rule r;
    r.priority = netstate::kRulePriorityMarks;
    r.fwmark = 0x10000;
    r.fwmask = 0xff0000;
    r.table = 1000;
    return r;
}

// The run: each kind of change, then the request the kernel refuses.
std::vector<NetOp> failing_run() {
    netstate::Link bridge{"ubr0", "bridge", std::nullopt, std::nullopt, true, false, true, {}};
    netstate::Sysctl forwarding{"net/ipv4/conf/u0/forwarding", "1", {}};
    netstate::Sysctl was{"net/ipv4/conf/u0/forwarding", "0", {}};
    return {
        {OpKind::add, bridge, std::nullopt},
        {OpKind::change, forwarding, was},
        {OpKind::remove, mark_rule(), std::nullopt},
        {OpKind::remove, route("10.7.0.0/16", "172.16.9.254", "u0"), std::nullopt},
        {OpKind::add, netstate::Address{"u0", *net::Prefix::parse("172.16.2.1/16"), {}}, std::nullopt},
        {OpKind::add, netstate::Address{"u0", *net::Prefix::parse("2001:db8:1::1/64"), {}}, std::nullopt},
        {OpKind::add, route("10.9.0.0/16", "172.16.2.254", "u0"), std::nullopt},
        {OpKind::add, route("2001:db8:9::/48", "2001:db8:77::1", "u0"), std::nullopt},
    };
}

}  // namespace

TEST_CASE("a netlink run that fails half-way leaves the kernel as it was") {
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(run("ip link set lo up") == 0);
    REQUIRE(run("ip link add u0 type veth peer name u0p") == 0);
    REQUIRE(run("ip link set u0 up && ip link set u0p up") == 0);
    REQUIRE(run("ip addr add 172.16.9.1/24 dev u0") == 0);
    REQUIRE(run("ip route add 10.7.0.0/16 via 172.16.9.254 dev u0 proto 157") == 0);
    REQUIRE(run("ip rule add priority 10100 fwmark 0x10000/0xff0000 table 1000") == 0);
    REQUIRE(run("sysctl -qw net.ipv6.conf.u0.accept_dad=0") == 0);
    auto before = witness();
    REQUIRE(before.find("10.7.0.0/16") != std::string::npos);

    auto result = kernel::apply_netstate_ops(failing_run());
    REQUIRE_FALSE(result.has_value());
    const auto& failure = result.error();
    INFO(failure.describe());
    CHECK(failure.error == EHOSTUNREACH);
    CHECK(failure.message.find("7 of 7 earlier netlink changes undone") != std::string::npos);
    CHECK(failure.more.empty());
    CHECK(settled_witness(before) == before);
}

TEST_CASE("without undo the same run leaves its changes: the check above can fail") {
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(run("ip link add u0 type veth peer name u0p && ip link set u0 up && ip link set u0p up") == 0);
    REQUIRE(run("ip addr add 172.16.9.1/24 dev u0") == 0);
    auto before = witness();
    auto ops = failing_run();
    ops.erase(ops.begin() + 2, ops.begin() + 4);  // nothing to remove in this namespace
    ops.pop_back();                               // no failure: the changes stay
    auto result = kernel::apply_netstate_ops(ops);
    REQUIRE(result.has_value());
    CHECK(witness() != before);
    CHECK(output("ip addr show dev u0").find("172.16.2.1/16") != std::string::npos);
    CHECK(output("ip link show ubr0").find("ubr0") != std::string::npos);
}

TEST_CASE("direct mode: a transient failure (IPv4 gateway not reachable) undoes the run too") {
    REQUIRE(unshare(CLONE_NEWNET) == 0);
    REQUIRE(run("ip link add u0 type veth peer name u0p && ip link set u0 up && ip link set u0p up") == 0);
    auto before = witness();
    std::vector<NetOp> ops = {
        {OpKind::add, netstate::Address{"u0", *net::Prefix::parse("172.16.2.1/16"), {}}, std::nullopt},
        {OpKind::add, route("10.9.0.0/16", "172.16.2.254", "u0"), std::nullopt},
        {OpKind::add, route("10.8.0.0/16", "192.168.77.1", "u0"), std::nullopt},  // ENETUNREACH
    };
    auto daemon = kernel::apply_netstate_ops(ops, kernel::OnTransient::keep_and_retry);
    REQUIRE(daemon.has_value());  // the daemon keeps the rest and retries later
    CHECK(daemon->transient.size() == 1);
    CHECK(witness() != before);
    REQUIRE(run("ip addr flush dev u0 && ip route flush proto 157") == 0);
    before = witness();

    auto direct = kernel::apply_netstate_ops(ops, kernel::OnTransient::undo_all);
    REQUIRE_FALSE(direct.has_value());
    CHECK(direct.error().error == ENETUNREACH);
    CHECK_FALSE(direct.error().transient());
    CHECK(direct.error().message.find("2 of 2 earlier netlink changes undone") != std::string::npos);
    CHECK(settled_witness(before) == before);
}

TEST_CASE("undo_ops: newest first, each kind put back") {
    auto run_ops = failing_run();
    run_ops.pop_back();
    auto undo = netstate::undo_ops(run_ops);
    REQUIRE(undo.size() == run_ops.size());
    CHECK(undo.front().kind == OpKind::remove);  // the last route added goes first
    CHECK(std::holds_alternative<netstate::Route>(undo.front().object));
    CHECK(undo[3].kind == OpKind::add);  // the removed owned route comes back
    CHECK(undo[4].kind == OpKind::add);  // ... and the rule
    CHECK(undo[5].kind == OpKind::change);
    CHECK(std::get<netstate::Sysctl>(undo[5].object).value == "0");
    CHECK(undo.back().kind == OpKind::remove);
    CHECK(std::get<netstate::Link>(undo.back().object).owned);
}

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: needs root (network namespaces)");
        return 77;
    }
    doctest::Context ctx(argc, argv);
    return ctx.run();
}
