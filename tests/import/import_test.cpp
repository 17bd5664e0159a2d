// The importer on text: save-file parsing (errors at their line, never a
// crash), and each ruleset of rulesets/ imported into a file that passes
// the gateway.yaml parser, with the reports the ruleset is written to
// provoke.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "rules/config/parse.hpp"
#include "rules/import/import.hpp"
#include "rules/import/save_parse.hpp"

namespace fs = std::filesystem;
using namespace gw::import;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

fs::path rulesets() { return fs::path(GW_SOURCE_ROOT) / "tests" / "import" / "rulesets"; }

std::vector<SaveFile> load(const std::string& name) {
    std::vector<SaveFile> out;
    std::vector<fs::path> paths;
    for (const auto& e : fs::directory_iterator(rulesets() / name)) paths.push_back(e.path());
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        if (p.extension() == ".yaml") continue;
        auto f = parse_save(slurp(p), p.filename().string());
        REQUIRE_MESSAGE(f.has_value(), (f ? "" : f.error().text()));
        out.push_back(*f);
    }
    return out;
}

struct Imported {
    ImportResult result;
    gw::config::ParseResult checked;
    bool reported(ReportKind kind, int line, const std::string& words) const {
        return std::any_of(result.reports.begin(), result.reports.end(), [&](const Report& r) {
            return r.kind == kind && r.line == line && r.message.find(words) != std::string::npos;
        });
    }
};

Imported import_named(const std::string& name) {
    ImportOptions o;
    o.user_name = [](std::uint32_t uid) -> std::optional<std::string> {
        if (uid == 1) return "daemon";
        if (uid == 13) return "proxy";
        return std::nullopt;
    };
    Imported i{import_rulesets(load(name), o), {}};
    i.checked = gw::config::parse_config(i.result.yaml, name + ".yaml");
    INFO(i.result.yaml);
    INFO(gw::config::render_diagnostics(i.checked.diagnostics, name + ".yaml", i.result.yaml));
    CHECK_FALSE(i.checked.diagnostics.has_errors());
    return i;
}

bool contains(const std::string& text, const std::string& words) { return text.find(words) != std::string::npos; }

}  // namespace

