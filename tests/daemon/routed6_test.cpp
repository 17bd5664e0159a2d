// dhcpcd's hook environment as gatewayd reads it, the book of
// delegations that feeds the facts (a new prefix retires the old one,
// which is announced for a while and then dropped), and when dhcpcd runs.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>

#include "daemon/ipv6/lease.hpp"
#include "daemon/ipv6/manager.hpp"
#include "tests/daemon/manual_time.hpp"
#include "tests/uplinks/uplinks_fake.hpp"

using namespace gw;

namespace {

// As dhcpcd 9.4.1 ran the hook for a lease from ISC dhcpd (trimmed).
constexpr const char* kBound =
    "interface=w1\nreason=BOUND6\nprotocol=dhcp6\nif_configured=false\n"
    "new_dhcp6_ia_pd1_iaid=00000001\nnew_dhcp6_ia_pd1_prefix1=2001:db8:1200::\n"
    "new_dhcp6_ia_pd1_prefix1_length=56\nnew_dhcp6_ia_pd1_prefix1_pltime=300\n"
    "new_dhcp6_ia_pd1_prefix1_vltime=600\nnew_dhcp6_name_servers=2001:db8:ffff::53 2001:db8:ffff::54\n"
    "old_dhcp6_ia_pd1_prefix1=2001:db8:1100::\n";

net::Prefix pfx(const char* s) { return *net::Prefix::parse(s); }

}  // namespace

TEST_CASE("a BOUND6 event gives the delegated prefix, lifetimes and DNS") {
    auto ev = ipv6::parse_dhcpcd_env(kBound);
    CHECK(ev.change == ipv6::LeaseChange::bound);
    CHECK(ev.interface == "w1");
    CHECK(ev.delegation.prefix == pfx("2001:db8:1200::/56"));
    CHECK(ev.delegation.preferred == 300);
    CHECK(ev.delegation.valid == 600);
    REQUIRE(ev.delegation.dns.size() == 2);
    CHECK(ev.delegation.dns[1] == *net::Address::parse("2001:db8:ffff::54"));
}

TEST_CASE("events without lease data keep what is held; release and expiry take it away") {
    CHECK(ipv6::parse_dhcpcd_env("reason=CARRIER\ninterface=w1\n").change == ipv6::LeaseChange::none);
    CHECK(ipv6::parse_dhcpcd_env("reason=STOP6\ninterface=w1\n").change == ipv6::LeaseChange::none);
    CHECK(ipv6::parse_dhcpcd_env("reason=RELEASE6\ninterface=w1\n").change == ipv6::LeaseChange::gone);
    CHECK(ipv6::parse_dhcpcd_env("reason=EXPIRE6\ninterface=w1\n").change == ipv6::LeaseChange::gone);
    // A lease that holds no prefix (the server gave none): nothing is delegated.
    CHECK(ipv6::parse_dhcpcd_env("reason=RENEW6\ninterface=w1\n").change == ipv6::LeaseChange::gone);
}

TEST_CASE("a new prefix retires the old one until its valid lifetime ends") {
    ipv6::DelegationBook book;
    auto t0 = std::chrono::system_clock::time_point{} + std::chrono::hours(1000);
    auto first = ipv6::parse_dhcpcd_env(kBound);
    CHECK(book.update("isp", first, t0));
    CHECK_FALSE(book.update("isp", first, t0 + std::chrono::seconds(150)));  // a renewal changes nothing
    auto second = first;
    second.delegation.prefix = pfx("2001:db8:3400::/56");
    CHECK(book.update("isp", second, t0 + std::chrono::seconds(200)));
    auto facts = book.facts(t0 + std::chrono::seconds(300));
    REQUIRE(facts.contains("isp"));
    CHECK(facts["isp"].prefix == pfx("2001:db8:3400::/56"));
    CHECK(facts["isp"].retired == std::vector<net::Prefix>{pfx("2001:db8:1200::/56")});
    // Announced with lifetime 0 for the old lease's valid lifetime (600 s), then dropped:
    // the manager's timer fires at that end, with no lease event needed.
    CHECK(book.next_expiry(t0 + std::chrono::seconds(300)) == t0 + std::chrono::seconds(800));
    CHECK(book.facts(t0 + std::chrono::seconds(801))["isp"].retired.empty());
    CHECK_FALSE(book.next_expiry(t0 + std::chrono::seconds(801)));
    // Getting the old prefix back takes it out of the retired list.
    CHECK(book.update("isp", first, t0 + std::chrono::seconds(400)));
    CHECK(book.facts(t0 + std::chrono::seconds(401))["isp"].retired ==
          std::vector<net::Prefix>{pfx("2001:db8:3400::/56")});
    auto gone = ipv6::parse_dhcpcd_env("reason=RELEASE6\ninterface=w1\n");
    CHECK(book.update("isp", gone, t0 + std::chrono::seconds(500)));
    // Gone: no prefix, but both earlier ones are still deprecated on the LAN,
    // each until its own end; then nothing is left.
    auto after_gone = book.facts(t0 + std::chrono::seconds(501));
    REQUIRE(after_gone.contains("isp"));
    CHECK_FALSE(after_gone["isp"].prefix);
    CHECK(after_gone["isp"].retired.size() == 2);
    CHECK(book.facts(t0 + std::chrono::seconds(1001))["isp"].retired ==
          std::vector<net::Prefix>{pfx("2001:db8:1200::/56")});
    CHECK(book.facts(t0 + std::chrono::seconds(1101)).empty());
}

