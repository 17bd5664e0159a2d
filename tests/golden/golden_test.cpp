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
