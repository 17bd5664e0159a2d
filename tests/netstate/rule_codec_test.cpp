// The policy-rule codec on packed bytes, no kernel: every rule shape routing
// compiles survives encode (libnl's request plus encode_rule_extras) and
// decode of the same bytes; and a message laid out by hand the way the
// kernel dumps rules decodes to what it says.
#include <doctest/doctest.h>

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <vector>

#include "daemon/kernel/rtnl/codec.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"

using namespace gw;

namespace {

netstate::Rule round_trip(const netstate::Rule& r) {
    kernel::RtnlRulePtr rule = kernel::encode_rule(r);
    REQUIRE(rule);
    nl_msg* raw = nullptr;
    REQUIRE(rtnl_rule_build_add_request(rule.get(), NLM_F_EXCL, &raw) >= 0);
    kernel::NlMsgPtr msg(raw);
    REQUIRE(kernel::encode_rule_extras(msg.get(), r) == 0);
    auto decoded = kernel::decode_rule(nlmsg_hdr(msg.get()));
    REQUIRE(decoded);
    return *decoded;
}

netstate::Rule rule(std::uint32_t priority, std::uint32_t table) {
    netstate::Rule r;
    r.priority = priority;
    r.table = table;
    return r;
}

}  // namespace

TEST_CASE("rule codec: the shapes routing compiles round-trip through the request bytes") {
    std::vector<netstate::Rule> shapes;
    auto main = rule(10000, netstate::kTableMain);
    main.suppress_prefixlen = 0;
    shapes.push_back(main);
    auto mark = rule(10101, 1001);
    mark.fwmark = 0x20000;
    mark.fwmask = 0xff0000;
    shapes.push_back(mark);
    auto from = rule(10201, 1001);
    from.from = test::prefix("203.0.113.7/32");
    shapes.push_back(from);
    auto pin = rule(10500, 70000);  // a table above 255 travels in FRA_TABLE
    pin.from = test::prefix("172.16.0.0/16");
    shapes.push_back(pin);
    auto drop = rule(10501, 0);
    drop.from = test::prefix("172.16.1.100/32");
    drop.action = netstate::RuleAction::unreachable;
    shapes.push_back(drop);
    auto v6 = rule(10600, 1001);
    v6.family = net::Family::ipv6;
    v6.from = test::prefix("2001:db8::/32");
    v6.iif = "lan0";
    shapes.push_back(v6);
    for (const auto& r : shapes) {
        INFO(netstate::render_rule(r));
        auto back = round_trip(r);
        CHECK(netstate::same(back, r));
        CHECK(netstate::render_rule(back) == netstate::render_rule(r));
    }
}

TEST_CASE("rule codec: a kernel-style dump message, suppress_prefixlength included") {
    kernel::NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_MULTI));
    REQUIRE(msg);
    fib_rule_hdr hdr{};
    hdr.family = AF_INET;
    hdr.table = RT_TABLE_MAIN;
    hdr.action = FR_ACT_TO_TBL;
    REQUIRE(nlmsg_append(msg.get(), &hdr, sizeof hdr, NLMSG_ALIGNTO) == 0);
    REQUIRE(nla_put_u32(msg.get(), FRA_TABLE, RT_TABLE_MAIN) == 0);
    REQUIRE(nla_put_u32(msg.get(), FRA_PRIORITY, 10000) == 0);
    REQUIRE(nla_put_u32(msg.get(), FRA_SUPPRESS_PREFIXLEN, 0) == 0);
    auto r = kernel::decode_rule(nlmsg_hdr(msg.get()));
    REQUIRE(r);
    CHECK(netstate::render_rule(*r) == "rule pref 10000 from all lookup main suppress_prefixlength 0");

    // The same without the attribute: another rule, never equal to ours.
    kernel::NlMsgPtr plain(nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_MULTI));
    REQUIRE(nlmsg_append(plain.get(), &hdr, sizeof hdr, NLMSG_ALIGNTO) == 0);
    REQUIRE(nla_put_u32(plain.get(), FRA_PRIORITY, 10000) == 0);
    auto p = kernel::decode_rule(nlmsg_hdr(plain.get()));
    REQUIRE(p);
    CHECK(p->table == netstate::kTableMain);  // from the header when FRA_TABLE is absent
    CHECK_FALSE(netstate::same(*p, *r));
}

TEST_CASE("rule codec: what is not a rule of a known family and action decodes to nothing") {
    kernel::NlMsgPtr route(nlmsg_alloc_simple(RTM_NEWROUTE, NLM_F_MULTI));
    rtmsg rt{};
    rt.rtm_family = AF_INET;
    REQUIRE(nlmsg_append(route.get(), &rt, sizeof rt, NLMSG_ALIGNTO) == 0);
    CHECK_FALSE(kernel::decode_rule(nlmsg_hdr(route.get())));

    kernel::NlMsgPtr nop(nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_MULTI));
    fib_rule_hdr hdr{};
    hdr.family = AF_INET;
    hdr.action = FR_ACT_NOP;
    REQUIRE(nlmsg_append(nop.get(), &hdr, sizeof hdr, NLMSG_ALIGNTO) == 0);
    CHECK_FALSE(kernel::decode_rule(nlmsg_hdr(nop.get())));

    kernel::NlMsgPtr short_msg(nlmsg_alloc_simple(RTM_NEWRULE, NLM_F_MULTI));
    CHECK_FALSE(kernel::decode_rule(nlmsg_hdr(short_msg.get())));
}
