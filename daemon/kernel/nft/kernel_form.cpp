// as_kernel_holds(): a ruleset run through the encoder and back through the
// decoder without a kernel in between. What comes out is what observe()
// would return after applying it, so the daemon can compare like with like.
// The decoder borrows the encoded objects and gives them back as they were
// (sets it reads as copies), so the same operations can still be sent
// (NftNetlink::replace), each message mapping a kernel rejection to its line.
// Compared with a dump (kernel_form_against), a set the kernel holds byte
// for byte as encoded is decoded on neither side: at 10,000 forwards,
// decoding both copies of the same elements was most of a re-apply.
#include <linux/netfilter/nf_tables.h>

#include <map>
#include <new>
#include <set>
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

// ---- a kernel form compared with what a dump holds ---------------------------

// A named set of gatewayd's tables: its family (NFPROTO_*) and name.
using SetName = std::pair<std::uint32_t, std::string>;

SetName name_of(const nftnl_set* s) {
    return {nftnl_set_get_u32(s, NFTNL_SET_FAMILY), nftnl_set_get_str(s, NFTNL_SET_NAME)};
}

std::map<SetName, const nftnl_set*> named_sets(const NftDump& dump) {
    std::map<SetName, const nftnl_set*> out;
    for (const auto& s : dump.sets)
        if (!is_anonymous(s.get())) out.emplace(name_of(s.get()), s.get());
    return out;
}

// The model's sets by the same names, to fill in.
std::map<SetName, nft::Set*> model_sets(nft::Ruleset& rs) {
    std::map<SetName, nft::Set*> out;
    for (auto& t : rs.tables)
        for (auto& s : t.sets) out.emplace(SetName{nfproto_of(t.family), s.name}, &s);
    return out;
}

// The encoding's named sets whose elements the dump holds byte for byte.
std::set<SetName> sets_held_as_encoded(const NftDump& encoding, const NftDump& dumped) {
    std::set<SetName> out;
    auto theirs = named_sets(dumped);
    for (const auto& [name, mine] : named_sets(encoding)) {
        auto found = theirs.find(name);
        if (found == theirs.end()) continue;
        auto held = set_objects(dumped, found->second);
        if (held.dumped && same_elements(read_elems(set_objects(encoding, mine).holders), *held.dumped))
            out.insert(name);
    }
    return out;
}

// Elements of the sets decode_ruleset() left out, decoded after all.
void decode_left_out(const NftDump& dump, nft::Ruleset& rs, const std::set<SetName>& done) {
    auto sets = model_sets(rs);
    for (const auto& [name, objects] : named_sets(dump)) {
        if (!dump.elements_left_out.contains(objects) || done.contains(name)) continue;
        if (auto s = sets.find(name); s != sets.end())
            s->second->elements = decode_set(set_objects(dump, objects)).elements;
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

KernelFormAgainst kernel_form_against(nft::Ruleset compiled, std::vector<NftOp>& ops, nft::Ruleset& observed,
                                      const NftDump& dumped) {
    NftDump encoding;
    Renamed renamed;
    lend(ops, encoding, renamed);
    auto unchanged = sets_held_as_encoded(encoding, dumped);
    for (const auto& [name, mine] : named_sets(encoding))
        if (unchanged.contains(name)) encoding.elements_left_out.insert(mine);
    KernelFormAgainst out{decode_ruleset(encoding), {}};
    // Decoded on neither side: the kernel form takes the compiled elements
    // (they decode from the same bytes), the observed set stays without
    // them. Only where the definitions match too: with the elements still
    // left out on both sides, == compares just those.
    std::set<SetName> same;
    auto mine = model_sets(out.form), theirs = model_sets(observed), wanted = model_sets(compiled);
    for (const auto& name : unchanged) {
        auto m = mine.find(name), t = theirs.find(name), w = wanted.find(name);
        if (m == mine.end() || t == theirs.end() || w == wanted.end() || !(*m->second == *t->second)) continue;
        m->second->elements = std::move(w->second->elements);
        same.insert(name);
    }
    for (const auto& t : out.form.tables)
        for (const auto& s : t.sets)
            if (same.contains(SetName{nfproto_of(t.family), s.name}))
                out.same_elements.push_back({t.family, t.name, s.name});
    decode_left_out(encoding, out.form, same);
    decode_left_out(dumped, observed, same);
    give_back(encoding, renamed, ops);
    return out;
}

}  // namespace gw::kernel
