// The explain walker on the examples: verdicts, translated addresses and
// the config lines it names, without root. What it says is checked against
// real packets by test_explain_matrix.py (netns suite).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "rules/config/parse.hpp"
#include "rules/explain/endpoint.hpp"
#include "rules/explain/render.hpp"
#include "rules/explain/walk.hpp"
#include "rules/target_kernel.hpp"

namespace {

using namespace gw;

config::Config load_example(const std::string& name) {
    const char* dir = std::getenv("GW_EXAMPLES_DIR");
    REQUIRE(dir);
    std::ifstream in(std::string(dir) + "/" + name);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    auto r = config::parse_config(ss.str(), name);
    REQUIRE(r.config);
    return *r.config;
}

rules::Facts with_uplink(const std::string& uplink, const char* address) {
    rules::Facts f;
    f.uplink_addresses[uplink].push_back(*net::Address::parse(address));
    return f;
}

explain::Explanation run(const explain::Model& m, explain::Request r) {
    auto q = explain::resolve_request(m, r);
    REQUIRE_MESSAGE(q, (q ? "" : q.error()));
    return explain::walk(m, q->query);
}

const explain::Step* step_at(const explain::Explanation& ex, const std::string& stage) {
    for (const auto& s : ex.steps)
        if (s.stage == stage) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("home-router: a forward is DNATed at its own line and accepted by the forward's allow element") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto ex = run(m, {.from = "198.51.100.1", .to = "198.51.100.2", .proto = "tcp/443"});
    CHECK(ex.outcome == explain::Outcome::delivered);
    CHECK(ex.initial.iif == "isp");
    CHECK(ex.final.daddr.str() == "172.16.1.100");
    CHECK(ex.final.saddr.str() == "198.51.100.1");
    CHECK(ex.out_link == "lan0");
    const auto* dnat = step_at(ex, "prerouting");
    REQUIRE(dnat);
    CHECK(dnat->verdict == "DNAT");
    CHECK(dnat->origin == "nat.forwards[0]");
    CHECK(dnat->loc.line >= cfg.nat.forwards[0].loc.line);  // its port's line
    CHECK(dnat->loc.line < cfg.nat.forwards[1].loc.line);
    CHECK(dnat->rule.find("comment \"https\"") != std::string::npos);
    const auto* fwd = step_at(ex, "forward");
    REQUIRE(fwd);
    CHECK(fwd->verdict == "accept");
    CHECK(fwd->origin == "nat.forwards[0]");
}

TEST_CASE("home-router: names stand for hosts; a forward name aims at the uplink address and its port") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto ex = run(m, {.from = "wan", .to = "alt-web"});
    CHECK(ex.outcome == explain::Outcome::delivered);
    CHECK(ex.initial.dport == 18080);
    CHECK(ex.final.daddr.str() == "172.16.1.101");
}

TEST_CASE("home-router: SMB to the Internet is dropped by smb-tcp, other ports masqueraded") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto smb = run(m, {.from = "lan", .to = "198.51.100.1", .proto = "tcp/445"});
    CHECK(smb.outcome == explain::Outcome::dropped);
    REQUIRE(step_at(smb, "forward"));
    CHECK(step_at(smb, "forward")->origin == "firewall.forward.rules[0]");
    auto web = run(m, {.from = "lan", .to = "198.51.100.1", .proto = "tcp/8000"});
    CHECK(web.outcome == explain::Outcome::delivered);
    CHECK(web.final.saddr.str() == "198.51.100.2");
    REQUIRE(step_at(web, "postrouting"));
    CHECK(step_at(web, "postrouting")->origin == "nat.masquerade[0]");
}

TEST_CASE("home-router: hairpin reaches the server from the gateway's LAN address") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto ex = run(m, {.from = "172.16.3.10", .to = "198.51.100.2", .proto = "tcp/443"});
    CHECK(ex.outcome == explain::Outcome::delivered);
    CHECK(ex.initial.iif == "lan0");
    CHECK(ex.final.daddr.str() == "172.16.1.100");
    CHECK(ex.final.saddr.str() == "172.16.2.1");
}

TEST_CASE("home-router: the input policy drops SSH from the Internet, at the policy's line") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto ex = run(m, {.from = "wan", .to = "gateway", .proto = "tcp/22"});
    CHECK(ex.outcome == explain::Outcome::dropped);
    const auto* in = step_at(ex, "input");
    REQUIRE(in);
    CHECK(in->verdict == "policy drop");
    CHECK(in->origin == "firewall.input.policy");
    CHECK(in->loc == cfg.firewall.input.policy.loc);
    auto lan = run(m, {.from = "lan", .to = "gateway", .proto = "tcp/22"});
    CHECK(lan.outcome == explain::Outcome::delivered);
    CHECK(lan.to_gateway);
}

