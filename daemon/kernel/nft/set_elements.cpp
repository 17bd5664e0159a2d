#include "daemon/kernel/nft/set_elements.hpp"

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstring>

#include "daemon/kernel/nft/attrs.hpp"
#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/udata.hpp"

namespace gw::kernel {

namespace {

// ---- the parts both readers share -------------------------------------------

// Element userdata read in place: the comment (the forward's name) and
// nft's interval-open flag.
void read_udata(const void* p, std::size_t len, RawElem& out) {
    std::string_view comment;
    std::uint32_t flags = 0;
    bool seen_comment = false, seen_flags = false;
    bool whole = for_each_tlv(p, len, [&](std::uint8_t type, const std::uint8_t* v, std::size_t vlen) {
        if (type == NFTNL_UDATA_SET_ELEM_COMMENT && !seen_comment) {
            seen_comment = true;  // the first one counts, as find_tlv reads it
            if (vlen > 0 && v[vlen - 1] == 0) comment = std::string_view(reinterpret_cast<const char*>(v), vlen - 1);
        } else if (type == NFTNL_UDATA_SET_ELEM_FLAGS && !seen_flags) {
            seen_flags = true;
            if (vlen == sizeof flags) std::memcpy(&flags, v, sizeof flags);  // nft writes host order
        }
    });
    if (!whole) return;
    out.comment = comment;
    out.open = flags & NFTNL_SET_ELEM_F_INTERVAL_OPEN;
}

void read_verdict_code(std::uint32_t code, std::string_view chain, RawElem& out) {
    out.verdict = decode_verdict(static_cast<int>(code));
    out.chain = chain;
}

// ---- from libnftnl elements (an encoding, or any nftnl_set) -----------------

ByteView elem_bytes(nftnl_set_elem* e, std::uint16_t attr) {
    if (!nftnl_set_elem_is_set(e, attr)) return {};
    std::uint32_t len = 0;
    const auto* p = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, attr, &len));
    return ByteView(p, len);
}

RawElem read_elem(nftnl_set_elem* e) {
    RawElem r;
    r.key = elem_bytes(e, NFTNL_SET_ELEM_KEY);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) r.key_end = elem_bytes(e, NFTNL_SET_ELEM_KEY_END);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
        r.end = nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END;
    r.data = elem_bytes(e, NFTNL_SET_ELEM_DATA);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_VERDICT))
        read_verdict_code(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT),
                          nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_CHAIN) ? nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN)
                                                                         : "",
                          r);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
        std::uint32_t len = 0;
        const void* p = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len);
        read_udata(p, len, r);
    }
    nftnl_set_elem_expr_foreach(e, [](nftnl_expr* x, void* data) {
        if (std::string_view(nftnl_expr_get_str(x, NFTNL_EXPR_NAME)) != "counter") return 0;
        auto* c = static_cast<nft::Counter*>(data);
        c->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
        c->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
        return 0;
    }, &r.counter);
    return r;
}

// ---- from a dump's netlink message --------------------------------------------

// NFTA_DATA_VALUE inside a key attribute.
std::optional<ByteView> data_value(ByteView nest) {
    std::optional<ByteView> out;
    bool whole = for_each_attr(nest, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_DATA_VALUE) out = v;
    });
    return whole ? out : std::nullopt;
}

// NFTA_DATA_VERDICT: the code and, for jump/goto, the chain.
bool read_verdict(ByteView nest, RawElem& out) {
    std::optional<std::uint32_t> code;
    std::string_view chain;
    bool whole = for_each_attr(nest, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_VERDICT_CODE) code = be32(v);
        if (type == NFTA_VERDICT_CHAIN) chain = nul_string(v).value_or("");
    });
    if (!whole || !code) return false;
    read_verdict_code(*code, chain, out);
    return true;
}

bool read_data(ByteView nest, RawElem& out) {
    bool verdict_ok = true;
    bool whole = for_each_attr(nest, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_DATA_VALUE) out.data = v;
        if (type == NFTA_DATA_VERDICT) verdict_ok = read_verdict(v, out);
    });
    return whole && verdict_ok;
}

// One expression (NFTA_EXPR_NAME, NFTA_EXPR_DATA): a counter's values.
void read_expr(ByteView nest, nft::Counter& counter) {
    bool is_counter = false;
    std::optional<ByteView> data;
    for_each_attr(nest, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_EXPR_NAME) is_counter = nul_string(v) == "counter";
        if (type == NFTA_EXPR_DATA) data = v;
    });
    if (!is_counter || !data) return;
    for_each_attr(*data, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_COUNTER_PACKETS) counter.packets = be64(v).value_or(0);
        if (type == NFTA_COUNTER_BYTES) counter.bytes = be64(v).value_or(0);
    });
}

// The kernel lists one expression as NFTA_SET_ELEM_EXPR, several as a list.
void read_exprs(ByteView list, nft::Counter& counter) {
    for_each_attr(list, [&](std::uint16_t type, ByteView v) {
        if (type == NFTA_LIST_ELEM) read_expr(v, counter);
    });
}

bool read_element(ByteView nest, RawElem& out) {
    bool ok = true;
    bool whole = for_each_attr(nest, [&](std::uint16_t type, ByteView v) {
        switch (type) {
        case NFTA_SET_ELEM_KEY:
            if (auto key = data_value(v)) out.key = *key;
            else ok = false;
            break;
        case NFTA_SET_ELEM_KEY_END:
            out.key_end = data_value(v);
            ok = ok && out.key_end.has_value();
            break;
        case NFTA_SET_ELEM_FLAGS:
            if (auto flags = be32(v)) out.end = *flags & NFT_SET_ELEM_INTERVAL_END;
            else ok = false;
            break;
        case NFTA_SET_ELEM_DATA: ok = ok && read_data(v, out); break;
        case NFTA_SET_ELEM_USERDATA: read_udata(v.data(), v.size(), out); break;
        case NFTA_SET_ELEM_EXPR: read_expr(v, out.counter); break;
        case NFTA_SET_ELEM_EXPRESSIONS: read_exprs(v, out.counter); break;
        default: break;  // timeouts, object references: never gatewayd's, and not decoded
        }
    });
    return whole && ok;
}

