// Table-driven diagnostics: each case is a small file and the exact
// "line:col: severity: message" plus hint it must produce, first in order.
#include <doctest/doctest.h>

#include "rules/config/parse.hpp"

using namespace gw::config;

namespace {

struct Case {
    const char* what;
    const char* yaml;
    const char* first;  // render_diagnostic_line with file "t.yaml"
    const char* hint;
};

const Case kCases[] = {
    {"unknown top-level key with suggestion", "version: 1\nfirewal: {}\n",
     "t.yaml:2:1: error: unknown key 'firewal' at top level", "did you mean 'firewall'?"},
    {"unknown key without a close match lists nothing", "version: 1\nzones:\n  lan:\n    colour: red\n",
     "t.yaml:4:5: error: unknown key 'colour' in 'zones.lan'", ""},
    {"wrong type", "version: 1\nnat:\n  forwards: {}\n",
     "t.yaml:3:13: error: expected a list for 'forwards', got a mapping", ""},
    {"quoted integer is a string", "version: 1\ninterfaces:\n  lan:\n    mtu: \"1500\"\n",
     "t.yaml:4:10: error: expected an integer for 'mtu', got a string", ""},
    {"host bits in a zone network", "version: 1\nzones:\n  lan:\n    networks: 172.16.1.1/16\n",
     "t.yaml:4:15: error: host bits set in 172.16.1.1/16", "did you mean 172.16.0.0/16?"},
    {"mistyped private range", "version: 1\nzones:\n  lan:\n    networks: [176.16.0.0/12]\n",
     "t.yaml:4:16: error: 176.16.0.0/12 is not a private range", "did you mean 172.16.0.0/12?"},
    {"inverted port range", "version: 1\nnat:\n  forwards:\n    - name: a\n      port: \"9000-8000\"\n      to: 10.0.0.1\n",
     "t.yaml:5:13: error: inverted port range 9000-8000", "did you mean 8000-9000?"},
    {"port out of range", "version: 1\nnat:\n  forwards:\n    - name: a\n      port: [80, 65536]\n      to: 10.0.0.1\n",
     "t.yaml:5:18: error: port 65536 out of range 1..65535", ""},
    {"undefined zone with suggestion",
     "version: 1\nzones:\n  lan: {networks: 10.0.0.0/8}\nfirewall:\n  input:\n    rules:\n      - {action: allow, from: lna}\n",
     "t.yaml:7:31: error: undefined zone or uplink 'lna'", "did you mean 'lan'?"},
    {"inline password", "version: 1\nuplinks:\n  isp:\n    kind: pppoe\n    device: w\n    username: u\n    password: x\n    password-file: /p\n",
     "t.yaml:7:5: error: inline password not allowed",
     "put it in a root-only file (mode 0600) and name that file with password-file"},
    {"pppoe without username points at the uplink",
     "version: 1\nuplinks:\n  isp:\n    kind: pppoe\n    device: w\n    password-file: /p\n",
     "t.yaml:3:3: error: missing required key 'username' in 'uplinks.isp'", ""},
    {"duplicate mapping key", "version: 1\nsets:\n  a: [10.0.0.0/8]\n  a: [10.0.0.0/8]\n",
     "t.yaml:4:3: error: duplicate key 'a'", "first defined at line 3"},
    {"YAML syntax error is located", "version: 1\nzones: [a\n",
     "t.yaml:3:1: error: YAML syntax error: end of sequence flow not found", ""},
    {"unknown version", "version: 3\n", "t.yaml:1:10: error: unknown version 3",
     "this gatewayd understands version 1"},
    {"reserved table",
     "version: 1\nuplinks:\n  o:\n    kind: next-hop\n    device: e\n    gateway: 10.0.0.1\n    table: 255\n",
     "t.yaml:7:12: error: routing table 255 is reserved",
     "253, 254 and 255 are the kernel's default, main and local tables; pick another number"},
    {"forward onto the gateway's own address",
     "version: 1\ninterfaces:\n  lan: {addresses: [10.0.0.1/8]}\nnat:\n  forwards:\n    - {name: a, port: 1, to: 10.0.0.1}\n",
     "t.yaml:6:30: error: forward target 10.0.0.1 is the gateway's own address (interface 'lan')",
     "to publish a service of the gateway itself, allow it in firewall.input"},
    {"tcp and both overlap",
     "version: 1\nzones:\n  lan: {networks: 10.0.0.0/8}\nnat:\n  forwards:\n"
     "    - {name: a, port: 53, proto: both, to: 10.0.0.2}\n    - {name: b, port: \"50-60\", to: 10.0.0.3}\n",
     "t.yaml:7:23: error: tcp port 53 is already forwarded by 'a' (line 6)",
     "one uplink port can lead to one inside host only"},
    {"lockout warning at the policy",
     "version: 1\nfirewall:\n  input:\n    policy: drop\n",
     "t.yaml:4:13: warning: lockout: input policy is drop and no rule allows any zone to reach the gateway",
     "allow management from the inside, e.g. {action: allow, from: lan, proto: tcp, port: 22}"},
};

}  // namespace

