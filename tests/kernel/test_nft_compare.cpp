// A re-apply's comparison against the running kernel (NftNetlink::observe
// with its sets' elements deferred, then prepare_against): sets the kernel
// holds byte for byte as encoded are decoded on neither side, the others
// are; either way both sides must read as a plain observe and
// as_kernel_holds() read them, so the diff sees exactly what changed.
#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/diff.hpp"
#include "tests/kernel/backend_helpers.hpp"
#include "tests/kernel/nft_fixture.hpp"

namespace gw::kernel::test {

namespace {

struct Compared {
    nft::Ruleset observed;
    nft::Ruleset kernel_form;
};

// observe() with deferred elements, then prepare_against(desired).
Compared compare_with_kernel(NftNetlink& nft, const nft::Ruleset& desired) {
    std::shared_ptr<const ObservedElements> deferred;
    auto observed = nft.observe(nullptr, &deferred);
    REQUIRE_MESSAGE(observed.has_value(), (observed ? "" : observed.error().describe()));
    REQUIRE(deferred != nullptr);
    auto prepared = nft.prepare_against(desired, *observed, deferred.get());
    REQUIRE_MESSAGE(prepared.has_value(), (prepared ? "" : prepared.error().describe()));
    REQUIRE(prepared->encoded != nullptr);
    return {std::move(*observed), std::move(prepared->kernel_form)};
}

nft::Ruleset kernel_form(const nft::Ruleset& rs) {
    auto canon = as_kernel_holds(rs);
    REQUIRE(canon.has_value());
    return *canon;
}

nft::Set& set_named(nft::Ruleset& rs, const std::string& name) {
    auto& sets = rs.tables.at(0).sets;
    auto it = std::find_if(sets.begin(), sets.end(), [&](const nft::Set& s) { return s.name == name; });
    REQUIRE(it != sets.end());
    return *it;
}

std::vector<std::string> changed_names(const nft::RulesetDiff& diff) {
    std::vector<std::string> out;
    for (const auto& s : diff.changed_sets) out.push_back(s.set);
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("with nothing changed, both sides read as observe and as_kernel_holds do") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    std::shared_ptr<const ObservedElements> deferred;
    auto bare = nft->observe(nullptr, &deferred);
    REQUIRE(bare.has_value());
    CHECK(set_named(*bare, "fwd4").elements.empty());  // left for prepare_against
    auto c = compare_with_kernel(*nft, want);
    check_same(c.observed, observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(want));
    CHECK(nft::diff_rulesets(c.kernel_form, c.observed).kind == nft::ChangeKind::none);
}

TEST_CASE("changed and hand-added elements are decoded and show in the diff") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    REQUIRE(run_nft({"add", "element", "inet", "gatewayd", "svc", "{ tcp . 2222 }"}).status == 0);
    auto changed = want;
    set_named(changed, "fwd4").elements.at(1).data.at(0) = pfx("192.168.1.12");
    auto c = compare_with_kernel(*nft, changed);
    check_same(c.observed, observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(changed));
    auto diff = nft::diff_rulesets(c.kernel_form, c.observed);
    CHECK(diff.kind == nft::ChangeKind::elements);
    CHECK(changed_names(diff) == std::vector<std::string>{"fwd4", "svc"});
    CHECK(diff.text.find("192.168.1.12") != std::string::npos);
    CHECK(diff.text.find("2222") != std::string::npos);
}

TEST_CASE("a set whose definition changed is decoded on both sides, even with the same elements") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    auto changed = want;
    set_named(changed, "blocked4").comment = "renamed";
    auto c = compare_with_kernel(*nft, changed);
    check_same(c.observed, observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(changed));
    CHECK(nft::diff_rulesets(c.kernel_form, c.observed).kind == nft::ChangeKind::structure);
}

TEST_CASE("with none of gatewayd's tables in the kernel, the compiled ruleset is the kernel form") {
    auto nft = backend();
    apply_ok(*nft, nft::Ruleset{});
    auto want = full_ruleset();
    auto c = compare_with_kernel(*nft, want);
    CHECK(c.observed.tables.empty());
    check_same(c.kernel_form, want);
}

}  // namespace gw::kernel::test
