// Good-path parsing: values land in the model with the Loc they were
// written at, defaults stay unlocated, and the built-in sets are appended.
#include <doctest/doctest.h>

#include "rules/config/parse.hpp"

using namespace gw::config;
namespace net = gw::net;

namespace gw::config {
// So failed location checks print "line:col" rather than "{?}".
inline doctest::String toString(const Loc& l) {
    return (std::to_string(l.line) + ":" + std::to_string(l.col)).c_str();
}
}  // namespace gw::config

namespace {

Config parse_ok(std::string_view text) {
    auto r = parse_config(text, "t.yaml");
    INFO(render_diagnostics(r.diagnostics, "t.yaml", text));
    REQUIRE(r.config.has_value());
    return *r.config;
}

net::Prefix pfx(const char* s) {
    return *net::Prefix::parse(s);
}

constexpr std::string_view kOpen = "firewall:\n  input:\n    policy: accept\n";

}  // namespace

TEST_CASE("interfaces: name, device default, host addresses and routes with locations") {
    std::string text = std::string("version: 1\n"
                                   "interfaces:\n"
                                   "  lan:\n"
                                   "    addresses: [172.16.2.1/16, \"fd00:1::1/64\"]\n"
                                   "    mtu: 1500\n"
                                   "    routes:\n"
                                   "      - to: 10.20.0.0/16\n"
                                   "        via: 172.16.0.254\n"
                                   "        metric: 7\n") + std::string(kOpen);
    Config c = parse_ok(text);
    REQUIRE(c.interfaces.size() == 1);
    const Interface& lan = c.interfaces[0];
    CHECK(lan.name.value == "lan");
    CHECK(lan.name.loc == Loc{3, 3});
    CHECK(lan.device.value == "lan");  // defaults to the name
    REQUIRE(lan.addresses.size() == 2);
    CHECK(lan.addresses[0].value == pfx("172.16.2.1/16"));  // host bits kept
    CHECK(lan.addresses[0].loc == Loc{4, 17});
    CHECK(lan.addresses[1].loc == Loc{4, 32});
    REQUIRE(lan.mtu.has_value());
    CHECK(lan.mtu->value == 1500);
    CHECK(lan.mtu->loc == Loc{5, 10});
    REQUIRE(lan.routes.size() == 1);
    CHECK(lan.routes[0].to.value == pfx("10.20.0.0/16"));
    CHECK(lan.routes[0].to.loc == Loc{7, 13});
    CHECK(lan.routes[0].via->value == *net::Address::parse("172.16.0.254"));
    CHECK(lan.routes[0].metric->value == 7);
    CHECK(c.find_interface("lan") == &c.interfaces[0]);
    CHECK(c.find_interface("wan") == nullptr);
}

TEST_CASE("uplinks: pppoe and next-hop keys and defaults") {
    std::string text = std::string("version: 1\n"
                                   "uplinks:\n"
                                   "  isp:\n"
                                   "    kind: pppoe\n"
                                   "    device: wan0\n"
                                   "    username: u@isp\n"
                                   "    password-file: /etc/gatewayd/isp.pw\n"
                                   "    lcp-echo: {interval: 7}\n"
                                   "    table: 0x100\n"
                                   "  office:\n"
                                   "    kind: next-hop\n"
                                   "    device: eth1\n"
                                   "    gateway: 192.168.1.1\n"
                                   "    gateway6: fe80::1\n"
                                   "    default-route: true\n"
                                   "    use-dns: false\n") + std::string(kOpen);
    Config c = parse_ok(text);
    REQUIRE(c.uplinks.size() == 2);
    const Uplink& isp = *c.find_uplink("isp");
    CHECK(isp.kind.value == UplinkKind::pppoe);
    CHECK(isp.kind.loc == Loc{4, 11});
    CHECK(isp.device.value == "wan0");
    CHECK(isp.username->value == "u@isp");
    CHECK(isp.password_file->value == "/etc/gatewayd/isp.pw");
    CHECK(isp.lcp_echo.interval.value == 7);
    CHECK(isp.lcp_echo.interval.loc == Loc{8, 26});
    CHECK(isp.lcp_echo.failures.value == 3);  // default
    CHECK_FALSE(isp.lcp_echo.failures.loc.known());
    CHECK(isp.table->value == 256);
    CHECK(isp.default_route.value == false);
    CHECK(isp.use_dns.value == true);
    CHECK(isp.hooks.timeout.value == 30);
    const Uplink& office = *c.find_uplink("office");
    CHECK(office.kind.value == UplinkKind::next_hop);
    CHECK(office.gateway->value == *net::Address::parse("192.168.1.1"));
    CHECK(office.gateway->loc == Loc{13, 14});
    CHECK(office.gateway6->value == *net::Address::parse("fe80::1"));
    CHECK(office.default_route.value == true);
    CHECK(office.use_dns.value == false);
    CHECK_FALSE(office.table.has_value());
}

