// Status: counters read back from an observed ruleset by the names the
// compiler gives things, the JSON round trip gwctl depends on, and who may
// read or change the daemon's state.
#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/bus/access.hpp"
#include "daemon/status/status.hpp"
#include "rules/nft/compile.hpp"
#include "tests/daemon/fixture.hpp"

using namespace gw;

TEST_CASE("status counts per forward, per drop class and per named rule") {
    test::Gateway gw;
    auto cfg = gw.load(test::kBaseConfig);
    REQUIRE(gw.reconciler.run(cfg, reconcile::Mode::apply).ok());
    // Traffic: hits on the https forward and the input policy.
    for (auto& t : gw.nft.edit_tables().tables) {
        for (auto& s : t.sets)
            for (auto& e : s.elements)
                if (e.comment == "https") e.counter = {s.name == rules::kForwardAllow4Set ? 10u : 3u, 1000};
        for (auto& c : t.chains)
            for (auto& r : c.rules)
                for (auto& st : r.stmts)
                    if (auto* ctr = std::get_if<nft::Counter>(&st); ctr && r.comment == rules::kCommentPolicy)
                        *ctr = {c.name == "input" ? 7u : 0u, 700};
    }
    auto s = gw.reconciler.observe_status(&cfg.config);
    REQUIRE(s.forwards.size() == 1);
    CHECK(s.forwards[0].name == "https");
    CHECK(s.forwards[0].connections == 3);
    CHECK(s.forwards[0].packets == 10);
    bool input_policy = false;
    for (const auto& d : s.drops)
        if (d.chain == "input" && d.name == "policy") input_policy = d.packets == 7;
    CHECK(input_policy);
    REQUIRE(s.interfaces.size() == 1);
    CHECK(s.interfaces[0].device == "lan0");
    CHECK(s.interfaces[0].state == "up");
    CHECK(s.interfaces[0].addresses == std::vector<std::string>{"172.16.2.1/16"});
    REQUIRE(s.uplinks.size() == 1);
    CHECK(s.uplinks[0].kind == "next-hop");
    CHECK(s.uplinks[0].addresses == std::vector<std::string>{"192.0.2.2"});
}

TEST_CASE("status counts forwards through the per-protocol range maps and source sets") {
    test::Gateway gw;
    auto text = test::kBaseConfig;
    auto at = text.find("firewall:\n");
    text.insert(at, "    - name: game\n      proto: udp\n      port: \"27000-27015\"\n      to: 172.16.1.102\n"
                    "      from: 198.51.100.0/24\n");
    auto cfg = gw.load(text);
    REQUIRE(gw.reconciler.run(cfg, reconcile::Mode::apply).ok());
    bool range_map = false, source_set = false;
    for (auto& t : gw.nft.edit_tables().tables)
        for (auto& s : t.sets)
            for (auto& e : s.elements) {
                if (e.comment != "game") continue;
                range_map = range_map || s.name == "fwd4_range_udp";
                source_set = source_set || s.name == "fwd4_src_allow_udp";
                e.counter = {s.name == "fwd4_src_allow_udp" ? 20u : 4u, 2000};
            }
    CHECK(range_map);
    CHECK(source_set);
    auto s = gw.reconciler.observe_status(&cfg.config);
    auto game = std::find_if(s.forwards.begin(), s.forwards.end(), [](const auto& f) { return f.name == "game"; });
    REQUIRE(game != s.forwards.end());
    CHECK(game->connections == 4);
    CHECK(game->packets == 20);
}

TEST_CASE("status survives the JSON round trip") {
    status::StatusReport s;
    s.daemon = true;
    s.state = "running";
    s.config = "/etc/gatewayd/gateway.yaml";
    s.interfaces.push_back({"lan", "lan0", "", "up", {"172.16.2.1/16"}});
    s.uplinks.push_back({"isp", "isp", "pppoe", "down", {}});
    s.forwards.push_back({"https \"quoted\"", 1, 2, 3});
    s.drops.push_back({"input", "policy", 4, 5});
    s.kernel.features.br_netfilter = true;
    s.kernel.ipv6_split = "none";
    s.kernel.features.flowtable = true;
    s.kernel.fast_path = "on: flowtable fastpath on lan0";
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    s.last_apply = status::ApplyRecord{t, "apply", true, true, "nft ruleset replaced", "", "<bus>"};
    s.confirm_deadline = t + std::chrono::seconds(30);
    s.errors.push_back("line\nbreak");
    auto back = status::status_from_json(status::status_to_json(s));
    REQUIRE(back);
    CHECK(back->state == "running");
    CHECK(back->interfaces[0].addresses[0] == "172.16.2.1/16");
    CHECK(back->uplinks[0].kind == "pppoe");
    CHECK(back->forwards[0].name == "https \"quoted\"");
    CHECK(back->forwards[0].bytes == 3);
    CHECK(back->drops[0].bytes == 5);
    CHECK(back->kernel.features.br_netfilter);
    CHECK(back->kernel.features.flowtable);
    CHECK(back->last_apply->time == t);
    CHECK(*back->confirm_deadline == t + std::chrono::seconds(30));
    CHECK(back->errors[0] == "line\nbreak");
    CHECK_FALSE(back->last_rollback);
    auto text = status::render_status(*back, t);
    CHECK(text.find("rolls back at") != std::string::npos);
    CHECK(text.find("(in 30 s)") != std::string::npos);
    CHECK(text.find("Fast path: on: flowtable fastpath on lan0\n") != std::string::npos);
    CHECK_FALSE(status::status_from_json("[1,2"));
}

TEST_CASE("status tells the fast path as the kernel holds it") {
    config::Config cfg;
    rules::KernelFeatures k;
    nft::Ruleset observed;
    CHECK(status::fast_path(cfg, k, observed).empty());  // not asked for: no line
    cfg.firewall.fast_path = config::Located<bool>{true};
    CHECK(status::fast_path(cfg, k, observed).starts_with("off: the kernel has no nf_flow_table"));
    k.flowtable = true;
    CHECK(status::fast_path(cfg, k, observed).starts_with("off: no flowtable in the kernel yet"));
    nft::Table t;
    t.name = nft::kTableName;
    t.flowtables.push_back(nft::Flowtable{"fastpath", 0, {"lan0", "ppp0"}, {}});
    observed.tables.push_back(t);
    CHECK(status::fast_path(cfg, k, observed).starts_with("on: flowtable fastpath on lan0, ppp0; "));
}

TEST_CASE("root may do anything; the reader group may only read") {
    using bus::Need;
    bus::Caller root{0, {0}};
    bus::Caller reader{65534, {65534, 991}};
    bus::Caller other{1000, {1000}};
    CHECK(bus::allowed(root, Need::write, std::nullopt));
    CHECK(bus::allowed(reader, Need::read, 991));
    CHECK_FALSE(bus::allowed(reader, Need::write, 991));
    CHECK_FALSE(bus::allowed(other, Need::read, 991));
    CHECK_FALSE(bus::allowed(reader, Need::read, std::nullopt));  // no such group: root only
}
