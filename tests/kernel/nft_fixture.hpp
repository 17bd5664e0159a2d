// Test helpers for the nftables kernel layer: short builders for model
// values, a ruleset that uses every Key and Stmt of ruleset.hpp (with the
// same ruleset written as nft 1.0.6 text), and a way to run nft itself in
// the test's network namespace.
#pragma once

#include <string>
#include <vector>

#include "rules/nft/ruleset.hpp"

namespace gw::kernel::test {

nft::Value pfx(const char* text);  // "10.0.0.0/8", "2001:db8::1" (full length)
nft::Stmt cmp(nft::Key key, nft::Value value);
nft::Stmt ncmp(nft::Key key, nft::Value value);  // negated
nft::Stmt verdict(nft::VerdictKind kind, std::string chain = {});
nft::Rule rule(std::vector<nft::Stmt> stmts, std::string comment = {}, int line = 0);
nft::Element elem(std::vector<nft::Value> key, std::vector<nft::Value> data = {},
                  std::string comment = {});
nft::Chain base_chain(std::string name, nft::ChainType type, nft::Hook hook, int prio,
                      nft::ChainPolicy policy = nft::ChainPolicy::accept);

// Every Key and Stmt (but `meta broute`, which this kernel lacks), named,
// anonymous, interval and concatenated sets and maps, DNAT through a map.
nft::Ruleset full_ruleset();
// The same, as `nft -f` input.
std::string full_ruleset_text();

// A small ruleset with one chain and one named set, for batch tests.
nft::Ruleset small_ruleset();

struct Run {
    int status = 0;
    std::string output;  // stdout and stderr
};
Run run_nft(const std::vector<std::string>& args, const std::string& input = {});
std::string nft_list_ruleset();

}  // namespace gw::kernel::test
