// The pure parts of PPPoE supervision: pppd's command line, what is read
// from its output, address history statistics, back-off jitter bounds,
// and the session fields of the status JSON and text.
#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/config/file.hpp"
#include "daemon/status/status.hpp"
#include "daemon/uplinks/history.hpp"
#include "daemon/uplinks/pppd_args.hpp"
#include "daemon/uplinks/pppd_output.hpp"
#include "daemon/uplinks/resolv_conf.hpp"
#include "daemon/uplinks/session.hpp"

using namespace gw;
using namespace std::chrono_literals;

namespace {

config::Config parse(const std::string& uplink_yaml) {
    auto cfg = config::load_config({"version: 1\nuplinks:\n" + uplink_yaml, "t.yaml"}, nullptr);
    if (!cfg) FAIL(cfg.error().message);
    return cfg->config;
}

const std::string kIsp = R"(  isp:
    kind: pppoe
    device: wan0
    username: user@isp.example
    password-file: /etc/gatewayd/isp.password
)";

// The value after option `name`, or "" when absent.
std::string option(const std::vector<std::string>& argv, const std::string& name) {
    auto it = std::find(argv.begin(), argv.end(), name);
    return it != argv.end() && it + 1 != argv.end() ? *(it + 1) : "";
}

bool has(const std::vector<std::string>& argv, const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
}

}  // namespace

TEST_CASE("pppd argv: kernel PPPoE, named link, password by descriptor, no pppd routes or DNS") {
    auto cfg = parse(kIsp);
    auto argv = uplinks::pppd_argv(cfg.uplinks.at(0), "/usr/sbin/pppd");
    CHECK(argv.at(0) == "/usr/sbin/pppd");
    for (const char* w : {"nodetach", "noauth", "nodefaultroute", "noipdefault", "hide-password", "usepeerdns"})
        CHECK_MESSAGE(has(argv, w), w);
    CHECK_FALSE(has(argv, "persist"));
    CHECK_FALSE(has(argv, "defaultroute"));
    CHECK(option(argv, "maxfail") == "1");
    CHECK(option(argv, "plugin") == "pppoe.so");
    CHECK(has(argv, "nic-wan0"));
    CHECK(option(argv, "ifname") == "isp");
    CHECK(option(argv, "user") == "user@isp.example");
    CHECK(option(argv, "passwordfd") == std::to_string(uplinks::kPasswordFd));
    CHECK(has(argv, "passwordfd.so"));
    CHECK(option(argv, "mtu") == "1454");
    CHECK(option(argv, "mru") == "1454");
    CHECK(option(argv, "lcp-echo-interval") == "20");
    CHECK(option(argv, "lcp-echo-failure") == "3");
    CHECK(option(argv, "ip-up-script") == "/bin/true");
    CHECK(option(argv, "ip-down-script") == "/bin/true");
    // The password file's path is not pppd's business (it would read it as an options file).
    CHECK_FALSE(has(argv, "/etc/gatewayd/isp.password"));
}

TEST_CASE("pppd argv: service, AC name, MTU, LCP echo and use-dns from the config") {
    auto cfg = parse(kIsp + R"(    service: fiber
    ac-name: BRAS-7
    mtu: 1492
    lcp-echo: {interval: 5, failures: 4}
    use-dns: false
)");
    auto argv = uplinks::pppd_argv(cfg.uplinks.at(0), "/opt/pppd");
    CHECK(argv.at(0) == "/opt/pppd");
    CHECK(option(argv, "rp_pppoe_service") == "fiber");
    CHECK(option(argv, "rp_pppoe_ac") == "BRAS-7");
    CHECK(option(argv, "mtu") == "1492");
    CHECK(option(argv, "mru") == "1492");
    CHECK(option(argv, "lcp-echo-interval") == "5");
    CHECK(option(argv, "lcp-echo-failure") == "4");
    CHECK_FALSE(has(argv, "usepeerdns"));
}

