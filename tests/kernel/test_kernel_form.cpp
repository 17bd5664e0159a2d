// Every golden case's compiled ruleset is already in the kernel's form
// (elements in canonical order): encoding it and decoding the result gives
// it back, value for value and line for line. A first apply onto a kernel
// holding none of gatewayd's tables relies on this to skip that round trip
// (Kernel::prepare with KernelForm::as_compiled).
#include <doctest/doctest.h>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/diff.hpp"
#include "rules/nft/render.hpp"
#include "tests/golden/golden_cases.hpp"

namespace gw::kernel::test {

TEST_CASE("every golden ruleset is its own kernel form") {
    auto cases = gw::test::golden_cases(gw::test::env_path("GW_GOLDEN_DIR"), gw::test::env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 0);
    for (const auto& c : cases) {
        INFO("case " << c.name);
        auto loaded = gw::test::load_case(c);
        REQUIRE_MESSAGE(loaded.config, loaded.errors);
        auto compiled = rules::compile_ruleset(*loaded.config, loaded.facts);
        auto held = as_kernel_holds(compiled);
        REQUIRE_MESSAGE(held.has_value(), (held ? "" : held.error().describe()));
        CHECK(nft::render_ruleset(*held) == nft::render_ruleset(compiled));
        CHECK(*held == compiled);
        CHECK(nft::with_sorted_elements(compiled) == compiled);
    }
}

}  // namespace gw::kernel::test
