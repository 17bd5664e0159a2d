// as_kernel_holds(): a ruleset run through the encoder and back through the
// decoder without a kernel in between. What comes out is what observe()
// would return after applying it, so the daemon can compare like with like.
// The encoded operations keep what they are and where the config asked for
// them, so a transaction body serialised from them first still maps a
// kernel rejection to its line (NftNetlink::prepare).
#include <linux/netfilter/nf_tables.h>

#include <map>
#include <new>

#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/nft/decode.hpp"

namespace gw::kernel {

namespace {

std::string anonymous_name(std::uint32_t id) {
    return "__set" + std::to_string(id);
}

// The kernel names anonymous sets itself; here they get a name from their id.
void name_lookups(nftnl_rule* rule) {
    NftExprIterPtr it(nftnl_expr_iter_create(rule));
    if (!it) throw std::bad_alloc();
    for (auto* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get())) {
        if (std::string_view(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) != "lookup" ||
            !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET_ID))
            continue;
        auto name = anonymous_name(nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID));
        nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, name.c_str());
    }
}

// libnftnl 1.2.4 exports no element clone: copy what the encoder sets.
NftSetElemPtr copy_element(nftnl_set_elem* e) {
    NftSetElemPtr out(nftnl_set_elem_alloc());
    if (!out) throw std::bad_alloc();
    for (auto attr : {NFTNL_SET_ELEM_KEY, NFTNL_SET_ELEM_KEY_END, NFTNL_SET_ELEM_DATA, NFTNL_SET_ELEM_USERDATA}) {
        auto a = static_cast<std::uint16_t>(attr);
        if (!nftnl_set_elem_is_set(e, a)) continue;
        std::uint32_t len = 0;
        const void* p = nftnl_set_elem_get(e, a, &len);
        nftnl_set_elem_set(out.get(), a, p, len);
    }
    for (auto attr : {NFTNL_SET_ELEM_FLAGS, NFTNL_SET_ELEM_VERDICT}) {
        auto a = static_cast<std::uint16_t>(attr);
        if (nftnl_set_elem_is_set(e, a)) nftnl_set_elem_set_u32(out.get(), a, nftnl_set_elem_get_u32(e, a));
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN))
        nftnl_set_elem_set_str(out.get(), NFTNL_SET_ELEM_CHAIN, nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
    nftnl_set_elem_expr_foreach(e, [](nftnl_expr* x, void* data) {
        NftExprPtr counter(nftnl_expr_alloc("counter"));
        if (!counter) throw std::bad_alloc();
        nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_PACKETS, nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS));
        nftnl_expr_set_u64(counter.get(), NFTNL_EXPR_CTR_BYTES, nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES));
        nftnl_set_elem_add_expr(static_cast<nftnl_set_elem*>(data), counter.release());  // elem owns it
        return 0;
    }, out.get());
    return out;
}

void move_elements(nftnl_set* from, nftnl_set* to) {
    NftElemIterPtr it(nftnl_set_elems_iter_create(from));
    if (!it) throw std::bad_alloc();
    for (auto* e = nftnl_set_elems_iter_next(it.get()); e; e = nftnl_set_elems_iter_next(it.get()))
        nftnl_set_elem_add(to, copy_element(e).release());  // the set owns its elements
}

void absorb(std::vector<NftOp>& ops, NftDump& dump, std::map<std::uint32_t, nftnl_set*>& by_id) {
    for (auto& op : ops) {
        switch (op.kind) {
        case OpKind::add_table: dump.tables.push_back(std::move(std::get<NftTablePtr>(op.object))); break;
        case OpKind::add_chain: dump.chains.push_back(std::move(std::get<NftChainPtr>(op.object))); break;
        case OpKind::add_set: {
            auto& s = std::get<NftSetPtr>(op.object);
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
            if (it != by_id.end()) move_elements(carrier, it->second);
            break;
        }
        case OpKind::add_rule: {
            auto& r = std::get<NftRulePtr>(op.object);
            name_lookups(r.get());
            dump.rules.push_back(std::move(r));
            break;
        }
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
    std::map<std::uint32_t, nftnl_set*> by_id;
    absorb(ops, dump, by_id);
    return decode_ruleset(dump);
}

std::expected<nft::Ruleset, KernelError> as_kernel_holds(const nft::Ruleset& ruleset) {
    auto ops = encode_ruleset(ruleset);
    if (!ops) return std::unexpected(ops.error());
    return decode_encoded(*ops);
}

}  // namespace gw::kernel