TEST_CASE("pppd argv: ipv6 asks for IPv6CP with options Debian 12's pppd 2.4.9 knows") {
    CHECK_FALSE(has(uplinks::pppd_argv(parse(kIsp).uplinks.at(0), "/usr/sbin/pppd"), "+ipv6"));
    auto argv = uplinks::pppd_argv(parse(kIsp + "    ipv6: true\n").uplinks.at(0), "/usr/sbin/pppd");
    CHECK(has(argv, "+ipv6"));
    // pppd 2.4.9 exits with "unrecognized option" on these (2.5 added them).
    CHECK_FALSE(has(argv, "ipv6-up-script"));
    CHECK_FALSE(has(argv, "ipv6-down-script"));
}

TEST_CASE("pppd identity changes with pppd settings and the password file, not with hooks") {
    auto base = parse(kIsp).uplinks.at(0);
    auto id = uplinks::pppd_identity(base, "/usr/sbin/pppd");
    auto hooked = parse(kIsp + "    on-up: /bin/true\n    hook-timeout: 5\n").uplinks.at(0);
    CHECK(uplinks::pppd_identity(hooked, "/usr/sbin/pppd") == id);
    auto other_user = base;
    other_user.username->value = "other";
    CHECK(uplinks::pppd_identity(other_user, "/usr/sbin/pppd") != id);
    auto other_file = base;
    other_file.password_file->value = "/etc/gatewayd/other.password";
    CHECK(uplinks::pppd_identity(other_file, "/usr/sbin/pppd") != id);
    CHECK(uplinks::pppd_identity(base, "/opt/pppd") != id);
}

TEST_CASE("pppd output: local, peer and DNS from IPCP lines; other lines ignored") {
    uplinks::IpcpInfo info;
    CHECK_FALSE(uplinks::parse_pppd_line("Connect: isp <--> wan0", info));
    CHECK(uplinks::parse_pppd_line("local  IP address 100.64.0.2", info));
    CHECK(uplinks::parse_pppd_line("remote IP address 100.64.0.1", info));
    CHECK(uplinks::parse_pppd_line("primary   DNS address 192.0.2.53", info));
    CHECK(uplinks::parse_pppd_line("secondary DNS address 198.51.100.53", info));
    CHECK_FALSE(uplinks::parse_pppd_line("remote IP address not-an-address", info));
    CHECK_FALSE(uplinks::parse_pppd_line("primary DNS address", info));
    CHECK(info.local == "100.64.0.2");
    CHECK(info.peer == "100.64.0.1");
    CHECK(info.dns == std::vector<std::string>{"192.0.2.53", "198.51.100.53"});
    // A new negotiation starts the server list over.
    CHECK(uplinks::parse_pppd_line("primary   DNS address 203.0.113.53", info));
    CHECK(info.dns == std::vector<std::string>{"203.0.113.53"});
    // One server from the peer: pppd logs it twice, status shows it once.
    CHECK(uplinks::parse_pppd_line("secondary DNS address 203.0.113.53", info));
    CHECK(info.dns == std::vector<std::string>{"203.0.113.53"});
}

TEST_CASE("pppd exit status meanings") {
    CHECK(uplinks::pppd_exit_meaning(19) == "authentication to the peer failed");
    CHECK(uplinks::pppd_exit_meaning(15) == "the peer stopped answering LCP echo requests");
    CHECK(uplinks::pppd_exit_meaning(42) == "exit status 42");
    CHECK(uplinks::pppd_exit_meaning(-1) == "exit status -1");
}

