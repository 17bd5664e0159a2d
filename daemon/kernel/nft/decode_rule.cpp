// A rule's expressions back into statements. Loads are collected until the
// expression that consumes them (cmp, range, lookup, a set statement) turns
// them into one statement; a payload load is named by its offset and, where
// offsets are shared (icmp type vs icmpv6 type), by the transport protocol
// the rule matched before. Anything off the known shapes becomes Opaque with
// libnftnl's text of the expressions involved. Dependencies nft spells as
// `meta protocol` (bridge) are dropped when plan_rule() would re-create
// them exactly; the others are ordinary matches and stay.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>

#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/deps.hpp"
#include "daemon/kernel/nft/key_codec.hpp"
#include "daemon/kernel/nft/meta_ids.hpp"
#include "daemon/kernel/nft/udata.hpp"
#include "rules/nft/keys.hpp"

namespace gw::kernel {

namespace {

using nft::Key;

struct Load {
    enum class What { key, meta_protocol, tcpmss, unknown } what = What::key;
    Key key = Key::meta_mark;
    std::uint32_t reg = 0;
    std::uint32_t len = 0;
    bool hton = false;
    std::optional<Bytes> mask;
    std::uint32_t modulus = 0;  // numgen
};

struct MapResult {  // a map lookup whose data a nat statement reads
    std::vector<Key> keys;
    std::string set;
    std::uint32_t modulus = 0;  // keyed by numgen
};

Bytes expr_bytes(const nftnl_expr* e, std::uint16_t attr) {
    if (!nftnl_expr_is_set(e, attr)) return {};
    std::uint32_t len = 0;
    const auto* p = static_cast<const std::uint8_t*>(nftnl_expr_get(e, attr, &len));
    return Bytes(p, p + len);
}

std::uint32_t u32(const nftnl_expr* e, std::uint16_t attr) {
    return nftnl_expr_get_u32(e, attr);
}

std::string expr_name(const nftnl_expr* e) {
    return nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
}

std::string describe(const nftnl_expr* e) {
    char buf[512] = {};
    nftnl_expr_snprintf(buf, sizeof buf, e, NFTNL_OUTPUT_DEFAULT, 0);
    return "[ " + expr_name(e) + " " + buf + "]";
}

// 32-bit register index of a register number (NFT_REG_1.. or NFT_REG32_..).
std::uint32_t reg32(std::uint32_t reg) {
    return reg < NFT_REG32_00 ? (reg - NFT_REG_1) * 4 : reg - NFT_REG32_00;
}


// Mask bytes of a CIDR prefix -> its length; nullopt if not contiguous.
std::optional<int> prefix_length(const Bytes& mask) {
    int len = 0;
    bool ended = false;
    for (auto b : mask) {
        for (int bit = 7; bit >= 0; --bit) {
            bool set = (b >> bit) & 1;
            if (set && ended) return std::nullopt;
            if (set) ++len;
            else ended = true;
        }
    }
    return len;
}

net::Prefix prefix_of(Key key, const Bytes& addr, int len) {
    net::Address a;
    a.family = address_family(key);
    std::copy(addr.begin(), addr.end(), a.bytes.begin());
    return {a, len};
}

class RuleDecoder {
public:
    RuleDecoder(nft::TableFamily family, const SetsByName& sets) : family_(family), sets_(sets) {}

    std::vector<nft::Stmt> run(const std::vector<const nftnl_expr*>& exprs) {
        exprs_ = &exprs;
        for (i_ = 0; i_ < exprs.size(); ++i_) {
            if (!step(exprs[i_])) fail();
        }
        if (!loads_.empty() || !imms_.empty() || map_) {
            i_ = exprs.size() - 1;
            fail();
        }
        return finish();
    }

private:
    bool step(const nftnl_expr* e) {
        auto name = expr_name(e);
        if (name == "meta") return meta(e);
        if (name == "payload") return payload(e);
        if (name == "ct") return ct(e);
        if (name == "fib") return fib(e);
        if (name == "numgen") return numgen(e);
        if (name == "rt") return rt(e);
        if (name == "byteorder") return byteorder(e);
        if (name == "bitwise") return bitwise(e);
        if (name == "cmp") return cmp(e);
        if (name == "range") return range(e);
        if (name == "lookup") return lookup(e);
        if (name == "immediate") return immediate(e);
        if (name == "nat") return nat(e);
        if (name == "masq") return masq(e);
        if (name == "exthdr") return exthdr(e);
        return simple(e);
    }

