// A re-apply's comparison against the running kernel (NftNetlink::observe
// with its sets' elements deferred, then prepare_against): sets the kernel
// holds byte for byte as encoded are decoded on neither side, the others
// are; either way both sides must read as a plain observe and
// as_kernel_holds() read them, so the diff sees exactly what changed.
#include <doctest/doctest.h>

#include <algorithm>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/diff.hpp"
#include "rules/plan/plan.hpp"
#include "tests/kernel/backend_helpers.hpp"
#include "tests/kernel/nft_fixture.hpp"

namespace gw::kernel::test {

namespace {

struct Compared {
    nft::Ruleset observed;  // the same_elements sets without elements
    nft::Ruleset kernel_form;
    std::vector<nft::SetRef> same_elements;
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
    return {std::move(*observed), std::move(prepared->kernel_form), std::move(prepared->same_elements)};
}

nft::Set* find(nft::Ruleset& rs, const nft::SetRef& ref) {
    for (auto& t : rs.tables)
        if (t.family == ref.family && t.name == ref.table)
            for (auto& s : t.sets)
                if (s.name == ref.set) return &s;
    return nullptr;
}

// The observed ruleset with the sets found the same given the kernel
// form's elements: what a plain observe() must return.
nft::Ruleset completed(Compared c) {
    for (const auto& ref : c.same_elements) {
        auto* theirs = find(c.observed, ref);
        auto* mine = find(c.kernel_form, ref);
        REQUIRE(theirs != nullptr);
        REQUIRE(mine != nullptr);
        CHECK(theirs->elements.empty());
        theirs->elements = mine->elements;
    }
    return c.observed;
}

std::vector<std::string> names(const std::vector<nft::SetRef>& refs) {
    std::vector<std::string> out;
    for (const auto& r : refs) out.push_back(r.set);
    std::sort(out.begin(), out.end());
    return out;
}

// The plan the reconciler makes of it; its text must be a plain diff's.
plan::NftPlan plan_of(const Compared& c) {
    return plan::plan_nft(c.kernel_form, c.observed, nullptr, c.same_elements);
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

}  // namespace

TEST_CASE("with nothing changed, no set is decoded and both sides read as observe and as_kernel_holds do") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    std::shared_ptr<const ObservedElements> deferred;
    auto bare = nft->observe(nullptr, &deferred);
    REQUIRE(bare.has_value());
    CHECK(set_named(*bare, "fwd4").elements.empty());  // left for prepare_against
    auto c = compare_with_kernel(*nft, want);
    CHECK(c.same_elements.size() == want.tables[0].sets.size() + want.tables[1].sets.size());
    check_same(completed(c), observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(want));
    auto p = plan_of(c);
    CHECK(p.kind == nft::ChangeKind::none);
    CHECK(p.text.empty());
    CHECK(set_named(p.desired, "fwd4").elements.size() == 2);  // the plan's desired is whole
}

TEST_CASE("changed and hand-added elements are decoded and show in the diff") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    REQUIRE(run_nft({"add", "element", "inet", "gatewayd", "svc", "{ tcp . 2222 }"}).status == 0);
    auto changed = want;
    set_named(changed, "fwd4").elements.at(1).data.at(0) = pfx("192.168.1.12");
    auto c = compare_with_kernel(*nft, changed);
    auto same = names(c.same_elements);
    CHECK(std::find(same.begin(), same.end(), "fwd4") == same.end());
    CHECK(std::find(same.begin(), same.end(), "svc") == same.end());
    CHECK(std::find(same.begin(), same.end(), "fwd6") != same.end());
    check_same(completed(c), observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(changed));
    auto p = plan_of(c);
    CHECK(p.kind == nft::ChangeKind::elements);
    std::vector<std::string> updated;
    for (const auto& u : p.elements) updated.push_back(u.set.name);
    std::sort(updated.begin(), updated.end());
    CHECK(updated == std::vector<std::string>{"fwd4", "svc"});
    CHECK(p.text == nft::diff_rulesets(c.kernel_form, observe_ok(*nft)).text);
    CHECK(p.text.find("192.168.1.12") != std::string::npos);
    CHECK(p.text.find("2222") != std::string::npos);
}

TEST_CASE("a set whose definition changed is decoded on both sides, even with the same elements") {
    auto nft = backend();
    auto want = full_ruleset();
    apply_ok(*nft, want);
    auto changed = want;
    set_named(changed, "blocked4").comment = "renamed";
    auto c = compare_with_kernel(*nft, changed);
    auto same = names(c.same_elements);
    CHECK(std::find(same.begin(), same.end(), "blocked4") == same.end());
    check_same(completed(c), observe_ok(*nft));
    check_same(c.kernel_form, kernel_form(changed));
    auto p = plan_of(c);
    CHECK(p.kind == nft::ChangeKind::structure);
    // The text shows the unchanged sets' elements as a plain diff does.
    CHECK(p.text == nft::diff_rulesets(c.kernel_form, observe_ok(*nft)).text);
}

TEST_CASE("with none of gatewayd's tables in the kernel, the compiled ruleset is the kernel form") {
    auto nft = backend();
    apply_ok(*nft, nft::Ruleset{});
    auto want = full_ruleset();
    auto c = compare_with_kernel(*nft, want);
    CHECK(c.observed.tables.empty());
    CHECK(c.same_elements.empty());
    check_same(c.kernel_form, want);
}

}  // namespace gw::kernel::test