TEST_CASE("address history: spans, capacity, count/mean/median of finished lifetimes") {
    uplinks::AddressHistory h(3);
    uplinks::SystemTime t0{};
    CHECK(h.stats().count == 0);
    h.begin("198.51.100.1", t0);
    h.begin("198.51.100.1", t0 + 5s);  // the same address again: still one span
    CHECK(h.entries().size() == 1);
    h.end(t0 + 60s);
    h.begin("198.51.100.2", t0 + 70s);
    h.begin("198.51.100.3", t0 + 170s);  // a change ends the previous address
    auto s = h.stats();
    CHECK(s.count == 2);
    CHECK(s.mean == 80s);     // (60 + 100) / 2
    CHECK(s.median == 80s);
    CHECK_FALSE(h.entries().back().until.has_value());
    h.end(t0 + 200s);         // 30 s
    h.begin("198.51.100.4", t0 + 300s);
    CHECK(h.entries().size() == 3);  // the oldest fell out
    CHECK(h.entries().front().address == "198.51.100.2");
    s = h.stats();
    CHECK(s.count == 2);       // 100 and 30; the current address has no lifetime yet
    CHECK(s.mean == 65s);
    CHECK(s.median == 65s);
    h.end(t0 + 310s);          // 10, 30, 100
    CHECK(h.stats().median == 30s);
}

TEST_CASE("back-off jitter stays within 0.8..1.2 of the base") {
    CHECK(uplinks::with_jitter(10s, 0.0) == 8s);
    CHECK(uplinks::with_jitter(10s, 0.5) == 10s);
    CHECK(uplinks::with_jitter(10s, 0.999) < 12s);
    CHECK(uplinks::with_jitter(10s, 0.999) > 11900ms);
    CHECK(uplinks::with_jitter(10s, 7.0) == 12s);  // a bad source cannot stretch it further
}

TEST_CASE("resolv.conf text names the uplink and lists the servers") {
    CHECK(uplinks::render_resolv_conf("isp", {"192.0.2.53", "198.51.100.53"}) ==
          "# written by gatewayd: DNS servers of uplink isp\nnameserver 192.0.2.53\nnameserver 198.51.100.53\n");
}

TEST_CASE("status: a session survives the JSON round trip and shows in the text") {
    status::StatusReport r;
    r.daemon = true;
    r.state = "running";
    status::SessionStatus s;
    s.state = "retrying";
    s.reason = "pppd exited: PPP negotiation failed (status 10)";
    s.since = status::SystemTime(1700000000s);
    s.reconnects = 3;
    s.next_retry = status::SystemTime(1700000004s);
    s.history = {{"198.51.100.1", status::SystemTime(1699990000s), status::SystemTime(1699996000s)},
                 {"198.51.100.2", status::SystemTime(1699996100s), std::nullopt}};
    s.lifetimes = 1;
    s.mean_lifetime = 6000;
    s.median_lifetime = 6000;
    r.uplinks.push_back({"isp", "isp", "pppoe", "retrying", {}, s});
    r.uplinks.push_back({"office", "eth1", "next-hop", "up", {"192.0.2.2"}});
    auto back = status::status_from_json(status::status_to_json(r));
    REQUIRE(back);
    REQUIRE(back->uplinks.size() == 2);
    REQUIRE(back->uplinks[0].session);
    const auto& b = *back->uplinks[0].session;
    CHECK(b.state == "retrying");
    CHECK(b.reason == s.reason);
    CHECK(b.since == s.since);
    CHECK(b.reconnects == 3);
    CHECK(b.next_retry == s.next_retry);
    REQUIRE(b.history.size() == 2);
    CHECK(b.history[0].until == s.history[0].until);
    CHECK_FALSE(b.history[1].until);
    CHECK(b.median_lifetime == 6000);
    CHECK_FALSE(back->uplinks[1].session);
    auto text = status::render_status(*back, status::SystemTime(1700000001s));
    CHECK(text.find("isp: retrying since") != std::string::npos);
    CHECK(text.find("next attempt in 3 s") != std::string::npos);
    CHECK(text.find("reconnects 3") != std::string::npos);
    CHECK(text.find("1 finished lifetimes, mean 100 min, median 100 min") != std::string::npos);
    CHECK(text.find("198.51.100.2") != std::string::npos);
}
