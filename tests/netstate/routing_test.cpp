// Policy rules of `routing`: their order in the band, connection marks per
// uplink, `from <address>` rules that follow the facts across a reconnect,
// pins with both fallbacks, and the sysctls that let marked replies through.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rules/config/parse.hpp"
#include "rules/marks.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/diff.hpp"
#include "rules/netstate/owner.hpp"
#include "rules/netstate/render.hpp"
#include "tests/netstate/config_builder.hpp"
#include "tests/netstate/parse_text.hpp"

using namespace gw;

namespace {

using test::parse;

// Two uplinks as in the coexistence story; `routing` is appended per test.
const std::string kBase = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
  dmz:
    device: dmz0
    addresses: [10.5.0.1/24]
  v6plus-link:
    device: v6p0
    addresses: [192.168.1.2/24]
uplinks:
  v6plus:
    kind: next-hop
    device: v6p0
    gateway: 192.168.1.1
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
zones:
  lan:
    interfaces: [lan]
    networks: [172.16.0.0/16, 172.17.0.0/16]
  dmz:
    interfaces: [dmz]
  wan:
    uplinks: [v6plus, isp]
)";

std::vector<std::string> rule_lines(const netstate::NetState& s) {
    std::vector<std::string> out;
    for (const auto& r : s.rules) out.push_back(netstate::render_rule(r));
    return out;
}

bool has_sysctl(const netstate::NetState& s, const std::string& path, const std::string& value) {
    return std::any_of(s.sysctls.begin(), s.sysctls.end(),
                       [&](const netstate::Sysctl& x) { return x.path == path && x.value == value; });
}

rules::Facts isp_at(const std::string& address) {
    rules::Facts f;
    f.uplink_addresses["isp"] = {test::address(address)};
    f.uplink_addresses["v6plus"] = {};
    return f;
}

}  // namespace

TEST_CASE("two uplinks: main first, a mark per uplink, each uplink's address, pins with fallback") {
    auto cfg = parse(kBase + R"(routing:
  default: v6plus
  pin:
    - from: 172.16.1.100/32
      uplink: isp
      fallback: drop
    - zone: dmz
      uplink: isp
)");
    auto s = netstate::compile_netstate(cfg, isp_at("203.0.113.7"));
    CHECK(rule_lines(s) == std::vector<std::string>{
              "rule pref 10000 from all lookup main suppress_prefixlength 0",
              "rule pref 10100 from all fwmark 0x10000/0xff0000 lookup 1000",
              "rule pref 10101 from all fwmark 0x20000/0xff0000 lookup 1001",
              "rule pref 10200 from 192.168.1.2/32 lookup 1000",
              "rule pref 10201 from 203.0.113.7/32 lookup 1001",
              "rule pref 10500 from 172.16.1.100/32 lookup 1001",
              "rule pref 10501 from 172.16.1.100/32 unreachable",
              "rule pref 10502 from 10.5.0.0/24 lookup 1001",
          });
    for (const auto& r : s.rules) CHECK(netstate::is_owned_rule(r));
    CHECK(has_sysctl(s, "net/ipv4/conf/all/src_valid_mark", "1"));
    CHECK(has_sysctl(s, "net/ipv4/conf/isp/rp_filter", "2"));
    CHECK(has_sysctl(s, "net/ipv4/conf/v6p0/rp_filter", "2"));
    CHECK(has_sysctl(s, "net/ipv4/conf/lan0/rp_filter", "1"));
}

TEST_CASE("rules point at the config lines behind them") {
    auto cfg = parse(kBase + R"(routing:
  pin:
    - from: 172.16.1.100/32
      uplink: isp
      fallback: drop
)");
    auto s = netstate::compile_netstate(cfg, isp_at("203.0.113.7"));
    for (const auto& r : s.rules) {
        INFO(netstate::render_rule(r));
        if (r.action == netstate::RuleAction::unreachable) CHECK(r.loc.line == 34);  // fallback
        else if (r.priority >= netstate::kRulePriorityPins) CHECK(r.loc.line == 32);  // the pin
        else if (r.fwmark == 0x20000u) CHECK(r.loc.line == 17);                       // uplink isp
        else if (r.priority != netstate::kRulePrioritySuppress) CHECK(r.loc.known());
    }
}

TEST_CASE("PPPoE down: no address rule, its table empty, the pin still drops") {
    auto cfg = parse(kBase + R"(routing:
  default: v6plus
  pin:
    - from: 172.16.1.100/32
      uplink: isp
      fallback: drop
)");
    rules::Facts down;
    down.uplink_addresses["isp"] = {};
    auto s = netstate::compile_netstate(cfg, down);
    auto lines = rule_lines(s);
    CHECK(std::find(lines.begin(), lines.end(), "rule pref 10200 from 192.168.1.2/32 lookup 1000") != lines.end());
    CHECK(std::none_of(lines.begin(), lines.end(),
                       [](const std::string& l) { return l.find("lookup 1001") != std::string::npos &&
                                                         l.find("from 172.16") == std::string::npos &&
                                                         l.find("fwmark") == std::string::npos; }));
    CHECK(std::find(lines.begin(), lines.end(), "rule pref 10501 from 172.16.1.100/32 unreachable") != lines.end());
    for (const auto& r : s.routes) CHECK(r.table != 1001u);
}

