// Statements -> nftnl expressions, register by register as nft 1.0.6 lays
// them out: a match loads into reg 1 (concatenations into consecutive
// 32-bit registers, each part padded to 4 bytes), byte-aligned prefixes
// load only the prefix bytes, other prefixes add a bitwise mask, integer
// ranges are `cmp gte` + `cmp lte` (negated: `range neq`), and host-order
// integers are converted to network order before ranges and interval-set
// lookups. Dependencies come from plan_rule() (nft_deps.hpp).
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>

#include <new>

#include "daemon/kernel/nft/deps.hpp"
#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/key_codec.hpp"
#include "daemon/kernel/nft/meta_ids.hpp"
#include "rules/nft/keys.hpp"

namespace gw::kernel {

namespace {

using nft::Key;
using Result = std::expected<void, std::string>;

NftExprPtr make_expr(const char* name) {
    NftExprPtr e(nftnl_expr_alloc(name));
    if (!e) throw std::bad_alloc();
    return e;
}

// Register that holds the byte at `offset` of a concatenation: 128-bit
// names (NFT_REG_1..4) where aligned, 32-bit ones in between, like nft.
std::uint32_t reg_at(std::uint32_t offset) {
    std::uint32_t r32 = offset / 4;
    if (r32 % 4 == 0) return NFT_REG_1 + r32 / 4;
    return NFT_REG32_00 + r32;
}

std::uint32_t verdict_code(nft::VerdictKind kind) {
    switch (kind) {
    case nft::VerdictKind::accept: return NF_ACCEPT;
    case nft::VerdictKind::drop: return NF_DROP;
    case nft::VerdictKind::jump: return static_cast<std::uint32_t>(NFT_JUMP);
    case nft::VerdictKind::goto_: return static_cast<std::uint32_t>(NFT_GOTO);
    case nft::VerdictKind::return_: return static_cast<std::uint32_t>(NFT_RETURN);
    case nft::VerdictKind::continue_: return static_cast<std::uint32_t>(NFT_CONTINUE);
    }
    return NF_ACCEPT;
}

std::uint64_t rate_unit_seconds(nft::RateUnit unit) {
    switch (unit) {
    case nft::RateUnit::second: return 1;
    case nft::RateUnit::minute: return 60;
    case nft::RateUnit::hour: return 3600;
    case nft::RateUnit::day: return 86400;
    }
    return 1;
}

class RuleWriter {
public:
    RuleWriter(EncodeContext& ctx, nftnl_rule* rule, config::Loc origin)
        : ctx_(ctx), rule_(rule), origin_(origin) {}

    Result item(const Item& item) {
        if (const auto* dep = std::get_if<Dep>(&item)) return write_dep(*dep);
        return std::visit([this](const auto& s) { return write(s); }, std::get<nft::Stmt>(item));
    }

private:
    void add(NftExprPtr e) {
        nftnl_rule_add_expr(rule_, e.release());  // the rule owns its expressions
    }

