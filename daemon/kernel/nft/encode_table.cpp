// Tables, chains and rules -> nftnl objects, and the order one table is
// written in: the table, every chain (so jumps from rules and verdict-map
// elements resolve whatever the order), the named sets with their elements,
// the flowtables, then the rules, each preceded by the anonymous sets it uses. Rule comments go into rule userdata in nft's
// TLV layout, so `nft list` shows them.
#include <linux/netfilter.h>

#include <new>
#include <vector>

#include "daemon/kernel/nft/encode.hpp"

namespace gw::kernel {

namespace {

constexpr std::uint32_t kUdataMax = 256;  // nft's NFT_USERDATA_MAXLEN

const char* chain_type(nft::ChainType type) {
    switch (type) {
    case nft::ChainType::filter: return "filter";
    case nft::ChainType::nat: return "nat";
    case nft::ChainType::route: return "route";
    }
    return "filter";
}

std::uint32_t hook_number(nft::Hook hook) {
    // The bridge family numbers its hooks the same way (NF_BR_PRE_ROUTING = 0, ...).
    switch (hook) {
    case nft::Hook::prerouting: return NF_INET_PRE_ROUTING;
    case nft::Hook::input: return NF_INET_LOCAL_IN;
    case nft::Hook::forward: return NF_INET_FORWARD;
    case nft::Hook::output: return NF_INET_LOCAL_OUT;
    case nft::Hook::postrouting: return NF_INET_POST_ROUTING;
    }
    return NF_INET_LOCAL_IN;
}

std::string where(const nft::Table& table, const std::string& chain) {
    return family_name(table.family) + " " + table.name + " " + chain;
}

NftChainPtr encode_chain(const nft::Table& table, const nft::Chain& chain) {
    NftChainPtr c(nftnl_chain_alloc());
    if (!c) throw std::bad_alloc();
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table.name.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, nfproto_of(table.family));
    if (chain.base) {
        nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, chain_type(chain.base->type));
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook_number(chain.base->hook));
        nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, chain.base->priority);
        nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY,
                            chain.base->policy == nft::ChainPolicy::drop ? NF_DROP : NF_ACCEPT);
    }
    return c;
}

// A flowtable's devices go as one string array; the kernel registers its
// ingress hook on each and refuses a device that does not exist (ENOENT).
NftFlowtablePtr encode_flowtable(const nft::Table& table, const nft::Flowtable& ft) {
    NftFlowtablePtr f(nftnl_flowtable_alloc());
    if (!f) throw std::bad_alloc();
    nftnl_flowtable_set_str(f.get(), NFTNL_FLOWTABLE_TABLE, table.name.c_str());
    nftnl_flowtable_set_str(f.get(), NFTNL_FLOWTABLE_NAME, ft.name.c_str());
    nftnl_flowtable_set_u32(f.get(), NFTNL_FLOWTABLE_FAMILY, nfproto_of(table.family));
    nftnl_flowtable_set_u32(f.get(), NFTNL_FLOWTABLE_HOOKNUM, NF_NETDEV_INGRESS);
    nftnl_flowtable_set_s32(f.get(), NFTNL_FLOWTABLE_PRIO, ft.priority);
    if (ft.devices.empty()) return f;
    std::vector<const char*> names;
    for (const auto& d : ft.devices) names.push_back(d.c_str());
    names.push_back(nullptr);
    // libnftnl copies the strings.
    if (nftnl_flowtable_set_array(f.get(), NFTNL_FLOWTABLE_DEVICES, names.data()) < 0) throw std::bad_alloc();
    return f;
}

void set_comment(nftnl_rule* r, const std::string& comment) {
    NftUdataPtr u(nftnl_udata_buf_alloc(kUdataMax));
    if (!u) throw std::bad_alloc();
    nftnl_udata_put_strz(u.get(), NFTNL_UDATA_RULE_COMMENT, comment.c_str());
    nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(u.get()),
                        nftnl_udata_buf_len(u.get()));
}

std::expected<void, EncodeError> encode_rule(EncodeContext& ctx, const nft::Chain& chain,
                                             const nft::Rule& rule) {
    auto what = "add rule " + where(ctx.table, chain.name);
    NftRulePtr r(nftnl_rule_alloc());
    if (!r) throw std::bad_alloc();
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, ctx.table.name.c_str());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, nfproto_of(ctx.table.family));
    if (rule.comment.size() >= 128)  // nft's NFTNL_UDATA_COMMENT_MAXLEN
        return std::unexpected(EncodeError{what, "comment longer than 127 bytes", rule.origin});
    if (!rule.comment.empty()) set_comment(r.get(), rule.comment);
    if (auto ok = encode_rule_exprs(ctx, rule, r.get()); !ok)
        return std::unexpected(EncodeError{what, ok.error(), rule.origin});
    ctx.ops.push_back({OpKind::add_rule, nfproto_of(ctx.table.family), std::move(r), what, rule.origin});
    return {};
}

}  // namespace

std::uint16_t nfproto_of(nft::TableFamily family) {
    switch (family) {
    case nft::TableFamily::inet: return NFPROTO_INET;
    case nft::TableFamily::ip: return NFPROTO_IPV4;
    case nft::TableFamily::ip6: return NFPROTO_IPV6;
    case nft::TableFamily::bridge: return NFPROTO_BRIDGE;
    }
    return NFPROTO_INET;
}

std::string family_name(nft::TableFamily family) {
    switch (family) {
    case nft::TableFamily::inet: return "inet";
    case nft::TableFamily::ip: return "ip";
    case nft::TableFamily::ip6: return "ip6";
    case nft::TableFamily::bridge: return "bridge";
    }
    return "inet";
}

NftOp encode_table_shell(nft::TableFamily family, const std::string& name, OpKind kind) {
    NftTablePtr t(nftnl_table_alloc());
    if (!t) throw std::bad_alloc();
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, name.c_str());
    nftnl_table_set_u32(t.get(), NFTNL_TABLE_FAMILY, nfproto_of(family));
    if (kind == OpKind::add_table) nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
    auto verb = kind == OpKind::add_table ? "add table " : "delete table ";
    return {kind, nfproto_of(family), std::move(t), verb + family_name(family) + " " + name, {}};
}

std::expected<std::vector<NftOp>, EncodeError> encode_table(const nft::Table& table, SetIds& ids) {
    std::vector<NftOp> ops;
    ops.push_back(encode_table_shell(table.family, table.name, OpKind::add_table));
    for (const auto& chain : table.chains)
        ops.push_back({OpKind::add_chain, nfproto_of(table.family), encode_chain(table, chain),
                       "add chain " + where(table, chain.name), chain.origin});
    for (const auto& set : table.sets) {
        auto set_ops = encode_named_set(table, set, ids);
        if (!set_ops)
            return std::unexpected(EncodeError{"add set " + where(table, set.name), set_ops.error(),
                                               set.origin});
        for (auto& op : *set_ops) ops.push_back(std::move(op));
    }
    for (const auto& ft : table.flowtables)
        ops.push_back({OpKind::add_flowtable, nfproto_of(table.family), encode_flowtable(table, ft),
                       "add flowtable " + where(table, ft.name), ft.origin});
    EncodeContext ctx{table, ids, ops};
    for (const auto& chain : table.chains)
        for (const auto& rule : chain.rules)
            if (auto r = encode_rule(ctx, chain, rule); !r) return std::unexpected(r.error());
    return ops;
}

}  // namespace gw::kernel