    // ---- bookkeeping -----------------------------------------------------

    void emit(Item item) {
        if (const auto* s = std::get_if<nft::Stmt>(&item)) learn(*s);
        items_.push_back(std::move(item));
        start_ = i_ + 1;
        loads_.clear();
        imms_.clear();
        map_.reset();
    }

    void fail() {
        std::string text;
        for (std::size_t j = start_; j <= i_ && j < exprs_->size(); ++j) {
            if (!text.empty()) text += " ";
            text += describe((*exprs_)[j]);
        }
        items_.emplace_back(nft::Stmt{nft::Opaque{text}});
        start_ = i_ + 1;
        loads_.clear();
        imms_.clear();
        map_.reset();
    }

    void learn(const nft::Stmt& s) {
        const auto* c = std::get_if<nft::Cmp>(&s);
        if (c && !c->negate && c->key == Key::meta_l4proto)
            if (const auto* v = std::get_if<std::uint64_t>(&c->value)) l4proto_ = *v;
        if (c && c->key == Key::icmp_type) l4proto_ = nft::kProtoIcmp;
        if (c && c->key == Key::icmpv6_type) l4proto_ = nft::kProtoIcmpv6;
    }

    Load* last_load(std::uint32_t reg) {
        if (loads_.empty() || loads_.back().reg != reg) return nullptr;
        return &loads_.back();
    }

    bool push_load(Load l) {
        if (map_ || !imms_.empty()) return false;
        loads_.push_back(l);
        return true;
    }

    // A load of something the model has no key for: kept so that the
    // expression consuming it fails too and both become one Opaque.
    bool unknown_load(std::uint32_t reg) {
        Load l;
        l.what = Load::What::unknown;
        l.reg = reg;
        return push_load(l);
    }

    // ---- loads -------------------------------------------------------------

    bool meta(const nftnl_expr* e) {
        if (nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG)) return meta_set(e);
        auto key = u32(e, NFTNL_EXPR_META_KEY);
        Load l;
        l.reg = u32(e, NFTNL_EXPR_META_DREG);
        if (key == NFT_META_PROTOCOL) {
            l.what = Load::What::meta_protocol;
            l.len = 2;
            return push_load(l);
        }
        auto k = key_for_meta(key);
        if (!k) return unknown_load(l.reg);
        l.key = *k;
        l.len = key_length(*k);
        return push_load(l);
    }

