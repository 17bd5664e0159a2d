// A YAML document as a plain tree whose every node knows its 1-based
// line:col. load_yaml() is the only place yaml-cpp is touched: its
// exceptions become diagnostics here, duplicate mapping keys are reported
// here, and the section parsers only ever see this tree.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/config/diag.hpp"
#include "rules/config/source.hpp"

namespace gw::config {

struct MapEntry;

struct Node {
    enum class Kind { null, scalar, sequence, map };

    Kind kind = Kind::null;
    std::string text;     // scalar text as written (after YAML unescaping)
    bool plain = false;   // an unquoted, untagged scalar: may be a number or a bool
    Loc loc;
    std::vector<Node> items;                     // sequence elements
    std::vector<MapEntry> entries;  // mapping entries in file order

    bool is_null() const { return kind == Kind::null; }
    bool is_scalar() const { return kind == Kind::scalar; }
    bool is_sequence() const { return kind == Kind::sequence; }
    bool is_map() const { return kind == Kind::map; }
    // First entry whose key is `key` (duplicates are reported by load_yaml).
    const Node* find(std::string_view key) const;
    const Node* find_key(std::string_view key) const;  // the key node itself
};

struct MapEntry {
    Node key;
    Node value;
};

// Parses `text` into a tree. On a YAML syntax error the diagnostic is added
// and false returned; `out` is then unspecified.
bool load_yaml(std::string_view text, Node& out, Diagnostics& diags);

// "a mapping", "a list", "a string", ... for "expected X, got Y" messages.
std::string_view describe(const Node& n);

}  // namespace gw::config