TEST_CASE("zones, sets and address lists; built-in sets are appended") {
    std::string text = std::string("version: 1\n"
                                   "interfaces:\n"
                                   "  lan: {}\n"
                                   "zones:\n"
                                   "  lan:\n"
                                   "    interfaces: [lan]\n"
                                   "    networks: [172.16.0.0/16, admins, rfc1918]\n"
                                   "sets:\n"
                                   "  admins: 172.16.5.10\n") + std::string(kOpen);
    Config c = parse_ok(text);
    const Zone& lan = *c.find_zone("lan");
    REQUIRE(lan.interfaces.size() == 1);
    CHECK(lan.interfaces[0].loc == Loc{6, 18});
    REQUIRE(lan.networks.prefixes.size() == 1);
    CHECK(lan.networks.prefixes[0].loc == Loc{7, 16});
    REQUIRE(lan.networks.sets.size() == 2);
    CHECK(lan.networks.sets[0].value == "admins");
    CHECK(lan.networks.sets[1].value == "rfc1918");
    const AddressSet* admins = c.find_set("admins");
    REQUIRE(admins != nullptr);
    CHECK_FALSE(admins->builtin);
    REQUIRE(admins->elements.size() == 1);
    CHECK(admins->elements[0].value == pfx("172.16.5.10/32"));
    for (const char* b : {"rfc1918", "loopback", "link-local", "ula", "documentation"}) {
        INFO(b);
        const AddressSet* s = c.find_set(b);
        REQUIRE(s != nullptr);
        CHECK(s->builtin);
        CHECK_FALSE(s->elements.empty());
    }
    CHECK(c.find_set("rfc1918")->elements.size() == 3);
}

TEST_CASE("nat: masquerade sorts zones from sets; forwards with port lists and target ports") {
    std::string text = std::string("version: 1\n"
                                   "zones:\n"
                                   "  lan:\n"
                                   "    networks: 172.16.0.0/16\n"
                                   "sets:\n"
                                   "  lab: [10.1.0.0/16]\n"
                                   "nat:\n"
                                   "  masquerade:\n"
                                   "    - from: [lan, lab, 192.168.9.0/24]\n"
                                   "      to: lan\n"
                                   "  forwards:\n"
                                   "    - name: web\n"
                                   "      proto: both\n"
                                   "      ports: [80, \"8000-8100\"]\n"
                                   "      to: 172.16.1.100\n"
                                   "    - name: ssh\n"
                                   "      port: 2222\n"
                                   "      to: 172.16.1.101:22\n"
                                   "  hairpin: false\n") + std::string(kOpen);
    Config c = parse_ok(text);
    REQUIRE(c.nat.masquerade.size() == 1);
    const Masquerade& m = c.nat.masquerade[0];
    REQUIRE(m.from_zones.size() == 1);
    CHECK(m.from_zones[0].value == "lan");
    REQUIRE(m.from.sets.size() == 1);
    CHECK(m.from.sets[0].value == "lab");
    REQUIRE(m.from.prefixes.size() == 1);
    CHECK(m.from.prefixes[0].value == pfx("192.168.9.0/24"));
    REQUIRE(c.nat.forwards.size() == 2);
    const PortForward& web = c.nat.forwards[0];
    CHECK(web.proto.value == Proto::tcp_udp);
    REQUIRE(web.ports.size() == 2);
    CHECK(web.ports[0] == PortRange{80, 80, {14, 15}});
    CHECK(web.ports[1].first == 8000);
    CHECK(web.ports[1].last == 8100);
    CHECK(web.ports[1].loc == Loc{14, 19});
    CHECK_FALSE(web.to_port.has_value());
    const PortForward& ssh = c.nat.forwards[1];
    CHECK(ssh.proto.value == Proto::tcp);  // default
    CHECK(ssh.to.value == *net::Address::parse("172.16.1.101"));
    REQUIRE(ssh.to_port.has_value());
    CHECK(ssh.to_port->value == 22);
    CHECK(ssh.to_port->loc == Loc{18, 11});
    CHECK(c.nat.hairpin.value == false);
    CHECK(c.nat.mss_clamp.value == true);
}