    void load(Key key, std::uint32_t dreg) {
        const auto& enc = key_encoding(key);
        switch (enc.kind) {
        case LoadKind::meta: return load_meta(enc.id, dreg);
        case LoadKind::payload: return load_payload(enc.id, enc.offset, key_length(key), dreg);
        case LoadKind::ct: {
            auto e = make_expr("ct");
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_KEY, enc.id);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_DREG, dreg);
            return add(std::move(e));
        }
        case LoadKind::numgen: {
            auto e = make_expr("numgen");
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NG_DREG, dreg);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NG_TYPE, NFT_NG_INCREMENTAL);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NG_MODULUS, numgen_modulus_);
            return add(std::move(e));
        }
        case LoadKind::fib: {
            auto e = make_expr("fib");
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_RESULT, enc.typeof_data[0]);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_FLAGS, enc.typeof_data[1]);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_FIB_DREG, dreg);
            return add(std::move(e));
        }
        }
    }

    void load_meta(std::uint32_t meta_key, std::uint32_t dreg) {
        auto e = make_expr("meta");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, meta_key);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, dreg);
        add(std::move(e));
    }

    void load_payload(std::uint32_t base, std::uint32_t offset, std::uint32_t len,
                      std::uint32_t dreg) {
        auto e = make_expr("payload");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, base);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, offset);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, len);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, dreg);
        add(std::move(e));
    }

    void cmp(std::uint32_t op, const Bytes& data, std::uint32_t sreg = NFT_REG_1) {
        auto e = make_expr("cmp");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, sreg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data.data(), static_cast<std::uint32_t>(data.size()));
        add(std::move(e));
    }

    void bitwise(const Bytes& mask) {
        Bytes zero(mask.size(), 0);
        auto e = make_expr("bitwise");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_LEN, static_cast<std::uint32_t>(mask.size()));
        nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_MASK, mask.data(), static_cast<std::uint32_t>(mask.size()));
        nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_XOR, zero.data(), static_cast<std::uint32_t>(zero.size()));
        add(std::move(e));
    }

    // nft converts in units of 4 bytes when the value is whole 32-bit words,
    // else of 2 (a one-byte protocol number gets "hton(reg, 2, 1)").
    void hton(std::uint32_t reg, std::uint32_t len) {
        auto e = make_expr("byteorder");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_SREG, reg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_DREG, reg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_LEN, len);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_SIZE, len % 4 == 0 ? 4 : 2);
        add(std::move(e));
    }

    void immediate(std::uint32_t dreg, const Bytes& data) {
        auto e = make_expr("immediate");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, dreg);
        nftnl_expr_set(e.get(), NFTNL_EXPR_IMM_DATA, data.data(), static_cast<std::uint32_t>(data.size()));
        add(std::move(e));
    }

    // Loads a key list from reg 1 on; the caller knows where it starts.
    void load_keys(const std::vector<Key>& keys, bool interval) {
        std::uint32_t offset = 0;
        bool concat = keys.size() > 1;
        for (auto key : keys) {
            auto reg = reg_at(offset);
            load(key, reg);
            if (interval && (concat ? host_integer(key) : needs_hton(key))) hton(reg, key_length(key));
            offset += concat ? key_padded_length(key) : key_length(key);
        }
    }

    Result write_dep(const Dep& dep) {
        switch (dep.kind) {
        case DepKind::nfproto: load_meta(NFT_META_NFPROTO, NFT_REG_1); break;
        case DepKind::l4proto: load_meta(NFT_META_L4PROTO, NFT_REG_1); break;
        case DepKind::meta_protocol: load_meta(NFT_META_PROTOCOL, NFT_REG_1); break;
        case DepKind::ether_type: load(Key::ether_type, NFT_REG_1); break;
        }
        bool one_byte = dep.kind == DepKind::nfproto || dep.kind == DepKind::l4proto;
        Bytes value = one_byte ? Bytes{static_cast<std::uint8_t>(dep.value)}
                               : Bytes{static_cast<std::uint8_t>(dep.value >> 8),
                                       static_cast<std::uint8_t>(dep.value)};
        cmp(NFT_CMP_EQ, value);
        return {};
    }

    Result write(const nft::Cmp& c) {
        std::uint32_t op = c.negate ? NFT_CMP_NEQ : NFT_CMP_EQ;
        if (const auto* p = std::get_if<net::Prefix>(&c.value); p && is_address(c.key))
            return write_prefix(c.key, *p, op);
        if (const auto* r = std::get_if<nft::IntRange>(&c.value)) return write_range(c, *r);
        auto bytes = encode_value(c.key, c.value);
        if (!bytes) return std::unexpected(bytes.error());
        load(c.key, NFT_REG_1);
        cmp(op, *bytes);
        return {};
    }

    Result write_prefix(Key key, const net::Prefix& p, std::uint32_t op) {
        if (p.address.family != address_family(key))
            return std::unexpected(std::string(nft::key_info(key).nft) + " given " + p.str());
        auto net = p.network().address;
        Bytes addr(net.bytes.begin(), net.bytes.begin() + net.size());
        if (p.length == net.bits()) {
            load(key, NFT_REG_1);
            cmp(op, addr);
        } else if (p.length % 8 == 0 && p.length > 0) {
            auto n = static_cast<std::uint32_t>(p.length / 8);
            const auto& enc = key_encoding(key);
            load_payload(enc.id, enc.offset, n, NFT_REG_1);
            cmp(op, Bytes(addr.begin(), addr.begin() + n));
        } else {
            Bytes mask(addr.size(), 0);
            for (int i = 0; i < p.length; ++i)
                mask[static_cast<std::size_t>(i / 8)] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
            load(key, NFT_REG_1);
            bitwise(mask);
            cmp(op, addr);
        }
        return {};
    }

    Result write_range(const nft::Cmp& c, const nft::IntRange& r) {
        auto iv = encode_interval(c.key, r);
        if (!iv) return std::unexpected(iv.error());
        load(c.key, NFT_REG_1);
        if (needs_hton(c.key)) hton(NFT_REG_1, key_length(c.key));
        if (c.negate) {
            auto e = make_expr("range");
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_RANGE_OP, NFT_RANGE_NEQ);
            nftnl_expr_set(e.get(), NFTNL_EXPR_RANGE_FROM_DATA, iv->first.data(), static_cast<std::uint32_t>(iv->first.size()));
            nftnl_expr_set(e.get(), NFTNL_EXPR_RANGE_TO_DATA, iv->last.data(), static_cast<std::uint32_t>(iv->last.size()));
            add(std::move(e));
        } else {
            cmp(NFT_CMP_GTE, iv->first);
            cmp(NFT_CMP_LTE, iv->last);
        }
        return {};
    }

    Result write(const nft::MaskedCmp& m) {
        if (!is_address(m.key) || m.mask.family != address_family(m.key) || m.value.family != m.mask.family)
            return std::unexpected("masked match on " + std::string(nft::key_info(m.key).nft) + " given " + m.value.str());
        auto n = static_cast<std::size_t>(m.mask.size());
        load(m.key, NFT_REG_1);
        bitwise(Bytes(m.mask.bytes.begin(), m.mask.bytes.begin() + n));
        cmp(NFT_CMP_EQ, Bytes(m.value.bytes.begin(), m.value.bytes.begin() + n));
        return {};
    }

    Result write(const nft::AnyBits& b) {
        if (is_address(b.key) || is_ifname(b.key))
            return std::unexpected("bit test on " + std::string(nft::key_info(b.key).nft));
        auto mask = encode_value(b.key, b.bits);
        if (!mask) return std::unexpected(mask.error());
        load(b.key, NFT_REG_1);
        bitwise(*mask);
        cmp(NFT_CMP_NEQ, Bytes(mask->size(), 0));
        return {};
    }

    Result write(const nft::Lookup& l) {
        if (l.keys.empty()) return std::unexpected("lookup without keys");
        bool vmap = false;
        bool interval = false;
        std::uint32_t set_id = 0;
        if (l.set.empty()) {
            auto id = encode_anonymous_set(ctx_, l, origin_, &interval);
            if (!id) return std::unexpected(id.error());
            set_id = *id;
            vmap = !l.inline_set.empty() && l.inline_set.front().verdict.has_value();
        } else if (const auto* s = find_set(ctx_.table, l.set)) {
            vmap = s->verdict_map;
            interval = s->interval;
        }
        if (vmap && l.negate) return std::unexpected("a verdict map lookup cannot be negated");
        load_keys(l.keys, interval);
        auto e = make_expr("lookup");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
        const char* anonymous = vmap ? "__map%d" : "__set%d";
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, l.set.empty() ? anonymous : l.set.c_str());
        if (set_id) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SET_ID, set_id);
        if (vmap) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
        if (l.negate) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        add(std::move(e));
        return {};
    }

    Result write(const nft::Counter& c) {
        auto e = make_expr("counter");
        // Carrying observed values over keeps hit counts across a table rebuild.
        if (c.packets || c.bytes) {
            nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_PACKETS, c.packets);
            nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_BYTES, c.bytes);
        }
        add(std::move(e));
        return {};
    }

    Result write(const nft::Log& l) {
        auto e = make_expr("log");
        if (!l.prefix.empty()) nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOG_PREFIX, l.prefix.c_str());
        if (l.group) nftnl_expr_set_u16(e.get(), NFTNL_EXPR_LOG_GROUP, *l.group);
        add(std::move(e));
        return {};
    }

    Result write(const nft::Limit& l) {
        if (l.rate == 0 || l.burst == 0)
            return std::unexpected("limit needs a rate and a burst above 0");
        auto e = make_expr("limit");
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_RATE, l.rate);
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_UNIT, rate_unit_seconds(l.per));
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_BURST, l.burst);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_FLAGS, 0);
        add(std::move(e));
        return {};
    }

    Result write(const nft::Verdict& v) {
        bool to_chain = v.kind == nft::VerdictKind::jump || v.kind == nft::VerdictKind::goto_;
        if (to_chain && v.chain.empty()) return std::unexpected("jump without a target chain");
        auto e = make_expr("immediate");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, verdict_code(v.kind));
        if (to_chain) nftnl_expr_set_str(e.get(), NFTNL_EXPR_IMM_CHAIN, v.chain.c_str());
        add(std::move(e));
        return {};
    }

    Result write(const nft::Reject& r) {
        auto e = make_expr("reject");
        if (r.kind == nft::RejectKind::tcp_reset) {
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_TCP_RST);
        } else {
            auto code = r.kind == nft::RejectKind::admin_prohibited ? NFT_REJECT_ICMPX_ADMIN_PROHIBITED
                                                                    : NFT_REJECT_ICMPX_PORT_UNREACH;
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, NFT_REJECT_ICMPX_UNREACH);
            nftnl_expr_set_u8(e.get(), NFTNL_EXPR_REJECT_CODE, static_cast<std::uint8_t>(code));
        }
        add(std::move(e));
        return {};
    }

    Result write(const nft::Nat& n) {
        if (n.kind == nft::NatKind::masquerade) return write_masquerade(n);
        auto fam = n.family == net::Family::ipv4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
        auto e = make_expr("nat");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_TYPE, n.kind == nft::NatKind::dnat ? NFT_NAT_DNAT : NFT_NAT_SNAT);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FAMILY, static_cast<std::uint32_t>(fam));
        auto regs = n.map_keys.empty() ? nat_immediates(n) : nat_map(n);
        if (!regs) return std::unexpected(regs.error());
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
        if (*regs) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_REG_PROTO_MIN, *regs);
        if (*regs && n.map_keys.empty())
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
        add(std::move(e));
        return {};
    }

    // Plain, or with the port taken from a map (map data: the port alone, in reg 1).
    Result write_masquerade(const nft::Nat& n) {
        if (!n.map_keys.empty()) {
            if (!n.map_has_port) return std::unexpected("masquerade map without a port");
            if (auto r = map_lookup(n); !r) return r;
        }
        auto e = make_expr("masq");
        if (!n.map_keys.empty()) {
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MASQ_REG_PROTO_MIN, NFT_REG_1);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MASQ_REG_PROTO_MAX, NFT_REG_1);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_MASQ_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
        }
        add(std::move(e));
        return {};
    }

    // Address into reg 1, port into reg 2; returns the port register or 0.
    std::expected<std::uint32_t, std::string> nat_immediates(const nft::Nat& n) {
        if (!n.address) return std::unexpected("dnat/snat needs an address or a map");
        if (n.address->family != n.family) return std::unexpected("nat address of the other family");
        immediate(NFT_REG_1, Bytes(n.address->bytes.begin(), n.address->bytes.begin() + n.address->size()));
        if (!n.port) return 0u;
        immediate(NFT_REG_2, Bytes{static_cast<std::uint8_t>(*n.port >> 8), static_cast<std::uint8_t>(*n.port)});
        return std::uint32_t{NFT_REG_2};
    }

    // keys -> map lookup whose data (address . port) lands from reg 1 on.
    std::expected<std::uint32_t, std::string> nat_map(const nft::Nat& n) {
        if (auto r = map_lookup(n); !r) return std::unexpected(r.error());
        if (!n.map_has_port) return 0u;
        return reg_at(n.family == net::Family::ipv4 ? 4 : 16);
    }

    // The nat statement's keys looked up in its map; the data lands from reg 1 on.
    Result map_lookup(const nft::Nat& n) {
        if (n.map_name.empty()) return std::unexpected("nat map lookup without a map name");
        numgen_modulus_ = n.modulus;
        load_keys(n.map_keys, is_interval_lookup(ctx_.table, n.map_name));
        auto e = make_expr("lookup");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, n.map_name.c_str());
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_DREG, NFT_REG_1);
        add(std::move(e));
        return {};
    }

    Result write(const nft::SetMeta& s) {
        if (s.value.has_value() == s.from.has_value())
            return std::unexpected("set statement needs exactly one of a value or a source key");
        if (s.from) {
            load(*s.from, NFT_REG_1);
        } else if (s.target == nft::SetTarget::meta_broute) {
            immediate(NFT_REG_1, Bytes{static_cast<std::uint8_t>(*s.value)});
        } else {
            auto v = encode_value(Key::meta_mark, std::uint64_t{*s.value});
            immediate(NFT_REG_1, *v);
        }
        bool ct = s.target == nft::SetTarget::ct_mark;
        auto e = make_expr(ct ? "ct" : "meta");
        if (ct) {
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_KEY, NFT_CT_MARK);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_SREG, NFT_REG_1);
        } else {
            std::uint32_t key = s.target == nft::SetTarget::meta_broute ? kNftMetaBriBroute : std::uint32_t{NFT_META_MARK};
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
            nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_SREG, NFT_REG_1);
        }
        add(std::move(e));
        return {};
    }

    Result write(const nft::MssClamp&) {
        auto rt = make_expr("rt");
        nftnl_expr_set_u32(rt.get(), NFTNL_EXPR_RT_KEY, NFT_RT_TCPMSS);
        nftnl_expr_set_u32(rt.get(), NFTNL_EXPR_RT_DREG, NFT_REG_1);
        add(std::move(rt));
        hton(NFT_REG_1, 2);
        auto e = make_expr("exthdr");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_EXTHDR_SREG, NFT_REG_1);
        nftnl_expr_set_u8(e.get(), NFTNL_EXPR_EXTHDR_TYPE, kTcpOptMaxseg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_EXTHDR_OFFSET, 2);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_EXTHDR_LEN, 2);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_TCPOPT);
        add(std::move(e));
        return {};
    }

    Result write(const nft::FlowOffload& f) {
        auto e = make_expr("flow_offload");
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_FLOW_TABLE_NAME, f.flowtable.c_str());
        add(std::move(e));
        return {};
    }

    Result write(const nft::Opaque& o) {
        return std::unexpected("cannot write a statement gatewayd does not model: " + o.description);
    }

    EncodeContext& ctx_;
    std::uint32_t numgen_modulus_ = 0;  // of the numgen a NAT map lookup is keyed by
    nftnl_rule* rule_;
    config::Loc origin_;
};

}  // namespace

const nft::Set* find_set(const nft::Table& table, const std::string& name) {
    for (const auto& s : table.sets)
        if (s.name == name) return &s;
    return nullptr;
}

bool is_interval_lookup(const nft::Table& table, const std::string& set_name) {
    const auto* s = find_set(table, set_name);
    return s && s->interval;
}

std::expected<void, std::string> encode_rule_exprs(EncodeContext& ctx, const nft::Rule& rule,
                                                   nftnl_rule* nl_rule) {
    auto items = plan_rule(ctx.table.family, rule.stmts);
    if (!items) return std::unexpected(items.error());
    RuleWriter writer(ctx, nl_rule, rule.origin);
    for (const auto& item : *items)
        if (auto r = writer.item(item); !r) return r;
    return {};
}

}  // namespace gw::kernel