TEST_CASE("diagnostics are reported at the exact place with the exact text") {
    for (const auto& c : kCases) {
        INFO(c.what);
        auto r = parse_config(c.yaml, "t.yaml");
        REQUIRE_FALSE(r.diagnostics.items().empty());
        const Diagnostic& d = r.diagnostics.items().front();
        CHECK(render_diagnostic_line(d, "t.yaml") == c.first);
        CHECK(d.hint == c.hint);
    }
}

TEST_CASE("every problem is reported at once, in file order") {
    const char* yaml = "version: 1\n"
                       "zones:\n"
                       "  lan:\n"
                       "    networks: [176.16.0.0/12, 10.0.0.1/8]\n"
                       "    interfaces: [nope]\n"
                       "nat:\n"
                       "  hairpin: maybe\n";
    auto r = parse_config(yaml, "t.yaml");
    CHECK_FALSE(r.config.has_value());
    std::vector<std::string> lines;
    for (const auto& d : r.diagnostics.items()) lines.push_back(render_diagnostic_line(d, "t.yaml"));
    // The lockout warning is about a defaulted policy: it has no place in
    // the file, so it comes last and prints without line:col.
    std::vector<std::string> expected{
        "t.yaml:4:16: error: 176.16.0.0/12 is not a private range",
        "t.yaml:4:31: error: host bits set in 10.0.0.1/8",
        "t.yaml:5:18: error: undefined interface 'nope'",
        "t.yaml:7:12: error: expected true or false for 'hairpin', got 'maybe'",
        "t.yaml: warning: lockout: input policy is drop and no rule allows any zone to reach the gateway",
    };
    CHECK(lines == expected);
}

TEST_CASE("egress accounts are checked only when host facts are given") {
    struct NoOne final : HostFacts {
        bool user_exists(std::string_view) const override { return false; }
        bool group_exists(std::string_view) const override { return false; }
    } host;
    const char* yaml = "version: 1\nfirewall: {input: {policy: accept}}\n"
                       "egress:\n  - name: db\n    users: [dbuser]\n    groups: [db]\n";
    CHECK(parse_config(yaml, "t.yaml").diagnostics.items().empty());
    auto r = parse_config(yaml, "t.yaml", &host);
    REQUIRE(r.diagnostics.items().size() == 2);
    CHECK(render_diagnostic_line(r.diagnostics.items()[0], "t.yaml") ==
          "t.yaml:5:13: warning: unknown user 'dbuser' on this host");
    CHECK(render_diagnostic_line(r.diagnostics.items()[1], "t.yaml") ==
          "t.yaml:6:14: warning: unknown group 'db' on this host");
    CHECK(r.config.has_value());
}

TEST_CASE("rendered diagnostics carry the source line, a caret and the hint") {
    const char* yaml = "version: 1\nzones:\n  lan:\n    networks: 176.16.0.0/12\n";
    auto r = parse_config(yaml, "gw.yaml");
    std::string out = render_diagnostics(r.diagnostics, "gw.yaml", yaml);
    CHECK(out.starts_with("gw.yaml:4:15: error: 176.16.0.0/12 is not a private range\n"
                          "      networks: 176.16.0.0/12\n"
                          "                ^\n"
                          "  hint: did you mean 172.16.0.0/12?\n"));
}
