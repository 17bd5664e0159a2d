// Golden test: each case's config compiles and renders to exactly its
// expected.nft (the nftables ruleset) and expected.net (links, addresses,
// routes, rules and sysctls), both from the same config and facts.
// GW_REGOLDEN=1 rewrites the files instead (review them as a diff before
// committing). A case without a golden file fails, so a new example cannot
// go unchecked.
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <iostream>

#include "rules/ipv6/radvd_conf.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/render.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/render.hpp"
#include "tests/golden/golden_cases.hpp"

using namespace gw;
namespace fs = std::filesystem;
using gw::test::env_path;

namespace {

bool regolden() {
    const char* v = std::getenv("GW_REGOLDEN");
    return v && std::string(v) == "1";
}

// Renders one half of a case from its config and facts.
using RenderHalf = std::function<std::string(const config::Config&, const rules::Facts&)>;

// Compares (or, under GW_REGOLDEN=1, rewrites) `<case>/<file>` for every case.
void check_golden(const std::string& file, const RenderHalf& render) {
    auto golden = env_path("GW_GOLDEN_DIR");
    REQUIRE_MESSAGE(fs::is_directory(golden), "GW_GOLDEN_DIR must name tests/golden");
    auto cases = test::golden_cases(golden, env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 0);
    for (const auto& c : cases) {
        INFO("case " << c.name << " (" << c.config.string() << ")");
        auto loaded = test::load_case(c);
        REQUIRE_MESSAGE(loaded.config, "config does not parse:\n" << loaded.errors);
        auto text = render(*loaded.config, loaded.facts);
        auto expected_path = c.dir / file;
        if (regolden()) {
            fs::create_directories(c.dir);
            std::ofstream(expected_path, std::ios::binary) << text;
            std::cout << "regenerated " << expected_path.string() << "\n";
            continue;
        }
        REQUIRE_MESSAGE(fs::exists(expected_path), "missing " << expected_path.string() << " (GW_REGOLDEN=1 writes it)");
        auto expected = test::read_file(expected_path);
        CHECK_MESSAGE(text == expected, "rendered text differs from " << file << ":\n"
                                                                      << nft::unified_diff(expected, text, file, "rendered"));
        std::cout << "golden " << c.name << " " << file << ": ok\n";
    }
}

}  // namespace

// A golden directory nothing compiles any more would pass silently forever.
TEST_CASE("every golden directory still has its config") {
    auto golden = env_path("GW_GOLDEN_DIR");
    auto examples = env_path("GW_EXAMPLES_DIR");
    for (const auto& e : fs::directory_iterator(golden)) {
        auto name = e.path().filename().string();
        if (!e.is_directory()) continue;
        if (name.rfind("example-", 0) == 0)
            CHECK_MESSAGE(fs::exists(examples / (name.substr(8) + ".yaml")),
                          "stale golden case " << name << ": examples/" << name.substr(8) << ".yaml is gone");
        else
            CHECK_MESSAGE(fs::exists(e.path() / "config.yaml"), "stale golden case " << name << ": no config.yaml");
    }
}

TEST_CASE("every golden case renders exactly its expected.nft") {
    check_golden("expected.nft", [](const config::Config& cfg, const rules::Facts& facts) {
        return nft::render_ruleset(rules::compile_ruleset(cfg, facts));
    });
}

TEST_CASE("every golden case renders exactly its expected.net") {
    check_golden("expected.net", [](const config::Config& cfg, const rules::Facts& facts) {
        return netstate::render_netstate(netstate::compile_netstate(cfg, facts));
    });
}

// radvd's file only where a case announces something (routed IPv6).
TEST_CASE("every golden case with router advertisements renders exactly its expected.radvd") {
    auto cases = test::golden_cases(env_path("GW_GOLDEN_DIR"), env_path("GW_EXAMPLES_DIR"));
    int rendered = 0;
    for (const auto& c : cases) {
        INFO("case " << c.name);
        auto loaded = test::load_case(c);
        REQUIRE(loaded.config);
        auto text = ipv6::render_radvd_conf(*loaded.config, loaded.facts);
        auto path = c.dir / "expected.radvd";
        if (text.empty() && !fs::exists(path)) continue;
        ++rendered;
        if (regolden()) {
            std::ofstream(path, std::ios::binary) << text;
            continue;
        }
        CHECK_MESSAGE(text == test::read_file(path),
                      nft::unified_diff(test::read_file(path), text, "expected.radvd", "rendered"));
    }
    CHECK(rendered > 0);
}

namespace {

// Other addresses for every uplink: two IPv4 and one IPv6 each, none alike.
rules::Facts moved_addresses(const config::Config& cfg, rules::Facts facts) {
    facts.uplink_addresses.clear();
    int i = 10;
    for (const auto& u : cfg.uplinks) {
        auto& list = facts.uplink_addresses[u.name.value];
        for (const auto* text : {"198.51.100.", "203.0.113."})
            list.push_back(*net::Address::parse(text + std::to_string(i)));
        list.push_back(*net::Address::parse("2001:db8:77::" + std::to_string(i)));
        ++i;
    }
    return facts;
}

// `rs` with every set compile_uplink_address_sets() names replaced by its version.
nft::Ruleset with_sets(nft::Ruleset rs, const std::vector<nft::Set>& sets) {
    for (auto& t : rs.tables)
        for (auto& held : t.sets)
            for (const auto& s : sets)
                if (t.family == nft::TableFamily::inet && held.name == s.name) held = s;
    return rs;
}

}  // namespace

// What lets the daemon recompile only these sets after an address change:
// nothing else in any golden ruleset depends on the uplinks' addresses.
TEST_CASE("in every golden case, new uplink addresses change only the uplink address sets") {
    auto cases = test::golden_cases(env_path("GW_GOLDEN_DIR"), env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 0);
    int with_hairpin = 0;
    for (const auto& c : cases) {
        INFO("case " << c.name);
        auto loaded = test::load_case(c);
        REQUIRE(loaded.config);
        const auto& cfg = *loaded.config;
        auto down = loaded.facts;
        down.uplink_addresses.clear();
        for (const auto& from : {loaded.facts, down}) {
            auto to = moved_addresses(cfg, from);
            auto sets = rules::compile_uplink_address_sets(cfg, to);
            auto patched = with_sets(rules::compile_ruleset(cfg, from), sets);
            auto wanted = rules::compile_ruleset(cfg, to);
            CHECK_MESSAGE(patched == wanted, nft::unified_diff(nft::render_ruleset(wanted),
                                                               nft::render_ruleset(patched), "compiled", "patched"));
        }
        auto rs = rules::compile_ruleset(cfg, moved_addresses(cfg, loaded.facts));
        for (const auto& s : rs.tables.front().sets)
            if (s.name == rules::kUplinkAddr4Set && !s.elements.empty()) ++with_hairpin;
    }
    CHECK(with_hairpin > 0);  // some case holds a set the test could have got wrong
}
