// Tables and chains back into the model, and the assembly of a whole
// Ruleset from a dump: named sets (anonymous ones only serve the lookups
// that use them), flowtables, chains in kernel order, each with its rules.
#include <linux/netfilter.h>

#include <algorithm>

#include "daemon/kernel/nft/decode.hpp"

namespace gw::kernel {

namespace {

std::optional<nft::TableFamily> table_family(std::uint32_t nfproto) {
    switch (nfproto) {
    case NFPROTO_INET: return nft::TableFamily::inet;
    case NFPROTO_IPV4: return nft::TableFamily::ip;
    case NFPROTO_IPV6: return nft::TableFamily::ip6;
    case NFPROTO_BRIDGE: return nft::TableFamily::bridge;
    default: return std::nullopt;
    }
}

int family_rank(nft::TableFamily f) {
    switch (f) {
    case nft::TableFamily::inet: return 0;
    case nft::TableFamily::bridge: return 1;
    case nft::TableFamily::ip: return 2;
    case nft::TableFamily::ip6: return 3;
    }
    return 4;
}

std::optional<nft::BaseChain> base_chain(const nftnl_chain* c) {
    if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)) return std::nullopt;
    nft::BaseChain b;
    std::string type = nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE) ? nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE) : "filter";
    b.type = type == "nat" ? nft::ChainType::nat : type == "route" ? nft::ChainType::route : nft::ChainType::filter;
    switch (nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM)) {
    case NF_INET_PRE_ROUTING: b.hook = nft::Hook::prerouting; break;
    case NF_INET_LOCAL_IN: b.hook = nft::Hook::input; break;
    case NF_INET_FORWARD: b.hook = nft::Hook::forward; break;
    case NF_INET_LOCAL_OUT: b.hook = nft::Hook::output; break;
    default: b.hook = nft::Hook::postrouting; break;
    }
    b.priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
    b.policy = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP ? nft::ChainPolicy::drop
                                                                     : nft::ChainPolicy::accept;
    return b;
}

bool in_table(const char* table, std::uint32_t family, const nft::Table& t) {
    return table && t.name == table && table_family(family) == t.family;
}

void decode_chains(const NftDump& dump, nft::Table& t, const SetsByName& sets) {
    for (const auto& c : dump.chains) {
        if (!in_table(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE),
                      nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY), t))
            continue;
        nft::Chain chain;
        chain.name = nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME);
        chain.base = base_chain(c.get());
        for (const auto& r : dump.rules) {
            if (!in_table(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE),
                          nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY), t) ||
                chain.name != nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN))
                continue;
            chain.rules.push_back(decode_rule(t.family, r.get(), sets));
        }
        t.chains.push_back(std::move(chain));
    }
}

// Devices sorted: the kernel lists them in its own order, which means nothing.
void decode_flowtables(const NftDump& dump, nft::Table& t) {
    for (const auto& f : dump.flowtables) {
        if (!in_table(nftnl_flowtable_get_str(f.get(), NFTNL_FLOWTABLE_TABLE),
                      nftnl_flowtable_get_u32(f.get(), NFTNL_FLOWTABLE_FAMILY), t))
            continue;
        nft::Flowtable ft;
        ft.name = nftnl_flowtable_get_str(f.get(), NFTNL_FLOWTABLE_NAME);
        ft.priority = nftnl_flowtable_get_s32(f.get(), NFTNL_FLOWTABLE_PRIO);
        if (nftnl_flowtable_is_set(f.get(), NFTNL_FLOWTABLE_DEVICES))
            for (auto* dev = nftnl_flowtable_get_array(f.get(), NFTNL_FLOWTABLE_DEVICES); dev && *dev; ++dev)
                ft.devices.emplace_back(*dev);
        std::sort(ft.devices.begin(), ft.devices.end());
        t.flowtables.push_back(std::move(ft));
    }
}

}  // namespace

SetObjects set_objects(const NftDump& dump, const nftnl_set* set) {
    if (auto dumped = dump.dumped_elements.find(set); dumped != dump.dumped_elements.end())
        return {set, {}, &dumped->second.elements};
    if (auto held = dump.elements_held_by.find(set); held != dump.elements_held_by.end())
        return {set, held->second, nullptr};
    return {set, {set}, nullptr};
}

namespace {

nft::Table decode_table(const NftDump& dump, nft::TableFamily family, const std::string& name) {
    nft::Table t;
    t.family = family;
    t.name = name;
    SetsByName sets;
    for (const auto& s : dump.sets) {
        if (!in_table(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE), nftnl_set_get_u32(s.get(), NFTNL_SET_FAMILY), t))
            continue;
        auto objects = set_objects(dump, s.get());
        if (!is_anonymous(s.get())) t.sets.push_back(decode_set(objects, !dump.elements_left_out.contains(s.get())));
        sets[nftnl_set_get_str(s.get(), NFTNL_SET_NAME)] = std::move(objects);
    }
    decode_flowtables(dump, t);
    decode_chains(dump, t, sets);
    return t;
}

}  // namespace

nft::Ruleset decode_ruleset(const NftDump& dump) {
    nft::Ruleset rs;
    for (const auto& t : dump.tables) {
        auto family = table_family(nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY));
        if (!family) continue;
        rs.tables.push_back(decode_table(dump, *family, nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME)));
    }
    std::stable_sort(rs.tables.begin(), rs.tables.end(), [](const nft::Table& a, const nft::Table& b) {
        return family_rank(a.family) < family_rank(b.family);
    });
    return rs;
}

}  // namespace gw::kernel
