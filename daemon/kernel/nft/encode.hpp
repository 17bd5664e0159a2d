// nft::Ruleset -> libnftnl objects, as the ordered list of operations one
// transaction must carry. Pure (no socket): every operation remembers what
// it does ("add rule inet gatewayd forward") and the config line that asked
// for it, so the batch can map a kernel rejection back to the operator's
// file. Encodings follow nft 1.0.6 byte for byte (see nft_encode_*.cpp).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <variant>
#include <vector>

#include "daemon/kernel/nft/objects.hpp"
#include "rules/config/source.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::kernel {

enum class OpKind {
    add_table,       // NFT_MSG_NEWTABLE (create if missing, never EEXIST)
    delete_table,    // NFT_MSG_DELTABLE
    add_chain,       // NFT_MSG_NEWCHAIN
    add_set,         // NFT_MSG_NEWSET
    add_elements,    // NFT_MSG_NEWSETELEM, elements carried by the set object
    flush_elements,  // NFT_MSG_DELSETELEM without elements: empties the set
    add_rule,        // NFT_MSG_NEWRULE, appended
    add_flowtable,   // NFT_MSG_NEWFLOWTABLE
};

using NftObject = std::variant<NftTablePtr, NftChainPtr, NftSetPtr, NftRulePtr, NftFlowtablePtr>;

struct NftOp {
    OpKind kind = OpKind::add_table;
    std::uint16_t family = 0;  // NFPROTO_*
    NftObject object;
    std::string what;          // "add rule inet gatewayd forward"
    config::Loc origin;        // config line that produced it; unknown for scaffolding
};

struct EncodeError {
    std::string what;     // the operation that could not be encoded
    std::string message;  // why
    config::Loc origin;
};

// Hands out NFTNL_SET_ID values, unique within one transaction: rules refer
// to sets created in the same batch by id.
struct SetIds {
    std::uint32_t next = 1;
    std::uint32_t take() { return next++; }
};

std::uint16_t nfproto_of(nft::TableFamily family);
std::string family_name(nft::TableFamily family);

// add table, then its chains, sets (with elements) and rules, in that order.
std::expected<std::vector<NftOp>, EncodeError> encode_table(const nft::Table& table, SetIds& ids);
NftOp encode_table_shell(nft::TableFamily family, const std::string& name, OpKind kind);

// The operations that replace the elements of one named set in place.
std::expected<std::vector<NftOp>, EncodeError> encode_element_update(nft::TableFamily family,
                                                                     const std::string& table,
                                                                     const nft::Set& set);

// ---- pieces, shared between the encoder files ---------------------------

struct EncodeContext {
    const nft::Table& table;
    SetIds& ids;
    std::vector<NftOp>& ops;  // anonymous sets go here, ahead of their rule
};

std::expected<std::vector<NftOp>, std::string> encode_named_set(const nft::Table& table,
                                                                const nft::Set& set,
                                                                SetIds& ids);
// The anonymous set behind an inline `{ ... }`: its add_set and
// add_elements operations are appended to ctx.ops; returns its id.
std::expected<std::uint32_t, std::string> encode_anonymous_set(EncodeContext& ctx,
                                                               const nft::Lookup& lookup,
                                                               config::Loc origin,
                                                               bool* interval);
// Appends the expressions of one rule to `rule`.
std::expected<void, std::string> encode_rule_exprs(EncodeContext& ctx, const nft::Rule& rule,
                                                   nftnl_rule* nl_rule);

// True when elements of this set are stored as intervals, i.e. looked up
// after a byteorder conversion for host-order keys.
bool is_interval_lookup(const nft::Table& table, const std::string& set_name);
const nft::Set* find_set(const nft::Table& table, const std::string& name);

}  // namespace gw::kernel
