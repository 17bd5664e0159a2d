// Test helper: compiles a gateway.yaml (with an optional facts.yaml from
// a directory) and prints the ruleset in replace form, for `nft -f`.
// Usage: render-case CONFIG [FACTS_DIR]
#include <iostream>

#include "rules/nft/render.hpp"
#include "tests/golden/golden_cases.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: render-case CONFIG [FACTS_DIR]\n";
        return 2;
    }
    gw::test::GoldenCase c{"case", argc > 2 ? argv[2] : "/nonexistent", argv[1]};
    auto compiled = gw::test::compile_case(c);
    if (!compiled.ruleset) {
        std::cerr << compiled.errors;
        return 2;
    }
    gw::nft::RenderOptions options;
    options.replace = true;
    std::cout << gw::nft::render_ruleset(*compiled.ruleset, options);
    return 0;
}
