// Golden test: each case's config compiles and renders to exactly its
// expected.nft. GW_REGOLDEN=1 rewrites the files instead (review them as a
// diff before committing). An example without a golden file fails, so a
// new example cannot go unchecked.
#include <doctest/doctest.h>

#include <cstdlib>
#include <iostream>

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

}  // namespace

TEST_CASE("every example-<name> case still has its examples/<name>.yaml") {
    auto golden = env_path("GW_GOLDEN_DIR");
    auto examples = env_path("GW_EXAMPLES_DIR");
    for (const auto& e : fs::directory_iterator(golden)) {
        auto name = e.path().filename().string();
        if (!e.is_directory() || name.rfind("example-", 0) != 0) continue;
        CHECK_MESSAGE(fs::exists(examples / (name.substr(8) + ".yaml")),
                      "stale golden case " << name << ": examples/" << name.substr(8) << ".yaml is gone");
    }
}

TEST_CASE("every golden case renders exactly its expected.nft") {
    auto golden = env_path("GW_GOLDEN_DIR");
    REQUIRE_MESSAGE(fs::is_directory(golden), "GW_GOLDEN_DIR must name tests/golden");
    auto cases = test::golden_cases(golden, env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 0);
    for (const auto& c : cases) {
        INFO("case " << c.name << " (" << c.config.string() << ")");
        auto compiled = test::compile_case(c);
        REQUIRE_MESSAGE(compiled.ruleset, "config does not parse:\n" << compiled.errors);
        auto text = nft::render_ruleset(*compiled.ruleset);
        auto expected_path = c.dir / "expected.nft";
        if (regolden()) {
            fs::create_directories(c.dir);
            std::ofstream(expected_path, std::ios::binary) << text;
            std::cout << "regenerated " << expected_path.string() << "\n";
            continue;
        }
        REQUIRE_MESSAGE(fs::exists(expected_path), "missing " << expected_path.string() << " (GW_REGOLDEN=1 writes it)");
        auto expected = test::read_file(expected_path);
        CHECK_MESSAGE(text == expected,
                      "rendered ruleset differs from expected.nft:\n"
                          << nft::unified_diff(expected, text, "expected.nft", "rendered"));
        std::cout << "golden " << c.name << ": ok\n";
    }
}
