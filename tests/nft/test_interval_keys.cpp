// What Debian 12's kernel (6.12) refuses must never be compiled: a lookup
// into a concatenated interval set or map with a 1-byte part (measured under
// the vm tier: `meta l4proto . th dport` with `flags interval` fails
// "Operation not supported" at `add rule`, and the whole batch with it; the
// host's 6.18 accepts it, so only this check keeps it from coming back).
// Every golden case and every example is compiled and checked, named sets
// and inline ones alike; key sizes come from rules/nft/keys.hpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"
#include "tests/golden/golden_cases.hpp"

using namespace gw;

namespace {

bool has_one_byte_part(const std::vector<nft::Key>& keys) {
    return keys.size() > 1 && std::any_of(keys.begin(), keys.end(),
                                           [](nft::Key k) { return nft::key_info(k).length == 1; });
}

std::string key_text(const std::vector<nft::Key>& keys) {
    std::string out;
    for (auto k : keys) out += (out.empty() ? "" : " . ") + std::string(nft::key_info(k).nft);
    return out;
}

// An inline set is an interval set when an element holds a range or a
// prefix shorter than its address (as the kernel encoder declares it).
bool is_range(const nft::Value& v) {
    if (std::holds_alternative<nft::IntRange>(v)) return true;
    const auto* p = std::get_if<net::Prefix>(&v);
    return p && p->length < p->address.bits();
}

bool inline_interval(const nft::Lookup& l) {
    return std::any_of(l.inline_set.begin(), l.inline_set.end(), [](const nft::Element& e) {
        return std::any_of(e.key.begin(), e.key.end(), is_range);
    });
}

// "table/set: keys" for each offending named set and inline lookup.
std::vector<std::string> refused_by_6_12(const nft::Ruleset& rs) {
    std::vector<std::string> out;
    for (const auto& t : rs.tables) {
        for (const auto& s : t.sets)
            if (s.interval && has_one_byte_part(s.key)) out.push_back(t.name + "/" + s.name + ": " + key_text(s.key));
        for (const auto& c : t.chains)
            for (const auto& r : c.rules)
                for (const auto& st : r.stmts)
                    if (const auto* l = std::get_if<nft::Lookup>(&st);
                        l && l->set.empty() && inline_interval(*l) && has_one_byte_part(l->keys))
                        out.push_back(t.name + "/" + c.name + ": " + nft::render_rule(r));
    }
    return out;
}

}  // namespace

TEST_CASE("the check finds the shapes 6.12 refuses") {
    nft::Ruleset rs;
    rs.tables.push_back({});
    auto& t = rs.tables.back();
    t.name = "t";
    nft::Set range;  // the port-range map as it was before
    range.name = "old_range";
    range.key = {nft::Key::meta_l4proto, nft::Key::th_dport};
    range.data = {nft::Key::ip_daddr};
    range.interval = true;
    t.sets.push_back(range);
    nft::Set hash = range;  // the same key without intervals loads
    hash.name = "hash";
    hash.interval = false;
    t.sets.push_back(hash);
    nft::Set ports = range;  // a range map keyed by the port alone loads
    ports.name = "ports";
    ports.key = {nft::Key::th_dport};
    t.sets.push_back(ports);
    nft::Chain c;
    c.name = "c";
    nft::Element e;
    e.key = {std::uint64_t{6}, nft::IntRange{1000, 2000}};
    c.rules.push_back({{nft::Lookup{{nft::Key::meta_l4proto, nft::Key::th_dport}, {}, {e}, false}}, "", {}});
    t.chains.push_back(c);
    auto found = refused_by_6_12(rs);
    REQUIRE(found.size() == 2);
    CHECK(found[0] == "t/old_range: meta l4proto . th dport");
    CHECK(found[1].starts_with("t/c: meta l4proto . th dport { "));
}

TEST_CASE("no golden case or example compiles a concatenated interval set with a 1-byte part") {
    auto cases = test::golden_cases(test::env_path("GW_GOLDEN_DIR"), test::env_path("GW_EXAMPLES_DIR"));
    REQUIRE(cases.size() > 1);
    for (const auto& c : cases) {
        INFO(c.name);
        auto compiled = test::compile_case(c);
        REQUIRE_MESSAGE(compiled.ruleset, compiled.errors);
        CHECK(refused_by_6_12(*compiled.ruleset) == std::vector<std::string>{});
    }
}