    bool payload(const nftnl_expr* e) {
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_PAYLOAD_DREG)) return false;
        auto k = key_for_payload(u32(e, NFTNL_EXPR_PAYLOAD_BASE), u32(e, NFTNL_EXPR_PAYLOAD_OFFSET), l4proto_);
        auto len = u32(e, NFTNL_EXPR_PAYLOAD_LEN);
        auto dreg = u32(e, NFTNL_EXPR_PAYLOAD_DREG);
        // Addresses may load only their prefix bytes; everything else whole.
        if (!k || (len != key_length(*k) && !(is_address(*k) && len > 0 && len < key_length(*k))))
            return unknown_load(dreg);
        return push_load({Load::What::key, *k, u32(e, NFTNL_EXPR_PAYLOAD_DREG), len, false, {}});
    }

    bool ct(const nftnl_expr* e) {
        if (nftnl_expr_is_set(e, NFTNL_EXPR_CT_SREG)) return ct_set(e);
        auto k = key_for_ct(u32(e, NFTNL_EXPR_CT_KEY));
        if (!k || nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR)) return unknown_load(u32(e, NFTNL_EXPR_CT_DREG));
        return push_load({Load::What::key, *k, u32(e, NFTNL_EXPR_CT_DREG), key_length(*k), false, {}});
    }

    bool fib(const nftnl_expr* e) {
        const auto& enc = key_encoding(Key::fib_daddr_type);
        if (u32(e, NFTNL_EXPR_FIB_RESULT) != enc.typeof_data[0] || u32(e, NFTNL_EXPR_FIB_FLAGS) != enc.typeof_data[1])
            return unknown_load(u32(e, NFTNL_EXPR_FIB_DREG));
        return push_load({Load::What::key, Key::fib_daddr_type, u32(e, NFTNL_EXPR_FIB_DREG), 4, false, {}});
    }

    bool numgen(const nftnl_expr* e) {
        auto dreg = u32(e, NFTNL_EXPR_NG_DREG);
        if (u32(e, NFTNL_EXPR_NG_TYPE) != NFT_NG_INCREMENTAL ||
            (nftnl_expr_is_set(e, NFTNL_EXPR_NG_OFFSET) && u32(e, NFTNL_EXPR_NG_OFFSET) != 0))
            return unknown_load(dreg);
        Load l{Load::What::key, Key::numgen_inc, dreg, 4, false, {}};
        l.modulus = u32(e, NFTNL_EXPR_NG_MODULUS);
        return push_load(l);
    }

    bool rt(const nftnl_expr* e) {
        if (u32(e, NFTNL_EXPR_RT_KEY) != NFT_RT_TCPMSS) return unknown_load(u32(e, NFTNL_EXPR_RT_DREG));
        return push_load({Load::What::tcpmss, Key::meta_mark, u32(e, NFTNL_EXPR_RT_DREG), 2, false, {}});
    }

    bool byteorder(const nftnl_expr* e) {
        auto* l = last_load(u32(e, NFTNL_EXPR_BYTEORDER_SREG));
        if (!l || l->hton || u32(e, NFTNL_EXPR_BYTEORDER_DREG) != l->reg ||
            u32(e, NFTNL_EXPR_BYTEORDER_OP) != NFT_BYTEORDER_HTON || u32(e, NFTNL_EXPR_BYTEORDER_LEN) != l->len)
            return false;
        l->hton = true;
        return true;
    }

    bool bitwise(const nftnl_expr* e) {
        auto* l = last_load(u32(e, NFTNL_EXPR_BITWISE_SREG));
        if (!l || l->mask || u32(e, NFTNL_EXPR_BITWISE_DREG) != l->reg) return false;
        if (nftnl_expr_is_set(e, NFTNL_EXPR_BITWISE_OP) && u32(e, NFTNL_EXPR_BITWISE_OP) != NFT_BITWISE_BOOL)
            return false;
        auto xr = expr_bytes(e, NFTNL_EXPR_BITWISE_XOR);
        if (!is_zero(xr)) return false;
        l->mask = expr_bytes(e, NFTNL_EXPR_BITWISE_MASK);
        return l->mask->size() == l->len;
    }

    // ---- matches -----------------------------------------------------------

    bool cmp(const nftnl_expr* e) {
        auto* l = last_load(u32(e, NFTNL_EXPR_CMP_SREG));
        if (!l || loads_.size() != 1) return false;
        auto op = u32(e, NFTNL_EXPR_CMP_OP);
        auto data = expr_bytes(e, NFTNL_EXPR_CMP_DATA);
        if (op == NFT_CMP_GTE) return cmp_range(*l, data);
        if (op != NFT_CMP_EQ && op != NFT_CMP_NEQ) return false;
        bool neq = op == NFT_CMP_NEQ;
        if (l->what == Load::What::meta_protocol) {
            if (neq || data.size() != 2) return false;
            emit(Dep{DepKind::meta_protocol, static_cast<std::uint32_t>(data[0] << 8 | data[1])});
            return true;
        }
        if (l->what != Load::What::key) return false;
        if (l->mask) return masked(*l, data, neq);
        if (is_address(l->key) && l->len < key_length(l->key)) {
            data.resize(key_length(l->key), 0);
            emit(nft::Stmt{nft::Cmp{l->key, prefix_of(l->key, data, static_cast<int>(l->len * 8)), neq}});
            return true;
        }
        auto v = decode_value(l->key, data, l->hton);
        if (!v) return false;
        emit(nft::Stmt{nft::Cmp{l->key, *v, neq}});
        return true;
    }

    bool masked(const Load& l, const Bytes& data, bool neq) {
        if (is_address(l.key)) {
            auto len = prefix_length(*l.mask);
            if (!len && !neq && data.size() == l.len) {
                emit(nft::Stmt{nft::MaskedCmp{l.key, prefix_of(l.key, *l.mask, 0).address,
                                              prefix_of(l.key, data, 0).address}});
                return true;
            }
            if (!len || data.size() != l.len) return false;
            emit(nft::Stmt{nft::Cmp{l.key, prefix_of(l.key, data, *len), neq}});
            return true;
        }
        if (!neq || !is_zero(data) || is_ifname(l.key)) return false;
        auto bits = decode_value(l.key, *l.mask, false);
        if (!bits) return false;
        emit(nft::Stmt{nft::AnyBits{l.key, std::get<std::uint64_t>(*bits)}});
        return true;
    }

    // `cmp gte a` followed by `cmp lte b` on the same register: a range.
    bool cmp_range(const Load& l, const Bytes& from) {
        if (i_ + 1 >= exprs_->size() || l.what != Load::What::key || l.mask) return false;
        const auto* next = (*exprs_)[i_ + 1];
        if (expr_name(next) != "cmp" || u32(next, NFTNL_EXPR_CMP_OP) != NFT_CMP_LTE ||
            u32(next, NFTNL_EXPR_CMP_SREG) != l.reg)
            return false;
        ++i_;
        return emit_range(l, from, expr_bytes(next, NFTNL_EXPR_CMP_DATA), false);
    }

    bool range(const nftnl_expr* e) {
        auto* l = last_load(u32(e, NFTNL_EXPR_RANGE_SREG));
        if (!l || loads_.size() != 1 || l->what != Load::What::key || l->mask) return false;
        bool neq = u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ;
        return emit_range(*l, expr_bytes(e, NFTNL_EXPR_RANGE_FROM_DATA), expr_bytes(e, NFTNL_EXPR_RANGE_TO_DATA), neq);
    }

    bool emit_range(const Load& l, const Bytes& from, const Bytes& to, bool neq) {
        if (is_address(l.key) || is_ifname(l.key) || l.hton != needs_hton(l.key)) return false;
        auto a = decode_value(l.key, from, l.hton);
        auto b = decode_value(l.key, to, l.hton);
        if (!a || !b) return false;
        nft::IntRange r{std::get<std::uint64_t>(*a), std::get<std::uint64_t>(*b)};
        emit(nft::Stmt{nft::Cmp{l.key, r, neq}});
        return true;
    }

    // The loads, in register order from reg 1, that form a lookup key.
    std::optional<std::vector<Key>> lookup_keys(std::uint32_t sreg) {
        std::vector<Key> keys;
        std::uint32_t expect = reg32(sreg);
        for (const auto& l : loads_) {
            if (l.what != Load::What::key || l.mask || reg32(l.reg) != expect) return std::nullopt;
            if (l.len != key_length(l.key)) return std::nullopt;
            keys.push_back(l.key);
            expect += key_padded_length(l.key) / 4;
        }
        if (keys.empty()) return std::nullopt;
        return keys;
    }

    bool lookup(const nftnl_expr* e) {
        auto keys = lookup_keys(u32(e, NFTNL_EXPR_LOOKUP_SREG));
        if (!keys || map_) return false;
        std::string set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
        bool negate = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) &&
                      (u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV);
        bool has_dreg = nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG);
        if (has_dreg && u32(e, NFTNL_EXPR_LOOKUP_DREG) != NFT_REG_VERDICT) {
            if (negate || u32(e, NFTNL_EXPR_LOOKUP_DREG) != NFT_REG_1) return false;
            map_ = MapResult{*keys, set, loads_.front().modulus};
            loads_.clear();
            return true;
        }
        nft::Lookup l{*keys, set, {}, negate};
        auto it = sets_.find(set);
        if (it != sets_.end() && is_anonymous(it->second.set)) {
            l.set.clear();
            l.inline_set = decode_elements(it->second, *keys, {}, has_dreg);
        }
        emit(nft::Stmt{std::move(l)});
        return true;
    }

    // ---- statements --------------------------------------------------------

    bool immediate(const nftnl_expr* e) {
        auto dreg = u32(e, NFTNL_EXPR_IMM_DREG);
        if (dreg != NFT_REG_VERDICT) {
            if (!loads_.empty() || map_) return false;
            imms_[dreg] = expr_bytes(e, NFTNL_EXPR_IMM_DATA);
            return true;
        }
        if (!loads_.empty() || !imms_.empty() || map_) return false;
        auto kind = decode_verdict(static_cast<int>(u32(e, NFTNL_EXPR_IMM_VERDICT)));
        if (!kind) return false;
        nft::Verdict v{*kind, {}};
        if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN)) v.chain = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
        emit(nft::Stmt{v});
        return true;
    }

    bool nat(const nftnl_expr* e) {
        // The kernel reports single addresses/ports as min == max and adds the
        // MAP_IPS / PROTO_SPECIFIED flags itself.
        if (!loads_.empty() || !same_reg(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFTNL_EXPR_NAT_REG_ADDR_MAX) ||
            !same_reg(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFTNL_EXPR_NAT_REG_PROTO_MAX))
            return false;
        auto flags = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_FLAGS) ? u32(e, NFTNL_EXPR_NAT_FLAGS) : 0;
        if (flags & ~static_cast<std::uint32_t>(NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED)) return false;
        nft::Nat n;
        n.kind = u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT ? nft::NatKind::dnat : nft::NatKind::snat;
        auto fam = u32(e, NFTNL_EXPR_NAT_FAMILY);
        if (fam != NFPROTO_IPV4 && fam != NFPROTO_IPV6) return false;
        n.family = fam == NFPROTO_IPV4 ? net::Family::ipv4 : net::Family::ipv6;
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) || u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN) != NFT_REG_1)
            return false;
        bool port = nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN);
        auto preg = port ? u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN) : 0;
        if (map_) {
            n.map_keys = map_->keys;
            n.map_name = map_->set;
            n.map_has_port = port;
            n.modulus = map_->modulus;
            if (port && reg32(preg) != (n.family == net::Family::ipv4 ? 1u : 4u)) return false;
        } else if (!nat_immediates(n, port, preg)) {
            return false;
        }
        emit(nft::Stmt{n});
        return true;
    }

    static bool same_reg(const nftnl_expr* e, std::uint16_t min, std::uint16_t max) {
        return !nftnl_expr_is_set(e, max) || (nftnl_expr_is_set(e, min) && u32(e, min) == u32(e, max));
    }

    bool nat_immediates(nft::Nat& n, bool port, std::uint32_t preg) {
        auto a = imms_.find(NFT_REG_1);
        std::size_t size = n.family == net::Family::ipv4 ? 4 : 16;
        if (a == imms_.end() || a->second.size() != size) return false;
        net::Address addr;
        addr.family = n.family;
        std::copy(a->second.begin(), a->second.end(), addr.bytes.begin());
        n.address = addr;
        if (!port) return imms_.size() == 1;
        auto p = imms_.find(preg);
        if (p == imms_.end() || p->second.size() != 2 || imms_.size() != 2) return false;
        n.port = static_cast<std::uint16_t>(p->second[0] << 8 | p->second[1]);
        return true;
    }

    // Plain, or "masquerade to :KEYS map @M" (the port from a map into reg 1).
    bool masq(const nftnl_expr* e) {
        if (!loads_.empty() || !imms_.empty()) return false;
        auto flags = nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_FLAGS) ? u32(e, NFTNL_EXPR_MASQ_FLAGS) : 0;
        nft::Nat n;
        if (map_) {
            if (flags & ~static_cast<std::uint32_t>(NF_NAT_RANGE_PROTO_SPECIFIED)) return false;
            if (!nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN) || reg32(u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN)) != 0 ||
                !same_reg(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN, NFTNL_EXPR_MASQ_REG_PROTO_MAX))
                return false;
            n.map_keys = map_->keys;
            n.map_name = map_->set;
            n.map_has_port = true;
            n.modulus = map_->modulus;
        } else if (flags != 0 || nftnl_expr_is_set(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN)) {
            return false;
        }
        emit(nft::Stmt{n});
        return true;
    }

    // Source of a set statement: a constant in the register, or a loaded key.
    bool set_source(std::uint32_t sreg, nft::SetMeta& s, std::size_t value_len) {
        if (auto it = imms_.find(sreg); it != imms_.end() && loads_.empty() && imms_.size() == 1) {
            if (it->second.size() != value_len) return false;
            std::uint32_t v = 0;
            std::memcpy(&v, it->second.data(), value_len);  // host order, as nft writes it
            s.value = v;
            return true;
        }
        if (loads_.size() != 1 || !imms_.empty() || loads_.front().reg != sreg) return false;
        const auto& l = loads_.front();
        if (l.what != Load::What::key || l.mask || l.hton || l.len != key_length(l.key)) return false;
        s.from = l.key;
        return true;
    }

    bool meta_set(const nftnl_expr* e) {
        auto key = u32(e, NFTNL_EXPR_META_KEY);
        nft::SetMeta s;
        if (key == NFT_META_MARK) s.target = nft::SetTarget::meta_mark;
        else if (key == kNftMetaBriBroute) s.target = nft::SetTarget::meta_broute;
        else return false;
        auto len = s.target == nft::SetTarget::meta_broute ? 1u : 4u;
        if (!set_source(u32(e, NFTNL_EXPR_META_SREG), s, len) || map_) return false;
        emit(nft::Stmt{s});
        return true;
    }

    bool ct_set(const nftnl_expr* e) {
        if (u32(e, NFTNL_EXPR_CT_KEY) != NFT_CT_MARK || nftnl_expr_is_set(e, NFTNL_EXPR_CT_DIR)) return false;
        nft::SetMeta s;
        s.target = nft::SetTarget::ct_mark;
        if (!set_source(u32(e, NFTNL_EXPR_CT_SREG), s, 4) || map_) return false;
        emit(nft::Stmt{s});
        return true;
    }

    bool exthdr(const nftnl_expr* e) {
        if (loads_.size() != 1 || loads_.front().what != Load::What::tcpmss || !loads_.front().hton) return false;
        if (!nftnl_expr_is_set(e, NFTNL_EXPR_EXTHDR_SREG) || u32(e, NFTNL_EXPR_EXTHDR_SREG) != loads_.front().reg ||
            u32(e, NFTNL_EXPR_EXTHDR_OP) != NFT_EXTHDR_OP_TCPOPT ||
            nftnl_expr_get_u8(e, NFTNL_EXPR_EXTHDR_TYPE) != kTcpOptMaxseg ||
            u32(e, NFTNL_EXPR_EXTHDR_OFFSET) != 2 || u32(e, NFTNL_EXPR_EXTHDR_LEN) != 2)
            return false;
        emit(nft::Stmt{nft::MssClamp{}});
        return true;
    }

    // Statements that use no registers.
    bool simple(const nftnl_expr* e) {
        if (!loads_.empty() || !imms_.empty() || map_) return false;
        auto s = decode_plain_stmt(e);
        if (!s) return false;
        emit(std::move(*s));
        return true;
    }

    // Drops `meta protocol` dependencies when planning the remaining
    // statements inserts exactly them again; otherwise they stay visible.
    std::vector<nft::Stmt> finish() {
        std::vector<nft::Stmt> plain;
        bool has_dep = false;
        for (const auto& item : items_) {
            if (const auto* s = std::get_if<nft::Stmt>(&item)) plain.push_back(*s);
            else has_dep = true;
        }
        if (!has_dep) return plain;
        if (auto planned = plan_rule(family_, plain); planned && *planned == items_) return plain;
        std::vector<nft::Stmt> out;
        for (const auto& item : items_) {
            if (const auto* s = std::get_if<nft::Stmt>(&item)) out.push_back(*s);
            else out.push_back(nft::Opaque{"meta protocol " + hex(Bytes{static_cast<std::uint8_t>(std::get<Dep>(item).value >> 8),
                                                                    static_cast<std::uint8_t>(std::get<Dep>(item).value)})});
        }
        return out;
    }

    nft::TableFamily family_;
    const SetsByName& sets_;
    const std::vector<const nftnl_expr*>* exprs_ = nullptr;
    std::size_t i_ = 0;
    std::size_t start_ = 0;
    std::vector<Load> loads_;
    std::map<std::uint32_t, Bytes> imms_;
    std::optional<MapResult> map_;
    std::optional<std::uint64_t> l4proto_;
    std::vector<Item> items_;
};

std::string rule_comment(const nftnl_rule* rule) {
    if (!nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA)) return {};
    std::uint32_t len = 0;
    const void* p = nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &len);
    auto tlvs = parse_tlvs(p, len);
    if (!tlvs) return {};
    const auto* c = find_tlv(*tlvs, NFTNL_UDATA_RULE_COMMENT);
    return c ? tlv_strz(*c).value_or("") : std::string{};
}

}  // namespace

nft::Rule decode_rule(nft::TableFamily family, const nftnl_rule* rule, const SetsByName& sets) {
    std::vector<const nftnl_expr*> exprs;
    NftExprIterPtr it(nftnl_expr_iter_create(rule));
    if (it)
        for (auto* e = nftnl_expr_iter_next(it.get()); e; e = nftnl_expr_iter_next(it.get()))
            exprs.push_back(e);
    nft::Rule r;
    r.stmts = RuleDecoder(family, sets).run(exprs);
    r.comment = rule_comment(rule);
    return r;
}

}  // namespace gw::kernel
