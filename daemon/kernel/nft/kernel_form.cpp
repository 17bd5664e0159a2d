// as_kernel_holds(): a ruleset run through the encoder and back through the
// decoder without a kernel in between. What comes out is what observe()
// would return after applying it, so the daemon can compare like with like.
// The decoder borrows the encoded objects and gives them back as they were
// (sets it reads as copies), so the same operations can still be sent
// (NftNetlink::replace), each message mapping a kernel rejection to its line.
#include <linux/netfilter/nf_tables.h>

#include <map>
#include <new>
#include <utility>

#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/decode.hpp"

namespace gw::kernel {

namespace {

std::string anonymous_name(std::uint32_t id) {
    return "__set" + std::to_string(id);
}

// Lookups of anonymous sets, with the set name they were encoded with: the
// message carries "__set%d" for the kernel to number, a dump the number.
using Renamed = std::vector<std::pair<nftnl_expr*, std::string>>;

// The kernel names anonymous sets itself; here they get a name from their id.
void name_lookups(nftnl_rule* rule, Renamed& renamed) {
    NftExprIterPtr it(nftnl_expr_iter_create(rule));
    if (!it) throw std::bad_alloc();
    for (auto* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get())) {
        if (std::string_view(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) != "lookup" ||
            !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET_ID))
            continue;
        renamed.emplace_back(e, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET));
        auto name = anonymous_name(nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID));
        nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, name.c_str());
    }
}

NftExprPtr copy_counter(nftnl_expr* x) {
    NftExprPtr counter(nftnl_expr_alloc("counter"));
    if (!counter) throw std::bad_alloc();
    nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_PACKETS, nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS));
    nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_BYTES, nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES));
    return counter;
}

// libnftnl 1.2.4 exports no set clone: copy the set's attributes (the encoder's only set
// expression is a counter) for the decoder to read; its elements stay in
// their add-elements carriers (NftDump::elements_held_by).
NftSetPtr copy_set(const nftnl_set* s) {
    NftSetPtr out(nftnl_set_alloc());
    if (!out) throw std::bad_alloc();
    for (auto attr : {NFTNL_SET_TABLE, NFTNL_SET_NAME, NFTNL_SET_FAMILY, NFTNL_SET_FLAGS, NFTNL_SET_KEY_TYPE,
                      NFTNL_SET_KEY_LEN, NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN, NFTNL_SET_ID, NFTNL_SET_POLICY,
                      NFTNL_SET_DESC_SIZE, NFTNL_SET_DESC_CONCAT, NFTNL_SET_USERDATA}) {
        auto a = static_cast<std::uint16_t>(attr);
        if (!nftnl_set_is_set(s, a)) continue;
        std::uint32_t len = 0;
        const void* p = nftnl_set_get_data(s, a, &len);
        nftnl_set_set_data(out.get(), a, p, len);
    }
    nftnl_set_expr_foreach(s, [](nftnl_expr* x, void* data) {
        nftnl_set_add_expr(static_cast<nftnl_set*>(data), copy_counter(x).release());  // set owns it
        return 0;
    }, out.get());
    return out;
}

// Lends the operations' objects to `dump` as a dump would list them:
// anonymous sets named, each set's elements read where its add-elements
// operations carry them. Set definitions go in as copies (renamed, and
// the definitions sent stay as they are); tables, chains, flowtables and
// rules themselves.
void lend(std::vector<NftOp>& ops, NftDump& dump, Renamed& renamed) {
    std::map<std::uint32_t, nftnl_set*> by_id;
    for (auto& op : ops) {
        switch (op.kind) {
        case OpKind::add_table: dump.tables.push_back(std::move(std::get<NftTablePtr>(op.object))); break;
        case OpKind::add_chain: dump.chains.push_back(std::move(std::get<NftChainPtr>(op.object))); break;
        case OpKind::add_flowtable:
            dump.flowtables.push_back(std::move(std::get<NftFlowtablePtr>(op.object)));
            break;
        case OpKind::add_set: {
            auto s = copy_set(std::get<NftSetPtr>(op.object).get());
            auto id = nftnl_set_get_u32(s.get(), NFTNL_SET_ID);
            if (nftnl_set_get_u32(s.get(), NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)
                nftnl_set_set_str(s.get(), NFTNL_SET_NAME, anonymous_name(id).c_str());
            by_id[id] = s.get();
            dump.sets.push_back(std::move(s));
            break;
        }
        case OpKind::add_elements: {
            auto* carrier = std::get<NftSetPtr>(op.object).get();
            auto it = by_id.find(nftnl_set_get_u32(carrier, NFTNL_SET_ID));
            if (it != by_id.end()) dump.elements_held_by[it->second].push_back(carrier);
            break;
        }
        case OpKind::add_rule: {
            auto& r = std::get<NftRulePtr>(op.object);
            name_lookups(r.get(), renamed);
            dump.rules.push_back(std::move(r));
            break;
        }
        case OpKind::delete_table:
        case OpKind::flush_elements: break;
        }
    }
}

// Takes back what lend() took, in the same order, lookups named as encoded.
void give_back(NftDump& dump, const Renamed& renamed, std::vector<NftOp>& ops) {
    for (const auto& [lookup, name] : renamed) nftnl_expr_set_str(lookup, NFTNL_EXPR_LOOKUP_SET, name.c_str());
    std::size_t tables = 0, chains = 0, rules = 0, flowtables = 0;
    for (auto& op : ops) {
        switch (op.kind) {
        case OpKind::add_table: op.object = std::move(dump.tables[tables++]); break;
        case OpKind::add_chain: op.object = std::move(dump.chains[chains++]); break;
        case OpKind::add_rule: op.object = std::move(dump.rules[rules++]); break;
        case OpKind::add_flowtable: op.object = std::move(dump.flowtables[flowtables++]); break;
        case OpKind::add_set:
        case OpKind::add_elements:
        case OpKind::delete_table:
        case OpKind::flush_elements: break;
        }
    }
}

}  // namespace

std::expected<std::vector<NftOp>, KernelError> encode_ruleset(const nft::Ruleset& ruleset) {
    SetIds ids;
    std::vector<NftOp> all;
    for (const auto& table : ruleset.tables) {
        auto ops = encode_table(table, ids);
        if (!ops) return std::unexpected(encode_error(ops.error().what, ops.error().message, ops.error().origin));
        for (auto& op : *ops) all.push_back(std::move(op));
    }
    return all;
}

nft::Ruleset decode_encoded(std::vector<NftOp>& ops) {
    NftDump dump;
    Renamed renamed;
    lend(ops, dump, renamed);
    auto decoded = decode_ruleset(dump);
    give_back(dump, renamed, ops);
    return decoded;
}

std::expected<nft::Ruleset, KernelError> as_kernel_holds(const nft::Ruleset& ruleset) {
    auto ops = encode_ruleset(ruleset);
    if (!ops) return std::unexpected(ops.error());
    return decode_encoded(*ops);
}

}  // namespace gw::kernel