// ---- comparing ---------------------------------------------------------------

bool same_bytes(ByteView a, ByteView b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Everything decoding reads is equal.
bool same_elem(const RawElem& a, const RawElem& b) {
    bool same_end = a.key_end.has_value() == b.key_end.has_value() && (!a.key_end || same_bytes(*a.key_end, *b.key_end));
    return same_bytes(a.key, b.key) && a.end == b.end && same_end && a.open == b.open && same_bytes(a.data, b.data) &&
           a.verdict == b.verdict && a.chain == b.chain && a.comment == b.comment;
}

// MurmurHash3's 64-bit finalizer: every input bit reaches the low bits
// the index masks with (a port differs only in two bytes of a word).
std::uint64_t fmix64(std::uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

// An element's key and end flag (which tell a set's elements apart), a
// word at a time: keys are 1 to 64 bytes.
std::uint64_t key_hash(const RawElem& e) {
    std::uint64_t h = e.end;
    for (std::size_t i = 0; i < e.key.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, e.key.data() + i, std::min<std::size_t>(8, e.key.size() - i));
        h = fmix64(h ^ w);
    }
    return h;
}

bool same_key(const RawElem& a, const RawElem& b) {
    return a.end == b.end && same_bytes(a.key, b.key);
}

// Open addressing over positions in `elems` (+1; 0 is a free slot), two
// slots per element: no allocation per element, as std::unordered_map had.
class KeyIndex {
public:
    explicit KeyIndex(const std::vector<RawElem>& elems) : elems_(elems) {
        std::size_t size = 16;
        while (size < 2 * elems.size()) size *= 2;
        slots_.assign(size, 0);
        taken_.assign(elems.size(), false);
    }

    // False when an element with the same key is already in.
    bool insert(std::uint32_t pos) {
        for (auto i = key_hash(elems_[pos]) & mask();; i = (i + 1) & mask()) {
            if (slots_[i] == 0) {
                slots_[i] = pos + 1;
                return true;
            }
            if (same_key(elems_[slots_[i] - 1], elems_[pos])) return false;
        }
    }

    // The element with e's key, taken out of the index; null when none is.
    const RawElem* take(const RawElem& e) {
        for (auto i = key_hash(e) & mask();; i = (i + 1) & mask()) {
            if (slots_[i] == 0) return nullptr;
            auto pos = slots_[i] - 1;
            if (!same_key(elems_[pos], e)) continue;
            if (taken_[pos]) return nullptr;  // keys are unique in the index: e is a second one
            taken_[pos] = true;
            return &elems_[pos];
        }
    }

private:
    std::size_t mask() const { return slots_.size() - 1; }
    const std::vector<RawElem>& elems_;
    std::vector<std::uint32_t> slots_;
    std::vector<bool> taken_;
};

}  // namespace

std::vector<RawElem> read_elems(const std::vector<const nftnl_set*>& holders) {
    std::vector<RawElem> out;
    for (const auto* holder : holders) {
        NftElemIterPtr it(nftnl_set_elems_iter_create(holder));
        if (!it) continue;
        for (auto* e = nftnl_set_elems_iter_next(it.get()); e; e = nftnl_set_elems_iter_next(it.get()))
            out.push_back(read_elem(e));
    }
    return out;
}

bool read_elements_message(const nlmsghdr* nlh, DumpedElements& out) {
    if (nlh->nlmsg_len < NLMSG_SPACE(sizeof(nfgenmsg))) return false;
    // The socket reuses its receive buffer: the views need a copy that stays.
    auto copy = std::make_unique<std::uint8_t[]>(nlh->nlmsg_len);
    std::memcpy(copy.get(), nlh, nlh->nlmsg_len);
    auto attrs = message_attrs(reinterpret_cast<const nlmsghdr*>(copy.get()), sizeof(nfgenmsg));
    bool ok = true;
    bool whole = for_each_attr(attrs, [&](std::uint16_t type, ByteView list) {
        if (type != NFTA_SET_ELEM_LIST_ELEMENTS) return;
        // Every nested attribute is one element, whatever its type, as the
        // kernel reads a request: a dump's are NFTA_LIST_ELEM, libnftnl
        // numbers those it sends (tests read encodings as dumps).
        ok = ok && for_each_attr(list, [&](std::uint16_t, ByteView elem) {
            if (!ok) return;
            RawElem r;
            ok = read_element(elem, r);
            out.elements.push_back(std::move(r));
        });
    });
    out.messages.push_back(std::move(copy));
    return whole && ok;
}

// No two elements of a set have the same key and end flag (the kernel
// refuses them), so each of b's is looked up among a's by those, and a
// match is used once. Sorting a dump's hash order cost more.
bool same_elements(const std::vector<RawElem>& a, const std::vector<RawElem>& b) {
    if (a.size() != b.size()) return false;
    KeyIndex index(a);
    for (std::uint32_t i = 0; i < a.size(); ++i)
        if (!index.insert(i)) return false;  // not what a set holds: decode it instead
    for (const auto& e : b) {
        const auto* match = index.take(e);
        if (!match || !same_elem(*match, e)) return false;
    }
    return true;
}

}  // namespace gw::kernel
