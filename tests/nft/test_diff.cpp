// Unit tests of diff_rulesets() and unified_diff(): equal rulesets give
// nothing, element changes are classified as such (whatever order the
// kernel returned them in), anything else is a structure change.
#include <doctest/doctest.h>

#include <algorithm>

#include "rules/nft/diff.hpp"

using namespace gw;
using namespace gw::nft;

namespace {

Element addr(const char* a, std::string comment = {}) {
    Element e;
    e.key = {*net::Prefix::parse(a)};
    e.comment = std::move(comment);
    return e;
}

Ruleset sample() {
    Table t;
    t.name = "gatewayd";
    Set s;
    s.name = "uplink_addr4";
    s.key = {Key::ip_daddr};
    s.elements = {addr("203.0.113.7", "isp")};
    Set z;
    z.name = "zone_lan_if";
    z.key = {Key::meta_iifname};
    Chain c;
    c.name = "input";
    c.base = BaseChain{ChainType::filter, Hook::input, 0, ChainPolicy::drop};
    Rule r;
    r.stmts = {Lookup{{Key::ip_daddr}, "uplink_addr4", {}, false}, Counter{}, Verdict{VerdictKind::accept, {}}};
    c.rules = {r};
    t.sets = {s, z};
    t.chains = {c};
    Ruleset rs;
    rs.tables = {t};
    return rs;
}

}  // namespace

TEST_CASE("equal rulesets: nothing to do, no text; counters and element order do not matter") {
    auto desired = sample(), observed = sample();
    std::get<Counter>(observed.tables[0].chains[0].rules[0].stmts[1]) = Counter{99, 12345};
    observed.tables[0].sets[0].elements.insert(observed.tables[0].sets[0].elements.begin(), addr("198.51.100.1"));
    desired.tables[0].sets[0].elements.push_back(addr("198.51.100.1"));
    std::swap(observed.tables[0].sets[0], observed.tables[0].sets[1]);  // the kernel lists sets its own way
    auto d = diff_rulesets(desired, observed);
    CHECK(d.kind == ChangeKind::none);
    CHECK(d.text.empty());
    CHECK(d.changed_sets.empty());
}

TEST_CASE("a new uplink address is an element change of that set only") {
    auto desired = sample(), observed = sample();
    desired.tables[0].sets[0].elements = {addr("198.51.100.99", "isp")};
    auto d = diff_rulesets(desired, observed);
    CHECK(d.kind == ChangeKind::elements);
    REQUIRE(d.changed_sets.size() == 1);
    CHECK(d.changed_sets[0] == SetRef{TableFamily::inet, "gatewayd", "uplink_addr4"});
    CHECK(d.text ==
          "--- kernel\n+++ config\n"
          "@@ -2,7 +2,7 @@\n"
          " \tset uplink_addr4 {\n"
          " \t\ttypeof ip daddr\n"
          " \t\telements = {\n"
          "-\t\t\t203.0.113.7 comment \"isp\"\n"
          "+\t\t\t198.51.100.99 comment \"isp\"\n"
          " \t\t}\n"
          " \t}\n"
          " \n");
}

TEST_CASE("rules, chains, set declarations, tables and opaque statements are structure changes") {
    auto base = sample();
    SUBCASE("rule") {
        auto desired = base;
        std::get<Verdict>(desired.tables[0].chains[0].rules[0].stmts[2]).kind = VerdictKind::drop;
        auto d = diff_rulesets(desired, base);
        CHECK(d.kind == ChangeKind::structure);
        CHECK(d.text.find("-\t\tip daddr @uplink_addr4 counter accept\n+\t\tip daddr @uplink_addr4 counter drop\n") !=
              std::string::npos);
    }
    SUBCASE("set declaration") {
        auto desired = base;
        desired.tables[0].sets[0].interval = true;
        CHECK(diff_rulesets(desired, base).kind == ChangeKind::structure);
    }
    SUBCASE("missing table (someone flushed it)") {
        Ruleset empty;
        auto d = diff_rulesets(base, empty);
        CHECK(d.kind == ChangeKind::structure);
        CHECK(d.text.rfind("--- kernel\n+++ config\n@@ -0,0 +1,", 0) == 0);
    }
    SUBCASE("opaque statement in the kernel") {
        auto observed = base;
        observed.tables[0].chains[0].rules[0].stmts.push_back(Opaque{"xt"});
        CHECK(diff_rulesets(base, observed).kind == ChangeKind::structure);
    }
}

TEST_CASE("unified_diff: hunks with context, merged when close, exact ranges") {
    std::string a, b;
    for (int i = 1; i <= 20; ++i) {
        a += "l" + std::to_string(i) + "\n";
        if (i == 2) b += "new\n";
        if (i != 10) b += "l" + std::to_string(i) + "\n";
    }
    CHECK(unified_diff(a, b, "a", "b", 2) ==
          "--- a\n+++ b\n"
          "@@ -1,3 +1,4 @@\n l1\n+new\n l2\n l3\n"
          "@@ -8,5 +9,4 @@\n l8\n l9\n-l10\n l11\n l12\n");
    CHECK(unified_diff(a, a, "a", "b").empty());
    CHECK(unified_diff("", "x\n", "a", "b") == "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
    CHECK(unified_diff("x\ny\n", "", "a", "b") == "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-x\n-y\n");
}

// sort_elements() sorts elements of numbers and addresses by bytes (the
// forward sets' shape); the order must stay element_less's, stably: equal
// keys keep their order (sort_unique keeps the first forward's name).
TEST_CASE("sort_elements: address and number elements sort as element_less orders them, stably") {
    std::vector<Element> elements;
    const char* hosts[] = {"172.16.1.100", "10.0.0.1", "172.16.1.9", "2001:db8::1", "10.0.0.0/8", "0.0.0.0/0"};
    for (int i = 0; i < 600; ++i) {
        Element e;
        e.key = {*net::Prefix::parse(hosts[(i * 7) % 6]), std::uint64_t((i * 13) % 3 == 0 ? 6 : 17),
                 std::uint64_t(65535 - (i * 37) % 300 * 200)};
        e.data = {std::uint64_t((i * 5) % 4)};
        e.comment = "e" + std::to_string(i);
        elements.push_back(std::move(e));
    }
    auto by_compare = elements;
    std::stable_sort(by_compare.begin(), by_compare.end(), element_less);
    sort_elements(elements);
    REQUIRE(elements.size() == by_compare.size());
    for (std::size_t i = 0; i < elements.size(); ++i) {
        CHECK(elements[i] == by_compare[i]);  // comments too: equal keys kept their order
    }
    // Mixed kinds in one part (a number and a range) take the comparing way, same order.
    std::vector<Element> mixed(3);
    mixed[0].key = {IntRange{10, 20}};
    mixed[1].key = {std::uint64_t{5}};
    mixed[2].key = {std::uint64_t{15}};
    sort_elements(mixed);
    CHECK(mixed[0].key == std::vector<Value>{std::uint64_t{5}});
    CHECK(mixed[1].key == std::vector<Value>{IntRange{10, 20}});
    CHECK(mixed[2].key == std::vector<Value>{std::uint64_t{15}});
}
