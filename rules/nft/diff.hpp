// Desired vs observed ruleset: a unified diff of their nft text (counter
// values left out) for the operator, and a classification the daemon acts
// on (nothing to do / only set elements / rebuild the table). Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "rules/nft/ruleset.hpp"

namespace gw::nft {

enum class ChangeKind {
    none,      // the kernel holds what is wanted
    elements,  // only elements of existing sets/maps differ: update them in place
    structure, // tables, chains, rules or set declarations differ: replace the table
};

struct SetRef {
    TableFamily family = TableFamily::inet;
    std::string table;
    std::string set;
    friend bool operator==(const SetRef&, const SetRef&) = default;
};

struct RulesetDiff {
    ChangeKind kind = ChangeKind::none;
    std::vector<SetRef> changed_sets;  // kind == elements: the sets whose elements differ
    std::string text;                  // unified diff, "--- kernel" / "+++ config"; empty when equal
};

// `observed` is taken by value: it is put in canonical order and aligned
// with `desired` in place (callers that are done with it move it in).
RulesetDiff diff_rulesets(const Ruleset& desired, Ruleset observed);

// A line diff in unified format with `context` lines around each change;
// empty when the texts are equal.
std::string unified_diff(const std::string& from, const std::string& to, const std::string& from_name,
                         const std::string& to_name, int context = 3);

// The canonical order of set elements (and inline-set values): compilation
// emits it, and diffing sorts what the kernel returned into it, since the
// kernel's element order means nothing.
bool value_less(const Value& a, const Value& b);
bool element_less(const Element& a, const Element& b);
void sort_elements(std::vector<Element>& elements);
Ruleset with_sorted_elements(Ruleset ruleset);

}  // namespace gw::nft