TEST_CASE("egress: owner rules decide by uid, IPv4 only for proxy-v6") {
    auto cfg = load_example("egress.yaml");
    rules::Facts f;
    f.uids = {{"dbuser", 2000}, {"proxy", 13}};
    auto m = explain::build_model(cfg, f);
    auto db = run(m, {.from = "gateway", .to = "192.0.2.1", .proto = "tcp/12345", .uid = 2000});
    CHECK(db.outcome == explain::Outcome::delivered);
    auto other = run(m, {.from = "gateway", .to = "192.0.2.1", .proto = "tcp/12345", .uid = 65534});
    CHECK(other.outcome == explain::Outcome::rejected);
    REQUIRE(step_at(other, "output"));
    CHECK(step_at(other, "output")->origin == "egress[0]");
    auto proxy4 = run(m, {.from = "gateway", .to = "192.0.2.1", .proto = "tcp/443", .uid = 13});
    CHECK(proxy4.outcome == explain::Outcome::rejected);
    auto proxy6 = run(m, {.from = "gateway", .to = "2001:db8:10::1", .proto = "tcp/443", .uid = 13});
    CHECK(proxy6.outcome != explain::Outcome::rejected);
}

TEST_CASE("coexistence: a connection in over PPPoE is answered over PPPoE by its connection mark") {
    auto cfg = load_example("coexistence.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "203.0.113.7"));
    auto in = run(m, {.from = "198.51.100.1", .to = "203.0.113.7", .proto = "tcp/443", .in = "isp"});
    CHECK(in.outcome == explain::Outcome::delivered);
    CHECK(in.final.daddr.str() == "172.16.1.100");
    CHECK(in.final.ct_mark == 0x20000);
    // the pinned server leaves by PPPoE, not by the default uplink
    auto out = run(m, {.from = "172.16.1.100", .to = "198.51.100.1", .proto = "tcp/80"});
    CHECK(out.outcome == explain::Outcome::delivered);
    CHECK(out.out_link == "isp");
    CHECK(out.final.saddr.str() == "203.0.113.7");
    // while PPPoE is down, the pin refuses instead of leaking out of v6plus
    auto down = explain::build_model(cfg, {});
    auto refused = run(down, {.from = "172.16.1.100", .to = "198.51.100.1", .proto = "tcp/80"});
    CHECK(refused.outcome == explain::Outcome::unreachable);
    REQUIRE(step_at(refused, "routing"));
    CHECK(step_at(refused, "routing")->origin.starts_with("routing.pin[0]"));
}

TEST_CASE("text and JSON name the file position") {
    auto cfg = load_example("home-router.yaml");
    auto m = explain::build_model(cfg, with_uplink("isp", "198.51.100.2"));
    auto ex = run(m, {.from = "198.51.100.1", .to = "198.51.100.2", .proto = "tcp/443"});
    std::string text = explain::render_text(ex, "gateway.yaml");
    CHECK(text.find("DNAT to 172.16.1.100:443 (nat.forwards[0] at gateway.yaml:" +
                    std::to_string(cfg.nat.forwards[0].ports[0].loc.line)) != std::string::npos);
    CHECK(text.find("verdict: delivered to 172.16.1.100:443") != std::string::npos);
    std::string json = explain::render_json(ex, "gateway.yaml");
    CHECK(json.find("\"verdict\":\"delivered\"") != std::string::npos);
    CHECK(json.find("\"origin\":\"nat.forwards[0]\"") != std::string::npos);
}

TEST_CASE("target kernel: features by name and by release; the split refused where apply refuses it") {
    auto k = rules::parse_kernel_features("broute,bridge-ct");
    REQUIRE(k);
    CHECK(k->broute);
    CHECK(k->bridge_conntrack);
    CHECK(!k->br_netfilter);
    CHECK(!rules::parse_kernel_features("brute"));
    auto v612 = rules::features_of_release("6.12");
    REQUIRE(v612);
    CHECK(v612->broute);
    auto v61 = rules::features_of_release("6.1.0-27-amd64");
    REQUIRE(v61);
    CHECK(!v61->broute);
    CHECK(v61->bridge_conntrack);
    CHECK(!rules::features_of_release("six"));

    auto cfg = load_example("brouter.yaml");
    config::Diagnostics d;
    rules::check_target(cfg, *v61, d);
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].severity == config::Severity::error);
    const auto& split = *cfg.ipv6.bridge_split;  // at `fallback` when written, else the section
    CHECK(d.items()[0].loc == (split.fallback.loc.known() ? split.fallback.loc : split.loc));
    CHECK(rules::omissions(cfg, *v61, "b.yaml").size() == 1);
    config::Diagnostics ok;
    rules::check_target(cfg, *v612, ok);
    CHECK(ok.items().empty());
    CHECK(rules::omissions(cfg, *v612, "b.yaml").empty());
}

TEST_CASE("brouter on 6.12: IPv6 from the WAN is bridged and filtered; nas-ssh lets one host in") {
    auto cfg = load_example("brouter.yaml");
    rules::Facts f;
    f.kernel = *rules::features_of_release("6.12");
    auto m = explain::build_model(cfg, f);
    auto in = run(m, {.from = "2001:db8:ffff::20", .to = "2001:db8:1:2::10", .proto = "tcp/22", .in = "wan0"});
    CHECK(in.outcome == explain::Outcome::delivered);
    CHECK(in.out_link == "lan0");
    auto other = run(m, {.from = "2001:db8:ffff::20", .to = "2001:db8:1:2::10", .proto = "tcp/23", .in = "wan0"});
    CHECK(other.outcome == explain::Outcome::dropped);
    auto out = run(m, {.from = "2001:db8:1:2::10", .to = "2001:db8:ffff::20", .proto = "tcp/443", .in = "lan0"});
    CHECK(out.outcome == explain::Outcome::delivered);
    CHECK(out.out_link == "wan0");
}