TEST_CASE("a reconnect with a new address moves the from-rule: diff removes the old, adds the new") {
    auto cfg = parse(kBase + "routing:\n  default: v6plus\n");
    auto before = netstate::compile_netstate(cfg, isp_at("203.0.113.7"));
    auto after = netstate::compile_netstate(cfg, isp_at("198.51.100.9"));
    auto d = netstate::diff_netstate(after, before);
    CHECK(d.text.find("-rule pref 10201 from 203.0.113.7/32 lookup 1001\n") != std::string::npos);
    CHECK(d.text.find("+rule pref 10201 from 198.51.100.9/32 lookup 1001\n") != std::string::npos);
    CHECK(netstate::diff_netstate(after, after).ops.empty());
}

TEST_CASE("fallback default: a pin without an unreachable rule falls through to main") {
    auto cfg = parse(kBase + R"(routing:
  pin:
    - zone: lan
      uplink: isp
      fallback: default
)");
    auto lines = rule_lines(netstate::compile_netstate(cfg, isp_at("203.0.113.7")));
    // The zone's networks and its interface's network, each once.
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.find("pref 105") != std::string::npos; }) == 2);
    CHECK(std::find(lines.begin(), lines.end(), "rule pref 10500 from 172.16.0.0/16 lookup 1001") != lines.end());
    CHECK(std::find(lines.begin(), lines.end(), "rule pref 10500 from 172.17.0.0/16 lookup 1001") != lines.end());
    CHECK(std::none_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find("unreachable") != std::string::npos; }));
}

TEST_CASE("reply-via-ingress off: no marks and no src_valid_mark; address rules stay") {
    auto cfg = parse(kBase + "routing:\n  reply-via-ingress: false\n");
    auto s = netstate::compile_netstate(cfg, isp_at("203.0.113.7"));
    CHECK(rules::uplink_marks(cfg).empty());
    CHECK(rule_lines(s) == std::vector<std::string>{
              "rule pref 10000 from all lookup main suppress_prefixlength 0",
              "rule pref 10200 from 192.168.1.2/32 lookup 1000",
              "rule pref 10201 from 203.0.113.7/32 lookup 1001",
          });
    CHECK(!has_sysctl(s, "net/ipv4/conf/all/src_valid_mark", "1"));
}

TEST_CASE("one uplink: no policy rules unless something is pinned") {
    const std::string one = R"(version: 1
interfaces:
  lan:
    device: lan0
    addresses: [172.16.2.1/16]
uplinks:
  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
    default-route: true
zones:
  lan:
    interfaces: [lan]
  wan:
    uplinks: [isp]
)";
    auto plain = parse(one);
    CHECK(netstate::compile_netstate(plain, isp_at("203.0.113.7")).rules.empty());
    CHECK(rules::uplink_marks(plain).empty());
    auto pinned = parse(one + "routing:\n  pin:\n    - from: 172.16.1.100/32\n      uplink: isp\n      fallback: drop\n");
    CHECK(rule_lines(netstate::compile_netstate(pinned, isp_at("203.0.113.7"))) ==
          std::vector<std::string>{
              "rule pref 10000 from all lookup main suppress_prefixlength 0",
              "rule pref 10500 from 172.16.1.100/32 lookup 1000",
              "rule pref 10501 from 172.16.1.100/32 unreachable",
          });
}

TEST_CASE("marks sit in bits 16-23, one per uplink in config order") {
    auto cfg = parse(kBase);
    auto marks = rules::uplink_marks(cfg);
    CHECK(marks.at("v6plus") == 0x10000u);
    CHECK(marks.at("isp") == 0x20000u);
    for (const auto& [name, mark] : marks) {
        CHECK((mark & ~rules::kUplinkMarkMask) == 0u);
        CHECK((mark & 0x601u) == 0u);  // never the bridge split's port marks
    }
}

TEST_CASE("suppress_prefixlength is part of a rule's identity") {
    netstate::Rule a;
    a.priority = 10000;
    a.table = netstate::kTableMain;
    netstate::Rule b = a;
    b.suppress_prefixlen = 0;
    CHECK(!netstate::same(a, b));
    CHECK(netstate::render_rule(b) == "rule pref 10000 from all lookup main suppress_prefixlength 0");
}

TEST_CASE("more pins than the band holds are refused at the first one too many") {
    std::string text = kBase + "routing:\n  pin:\n";
    for (std::size_t i = 0; i <= netstate::kMaxPins; ++i)
        text += "    - from: 10.9." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "/32\n      uplink: isp\n";
    auto r = config::parse_config(text, "gateway.yaml");
    CHECK_FALSE(r.config);
    auto rendered = config::render_diagnostics(r.diagnostics, "gateway.yaml", text);
    CHECK(rendered.find("too many pins: at most 250") != std::string::npos);
    CHECK(rendered.find("gateway.yaml:532:") != std::string::npos);  // the 251st pin
}
