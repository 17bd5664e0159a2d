// nft::Ruleset -> nft text in the syntax of nftables 1.0.6, which `nft -f`
// loads. Deterministic (model order, one element per line) so golden tests
// and diffs compare text. Every Key and Stmt has a spelling; an Opaque
// statement (something the kernel holds that the model cannot express)
// turns its rule into a "#" comment, since nft could not load it back.
#pragma once

#include <string>

#include "rules/nft/ruleset.hpp"

namespace gw::nft {

struct RenderOptions {
    // Precede each table with "table F N" + "delete table F N": fed to
    // `nft -f`, the file then replaces gatewayd's tables in one transaction
    // whether or not they exist, leaving every other table alone.
    bool replace = false;
    // "counter packets 12 bytes 3400" (status) instead of "counter".
    bool counters = false;
};

std::string render_ruleset(const Ruleset& ruleset, const RenderOptions& options = {});
std::string render_table(const Table& table, const RenderOptions& options = {});
std::string render_set(const Set& set, const RenderOptions& options = {});   // "set x { ... }", tab-indented
// `table`, when given, is the one the chain/rule/statement lives in: it
// names the priorities of its family ("filter" is 0 in inet, -200 in
// bridge) and tells a lookup in a verdict map ("vmap @name") from a set.
std::string render_chain(const Chain& chain, const RenderOptions& options = {},
                         const Table* table = nullptr);
std::string render_rule(const Rule& rule, const RenderOptions& options = {},
                        const Table* table = nullptr);  // one line
std::string render_stmt(const Stmt& stmt, const RenderOptions& options = {},
                        const Table* table = nullptr);
std::string render_value(Key key, const Value& value);
// The same text appended to `out` (a set of 10,000 elements renders 50,000 values).
void render_value_into(std::string& out, Key key, const Value& value);
std::string render_key(Key key);  // "iifname", "ip saddr", "meta l4proto", ...

}  // namespace gw::nft