TEST_CASE("firewall: chains, policies, log specs and rules") {
    std::string text = "version: 1\n"
                       "zones:\n"
                       "  lan:\n"
                       "    networks: 172.16.0.0/16\n"
                       "firewall:\n"
                       "  icmp-echo: false\n"
                       "  input:\n"
                       "    log: false\n"
                       "    rules:\n"
                       "      - name: ssh\n"
                       "        action: allow\n"
                       "        from: lan\n"
                       "        proto: tcp\n"
                       "        port: 22\n"
                       "  forward:\n"
                       "    policy: accept\n"
                       "    log: {rate: 3, per: hour}\n"
                       "    rules:\n"
                       "      - action: reject\n"
                       "        proto: icmpv6\n"
                       "        icmp-types: [echo-request]\n";
    Config c = parse_ok(text);
    const Firewall& fw = c.firewall;
    CHECK(fw.icmp_echo.value == false);
    CHECK(fw.input.policy.value == Policy::drop);  // default
    CHECK(fw.input.log.enabled.value == false);
    CHECK(fw.input.log.prefix.value == "gw-input-drop: ");
    REQUIRE(fw.input.rules.size() == 1);
    const FirewallRule& ssh = fw.input.rules[0];
    CHECK(ssh.name.value == "ssh");
    CHECK(ssh.action.value == Action::allow);
    CHECK(ssh.action.loc == Loc{11, 17});
    CHECK(ssh.from.at(0).value == "lan");
    CHECK(ssh.ports.at(0).first == 22);
    CHECK(fw.forward.policy.value == Policy::accept);
    CHECK(fw.forward.policy.loc == Loc{16, 13});
    CHECK(fw.forward.log.enabled.value == true);
    CHECK(fw.forward.log.rate.value == 3);
    CHECK(fw.forward.log.per.value == "hour");
    CHECK(fw.forward.log.burst.value == 10);
    CHECK(fw.forward.log.prefix.value == "gw-forward-drop: ");
    const FirewallRule& r = fw.forward.rules.at(0);
    CHECK(r.action.value == Action::reject);
    CHECK(r.proto.value == Proto::icmpv6);
    CHECK(r.icmp_types.at(0).value == "echo-request");
    CHECK(fw.output.policy.value == Policy::accept);
    CHECK(fw.output.log.prefix.value == "gw-output-drop: ");
}

TEST_CASE("ipv6 bridge-split, egress and routing") {
    std::string text = std::string("version: 1\n"
                                   "uplinks:\n"
                                   "  isp:\n"
                                   "    kind: next-hop\n"
                                   "    device: eth1\n"
                                   "    gateway: 192.168.1.1\n"
                                   "ipv6:\n"
                                   "  bridge-split:\n"
                                   "    bridge: br6\n"
                                   "    inside: lan0\n"
                                   "    outside: wan0\n"
                                   "    marks: {outside: 0x700}\n"
                                   "    allow-inbound:\n"
                                   "      - action: allow\n"
                                   "        proto: tcp\n"
                                   "        port: 22\n"
                                   "egress:\n"
                                   "  - name: db\n"
                                   "    port: 5432\n"
                                   "    groups: [db]\n"
                                   "    action: drop\n"
                                   "routing:\n"
                                   "  default: isp\n"
                                   "  pin:\n"
                                   "    - from: 172.16.1.100\n"
                                   "      uplink: isp\n") + std::string(kOpen);
    Config c = parse_ok(text);
    REQUIRE(c.ipv6.bridge_split.has_value());
    const BridgeSplit& s = *c.ipv6.bridge_split;
    CHECK(s.bridge.value == "br6");
    REQUIRE(s.inside.size() == 1);
    CHECK(s.inside[0].value == "lan0");
    CHECK(s.inside[0].loc == Loc{10, 13});
    CHECK(s.outside.value == "wan0");
    CHECK(s.inside_mark.value == 0x600);
    CHECK(s.outside_mark.value == 0x700);
    CHECK(s.fallback.value == SplitFallback::refuse);
    REQUIRE(s.inbound.size() == 1);
    CHECK(s.inbound[0].ports.at(0).first == 22);
    REQUIRE(c.egress.size() == 1);
    CHECK(c.egress[0].proto.value == Proto::tcp);
    CHECK(c.egress[0].groups.at(0).value == "db");
    CHECK(c.egress[0].action.value == EgressAction::drop);
    REQUIRE(c.routing.default_uplink.has_value());
    CHECK(c.routing.default_uplink->value == "isp");
    CHECK(c.routing.default_uplink->loc == Loc{23, 12});
    REQUIRE(c.routing.pins.size() == 1);
    CHECK(c.routing.pins[0].from.prefixes.at(0).value == pfx("172.16.1.100/32"));
    CHECK(c.routing.pins[0].fallback.value == PinFallback::default_route);
    CHECK(c.routing.reply_via_ingress.value == true);
}

TEST_CASE("warnings do not withhold the config") {
    auto r = parse_config("version: 1\n", "t.yaml");
    CHECK(r.config.has_value());
    REQUIRE(r.diagnostics.items().size() == 1);
    CHECK(r.diagnostics.items()[0].severity == Severity::warning);
}

TEST_CASE("map-e profile: the BR follows the rule's part of the service, `br:` wins") {
    auto uplink = [](const char* rule6, const char* br) {
        std::string text = std::string("version: 1\nuplinks:\n  v6:\n    kind: map-e\n    device: wan0\n") +
                           "    profile: ipv6-option\n" + (*br ? std::string("    br: ") + br + "\n" : "") +
                           "    rule:\n      ipv6-prefix: " + rule6 +
                           "\n      ipv4-prefix: 133.200.0.0/15\n      ea-bits: 25\n      psid-offset: 4\n" +
                           std::string(kOpen);
        return parse_ok(text).uplinks.at(0).map_e->br.value.str();
    };
    CHECK(uplink("2404:7a80::/31", "") == "2001:260:700:1::1:275");  // east Japan
    CHECK(uplink("2404:7a84::/31", "") == "2001:260:700:1::1:276");  // west Japan
    CHECK(uplink("2404:7a84::/31", "2001:db8::1") == "2001:db8::1");
}