TEST_CASE("the routed IPv6 status survives the JSON round trip and reads as text") {
    status::StatusReport s;
    s.state = "running";
    status::Routed6Status r;
    r.radvd = "running";
    auto received = status::SystemTime(std::chrono::seconds(1'800'000'000));
    r.uplinks.push_back({"isp", "running", "2001:db8:3400::/56", 300, 600, received, {"2001:db8:ffff::53"},
                         {"2001:db8:1200::/56"}});
    r.lans.push_back({"lan", "lan0", "2001:db8:3400:1::/64", {"2001:db8:1200:1::/64"}, true});
    s.routed6 = r;
    auto back = status::status_from_json(status::status_to_json(s));
    REQUIRE(back);
    REQUIRE(back->routed6);
    const auto& b = *back->routed6;
    CHECK(b.radvd == "running");
    REQUIRE(b.uplinks.size() == 1);
    CHECK(b.uplinks[0].prefix == "2001:db8:3400::/56");
    CHECK(b.uplinks[0].valid == 600);
    CHECK(b.uplinks[0].received == received);
    CHECK(b.uplinks[0].dns == std::vector<std::string>{"2001:db8:ffff::53"});
    CHECK(b.uplinks[0].retired == std::vector<std::string>{"2001:db8:1200::/56"});
    REQUIRE(b.lans.size() == 1);
    CHECK(b.lans[0].ra);
    CHECK(b.lans[0].retired == std::vector<std::string>{"2001:db8:1200:1::/64"});
    auto text = status::render_status(*back, received + std::chrono::seconds(42));
    CHECK(text.find("isp: delegated 2001:db8:3400::/56, preferred 300 s, valid 600 s (received 42 s ago)") !=
          std::string::npos);
    CHECK(text.find("lan (lan0): 2001:db8:3400:1::/64, announced; deprecating 2001:db8:1200:1::/64") !=
          std::string::npos);
}

namespace {

// A PPPoE uplink asking for a prefix: its link (named after it) exists only
// while the session is up.
constexpr const char* kPppoePd =
    "version: 1\n"
    "uplinks:\n"
    "  isp:\n"
    "    kind: pppoe\n"
    "    device: wan0\n"
    "    username: u\n"
    "    password-file: /etc/gatewayd/isp.password\n"
    "    ipv6: true\n"
    "    dhcpv6-pd: {size-hint: 56}\n";

struct ManagerLab {
    test::FakeLauncher launcher;
    test::ManualTime time;
    std::string run_dir;
    sd_event* event = nullptr;
    std::unique_ptr<ipv6::Manager> manager;

    ManagerLab() {
        char tmpl[] = "/tmp/gw-routed6-XXXXXX";
        run_dir = mkdtemp(tmpl);
        REQUIRE(sd_event_new(&event) >= 0);
        manager = std::make_unique<ipv6::Manager>(launcher, time, event, run_dir);
        auto cfg = config::load_config({kPppoePd, "t.yaml"}, nullptr);
        REQUIRE(cfg);
        manager->apply(*cfg);
    }
    ~ManagerLab() {
        manager.reset();
        sd_event_unref(event);
        std::filesystem::remove_all(run_dir);
    }
    std::size_t dhcpcd_running() const {
        std::size_t n = 0;
        for (const auto& c : launcher.children) n += !c->exited && c->request.argv.at(0).ends_with("dhcpcd");
        return n;
    }
};

rules::Facts session(bool up) {
    rules::Facts f;
    f.uplink_ifnames["isp"] = "isp";
    f.uplink_addresses["isp"] = {};
    if (up) f.uplink_addresses["isp"].push_back(*net::Address::parse("203.0.113.10"));
    return f;
}

}  // namespace

TEST_CASE("dhcpcd on a PPPoE uplink runs while the session is up, on the ppp link, and again after a reconnect") {
    ManagerLab lab;
    // Before the session: dhcpcd would find no link and exit at once.
    lab.manager->after_reconcile(session(false));
    CHECK(lab.dhcpcd_running() == 0);
    lab.manager->after_reconcile(session(true));
    REQUIRE(lab.dhcpcd_running() == 1);
    auto& first = lab.launcher.last();
    CHECK(first.request.argv.back() == "isp");
    // The session drops: the link is gone, dhcpcd is stopped (SIGTERM, no release).
    lab.manager->after_reconcile(session(false));
    CHECK(first.signals == std::vector<int>{SIGTERM});
    first.exit(0);
    CHECK(lab.dhcpcd_running() == 0);
    lab.time.advance(std::chrono::seconds(60));
    CHECK(lab.dhcpcd_running() == 0);
    // The next session's link gets a new dhcpcd.
    lab.manager->after_reconcile(session(true));
    CHECK(lab.dhcpcd_running() == 1);
}