TEST_CASE("bad input: a message at the line, never a crash") {
    struct Case {
        const char* text;
        int line;
        const char* words;
    };
    const Case cases[] = {
        {"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n", 1, "no COMMIT"},
        {"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport\n", 3, "has no value"},
        {"*filter\n:INPUT DROP [0:0]\n-A INPUT -j\n", 3, "has no value"},
        {"*bogus\n:INPUT DROP [0:0]\nCOMMIT\n", 1, "unknown table 'bogus'"},
        {"table inet filter {\n  chain input {\n  }\n}\n", 1, "nftables syntax"},
        {"#!/bin/sh\niptables -A INPUT -j DROP\n", 1, "script"},
        {"iptables -P INPUT DROP\n", 1, "shell command"},
        {"*filter\n:INPUT DROP [0:0]\n-A FORWARD -j ACCEPT\nCOMMIT\n", 3, "does not declare"},
        {"*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -p tcp --dport http -j ACCEPT\nCOMMIT\n", 3,
         "invalid port"},
        {"*filter\n:INPUT DROP [0:0]\n-A INPUT -s fe80::/10 -j ACCEPT\n-A INPUT -s 10.0.0.1 -j ACCEPT\nCOMMIT\n", 4,
         "IPv4 address"},
        {"*filter\n:INPUT SOMETIMES [0:0]\nCOMMIT\n", 2, "unknown policy"},
        {"", 1, "no table"},
        {"*filter\n:INPUT DROP [0:0]\nwhat is this\nCOMMIT\n", 3, "not an iptables-save line"},
        {"*filter\n:INPUT DROP [0:0]\n*nat\nCOMMIT\n", 3, "no COMMIT"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        auto f = parse_save(c.text, "t.v4");
        REQUIRE_FALSE(f.has_value());
        CHECK(f.error().line == c.line);
        CHECK(contains(f.error().message, c.words));
    }
}

TEST_CASE("valid iptables that gateway.yaml cannot say is reported, the rest imported") {
    auto f = parse_save("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                        "-A INPUT -m recent --name ssh --set -p tcp --dport 22 -j ACCEPT\n"
                        "-A INPUT -m frobnicate --frob 3 -j ACCEPT\n"
                        "-A INPUT -p tcp --dport 80 -j TARPIT\n"
                        "-A INPUT ! -s 10.0.0.0/8 -p tcp --dport 81 -j ACCEPT\n"
                        "-A INPUT -p tcp --dport 443 -j ACCEPT\n"
                        "COMMIT\n",
                        "t.v4");
    REQUIRE(f.has_value());
    auto r = import_rulesets({*f});
    INFO(r.yaml);
    CHECK(r.left_out());
    auto has = [&](int line, const char* words) {
        return std::any_of(r.reports.begin(), r.reports.end(), [&](const Report& x) {
            return x.kind == ReportKind::left_out && x.line == line && contains(x.message, words);
        });
    };
    CHECK(has(5, "-m recent"));
    CHECK(has(6, "unknown match '-m frobnicate'"));
    CHECK(has(7, "TARPIT"));
    CHECK(has(8, "negated"));
    CHECK(contains(r.yaml, "#   t.v4:7: -A INPUT -p tcp --dport 80 -j TARPIT"));
    CHECK(contains(r.yaml, "port: [443]"));
    CHECK_FALSE(gw::config::parse_config(r.yaml, "out.yaml").diagnostics.has_errors());
}

TEST_CASE("home router: PPPoE, forwards grouped by target, logging") {
    auto i = import_named("home-router");
    const auto& y = i.result.yaml;
    CHECK(contains(y, "kind: pppoe"));
    CHECK(contains(y, "port: [443, 80, 25]"));
    CHECK(contains(y, "to: \"192.168.1.12:22\""));
    CHECK(contains(y, "proto: udp\n      port: [500, 1701, 4500]"));
    CHECK(contains(y, "log: {prefix: \"IPT-INPUT-DROP: \", rate: 5, per: minute, burst: 10}"));
    CHECK(contains(y, "mss-clamp: true"));
    CHECK(contains(y, "log: true"));
    // Its DNATs name ppp0 but no address: said, and not an exit 3.
    CHECK(i.reported(ReportKind::narrowed, 7, "any other address arriving on ppp0"));
    CHECK_FALSE(i.result.left_out());
}

TEST_CASE("brouter: ebtables broute marks become the bridge split") {
    auto i = import_named("brouter");
    const auto& y = i.result.yaml;
    CHECK(contains(y, "bridge: br0"));
    CHECK(contains(y, "inside: [eth1]"));
    CHECK(contains(y, "outside: eth0"));
    CHECK(contains(y, "marks: {inside: 0x600, outside: 0x601}"));
    CHECK(contains(y, "destination: [\"2001:db8:1:2::10\"]"));
    CHECK(i.checked.config->ipv6.bridge_split->inbound.size() == 2);
    CHECK_FALSE(i.result.left_out());
}

TEST_CASE("server: owner chains become egress rules") {
    auto i = import_named("server-owner");
    REQUIRE(i.checked.config);
    const auto& eg = i.checked.config->egress;
    REQUIRE(eg.size() == 2);
    CHECK(*eg[0].users[0] == "daemon");
    CHECK(*eg[0].family == gw::config::Family::any);  // the same rule in both files
    CHECK(*eg[0].action == gw::config::EgressAction::drop);
    CHECK(*eg[1].deny_users[0] == "proxy");
    CHECK(*eg[1].family == gw::config::Family::ipv4);
    CHECK(contains(i.result.yaml, "name: node-exporter"));
    CHECK_FALSE(i.result.left_out());
}

TEST_CASE("office: CONNMARK per uplink, SNAT, pins") {
    auto i = import_named("office-two-uplinks");
    REQUIRE(i.checked.config);
    const auto& c = *i.checked.config;
    CHECK(c.uplinks.size() == 2);
    REQUIRE(c.nat.snat.size() == 2);
    CHECK(c.nat.snat[0].address->value.str() == "198.51.100.2");
    REQUIRE(c.routing.pins.size() == 1);
    CHECK(*c.routing.pins[0].uplink == "eth2");
    CHECK(i.reported(ReportKind::covered, 8, "reply-via-ingress"));
    // Only IPv4 was given: the one report is that IPv6 now gets the policies.
    CHECK(i.reported(ReportKind::suspicious, 1, "no ip6tables-save given"));
    CHECK(std::count_if(i.result.reports.begin(), i.result.reports.end(), [](const Report& r) {
              return r.kind == ReportKind::left_out || r.kind == ReportKind::suspicious;
          }) == 1);
}

TEST_CASE("the buggy script: every bug flagged at its line") {
    auto i = import_named("buggy");
    CHECK(i.result.left_out());
    CHECK(i.reported(ReportKind::suspicious, 7, "DNAT without -d or -i"));
    CHECK(i.reported(ReportKind::suspicious, 8, "in no inside network"));
    CHECK(i.reported(ReportKind::suspicious, 19, "probably a typo for 172.16.0.0/12"));
    CHECK(i.reported(ReportKind::suspicious, 21, "never matches: buggy.v4:20"));
    CHECK(i.reported(ReportKind::suspicious, 23, "duplicate of buggy.v4:22"));
    CHECK(i.reported(ReportKind::suspicious, 25, "never matches: buggy.v4:24 decides every packet"));
    CHECK(i.reported(ReportKind::suspicious, 32, "drops everything the router itself sends"));
    CHECK(contains(i.result.yaml, "source: [172.16.0.0/12]"));
}

TEST_CASE("DNAT -d: the forward keeps answering on that address only") {
    const char* text =
        "*nat\n"
        ":PREROUTING ACCEPT [0:0]\n"
        ":POSTROUTING ACCEPT [0:0]\n"
        "-A PREROUTING -d 198.51.100.9/32 -i eth1 -p tcp -m tcp --dport 443 -j DNAT --to-destination 10.1.0.9\n"
        "-A POSTROUTING -s 10.1.0.0/24 -o eth1 -j MASQUERADE\n"
        "COMMIT\n";
    auto f = parse_save(text, "routed.v4");
    REQUIRE(f.has_value());
    auto result = import_rulesets({*f});
    auto checked = gw::config::parse_config(result.yaml, "routed.yaml");
    INFO(result.yaml);
    REQUIRE(checked.config);
    REQUIRE(checked.config->nat.forwards.size() == 1);
    const auto& fwd = checked.config->nat.forwards[0];
    REQUIRE(fwd.destinations.prefixes.size() == 1);
    CHECK(fwd.destinations.prefixes[0]->str() == "198.51.100.9/32");
    CHECK(std::none_of(result.reports.begin(), result.reports.end(),
                       [](const Report& r) { return r.kind == ReportKind::narrowed; }));
}
