#include "daemon/kernel/nft/key_codec.hpp"

#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "rules/nft/keys.hpp"

namespace gw::kernel {

namespace {

using nft::Key;

// nft 1.0.6 internals that appear in set userdata (`typeof`): expression
// types and protocol-description / header-field indexes. Checked against
// what nft itself writes (tests/kernel).
constexpr std::uint32_t kExprPayload = 7;
constexpr std::uint32_t kExprMeta = 9;
constexpr std::uint32_t kExprCt = 12;
constexpr std::uint32_t kExprFib = 26;
constexpr std::uint32_t kExprNumgen = 23;
constexpr std::uint32_t kCtDirNone = 0xffffffff;
constexpr std::uint32_t kDescTh = 11, kDescIp = 12, kDescIp6 = 13, kDescIcmp = 4,
                        kDescIcmp6 = 14, kDescTcp = 8, kDescEther = 17;

constexpr std::uint32_t kNet = NFT_PAYLOAD_NETWORK_HEADER;
constexpr std::uint32_t kTh = NFT_PAYLOAD_TRANSPORT_HEADER;
constexpr std::uint32_t kLl = NFT_PAYLOAD_LL_HEADER;

constexpr KeyEncoding meta(Key k, std::uint32_t id, std::uint32_t type) {
    return {k, LoadKind::meta, id, 0, type, kExprMeta, {id, 0}, 1};
}
constexpr KeyEncoding payload(Key k, std::uint32_t base, std::uint32_t off, std::uint32_t type,
                              std::uint32_t desc, std::uint32_t field) {
    return {k, LoadKind::payload, base, off, type, kExprPayload, {desc, field}, 2};
}
constexpr KeyEncoding ct(Key k, std::uint32_t id, std::uint32_t type) {
    return {k, LoadKind::ct, id, 0, type, kExprCt, {id, kCtDirNone}, 2};
}

// Datatype ids: nft's enum datatypes (ifname 41, ipv4_addr 7, ...).
constexpr std::array kEncodings{
    meta(Key::meta_iifname, NFT_META_IIFNAME, 41),
    meta(Key::meta_oifname, NFT_META_OIFNAME, 41),
    meta(Key::meta_nfproto, NFT_META_NFPROTO, 2),
    meta(Key::meta_l4proto, NFT_META_L4PROTO, 12),
    meta(Key::meta_mark, NFT_META_MARK, 19),
    meta(Key::meta_skuid, NFT_META_SKUID, 24),
    meta(Key::meta_skgid, NFT_META_SKGID, 25),
    payload(Key::ip_saddr, kNet, 12, 7, kDescIp, 11),
    payload(Key::ip_daddr, kNet, 16, 7, kDescIp, 12),
    payload(Key::ip6_saddr, kNet, 8, 8, kDescIp6, 8),
    payload(Key::ip6_daddr, kNet, 24, 8, kDescIp6, 9),
    payload(Key::th_sport, kTh, 0, 13, kDescTh, 1),
    payload(Key::th_dport, kTh, 2, 13, kDescTh, 2),
    payload(Key::icmp_type, kTh, 0, 14, kDescIcmp, 1),
    payload(Key::icmpv6_type, kTh, 0, 29, kDescIcmp6, 1),
    ct(Key::ct_state, NFT_CT_STATE, 26),
    ct(Key::ct_status, NFT_CT_STATUS, 28),
    ct(Key::ct_mark, NFT_CT_MARK, 19),
    payload(Key::ether_type, kLl, 12, 10, kDescEther, 3),
    KeyEncoding{Key::fib_daddr_type, LoadKind::fib, NFT_FIB_RESULT_ADDRTYPE, 0, 38, kExprFib,
                {NFT_FIB_RESULT_ADDRTYPE, NFTA_FIB_F_DADDR}, 2},
    payload(Key::tcp_flags, kTh, 13, 15, kDescTcp, 7),
    // typeof numgen: {type 0 (inc), modulus, offset 0}; the modulus varies,
    // so encode_set/decode_set handle its fields (kNumgenTypeofFields).
    KeyEncoding{Key::numgen_inc, LoadKind::numgen, 0, 0, 4, kExprNumgen, {0, 0}, 0},
};

constexpr std::uint32_t kTypeBits = 6;

std::uint64_t max_for(std::uint32_t len) {
    return len >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * len)) - 1;
}

// Byte by byte: a key part is 1 to 8 bytes, and a resize (a memset call)
// per part of 20,000 elements cost more than writing them.
void append_int(std::uint64_t v, std::uint32_t len, bool big_endian, Bytes& out) {
    for (std::uint32_t i = 0; i < len; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * (big_endian ? len - 1 - i : i))));
}

std::uint64_t bytes_int(std::span<const std::uint8_t> b, bool big_endian) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
        std::size_t idx = big_endian ? i : b.size() - 1 - i;
        v = (v << 8) | b[idx];
    }
    return v;
}

bool big_endian_value(Key key, bool network_order) {
    return nft::key_info(key).network_order || network_order;
}

std::expected<void, std::string> append_address(Key key, const nft::Value& value, Bytes& out) {
    const auto* p = std::get_if<net::Prefix>(&value);
    if (!p) return std::unexpected(std::string(nft::key_info(key).nft) + " needs an address");
    if (p->address.family != address_family(key))
        return std::unexpected(std::string(nft::key_info(key).nft) + " given " + p->str() +
                               " of the other family");
    if (p->length != p->address.bits())
        return std::unexpected(std::string(nft::key_info(key).nft) + " given prefix " + p->str() +
                               " where one address is needed");
    out.insert(out.end(), p->address.bytes.begin(), p->address.bytes.begin() + p->address.size());
    return {};
}

std::expected<void, std::string> append_ifname(Key key, const nft::Value& value, Bytes& out) {
    const auto* s = std::get_if<std::string>(&value);
    if (!s) return std::unexpected(std::string(nft::key_info(key).nft) + " needs a name");
    if (s->empty() || s->size() >= 16 || s->find('\0') != std::string::npos)
        return std::unexpected("bad interface name \"" + *s + "\"");
    out.insert(out.end(), s->begin(), s->end());
    out.resize(out.size() + 16 - s->size(), 0);
    return {};
}

}  // namespace

const KeyEncoding& key_encoding(Key key) {
    // In enum order, like nft::key_info's table: the direct index first
    // (encoding 20,000 set elements asks several times per part).
    auto i = static_cast<std::size_t>(key);
    if (i < kEncodings.size() && kEncodings[i].key == key) return kEncodings[i];
    for (const auto& e : kEncodings)
        if (e.key == key) return e;
    return kEncodings.front();  // unreachable: every Key has an entry (tests/kernel checks)
}

bool is_address(Key key) {
    return key == Key::ip_saddr || key == Key::ip_daddr || key == Key::ip6_saddr ||
           key == Key::ip6_daddr;
}

bool is_ifname(Key key) {
    return key == Key::meta_iifname || key == Key::meta_oifname;
}

net::Family address_family(Key key) {
    return key == Key::ip6_saddr || key == Key::ip6_daddr ? net::Family::ipv6 : net::Family::ipv4;
}

std::uint32_t key_length(Key key) {
    return nft::key_info(key).length;
}

std::uint32_t key_padded_length(Key key) {
    return (key_length(key) + 3) / 4 * 4;
}

bool host_integer(Key key) {
    return !nft::key_info(key).network_order && !is_ifname(key);
}

bool needs_hton(Key key) {
    return host_integer(key) && key_length(key) > 1;
}

std::uint32_t key_byteorder(Key key) {
    return key_encoding(key).kind == LoadKind::payload ? 2 : 1;
}

std::optional<Key> key_for_meta(std::uint32_t meta_key) {
    for (const auto& e : kEncodings)
        if (e.kind == LoadKind::meta && e.id == meta_key) return e.key;
    return std::nullopt;
}

std::optional<Key> key_for_ct(std::uint32_t ct_key) {
    for (const auto& e : kEncodings)
        if (e.kind == LoadKind::ct && e.id == ct_key) return e.key;
    return std::nullopt;
}

std::optional<Key> key_for_payload(std::uint32_t base, std::uint32_t offset,
                                   std::optional<std::uint64_t> l4proto) {
    if (base == kTh && offset == 0) {
        if (l4proto == nft::kProtoIcmp) return Key::icmp_type;
        if (l4proto == nft::kProtoIcmpv6) return Key::icmpv6_type;
        return Key::th_sport;
    }
    if (base == kTh && offset == 13) {
        if (l4proto == nft::kProtoTcp) return Key::tcp_flags;
        return std::nullopt;
    }
    for (const auto& e : kEncodings)
        if (e.kind == LoadKind::payload && e.id == base && e.offset == offset) return e.key;
    return std::nullopt;
}

std::optional<Key> key_for_type(std::uint32_t type_id) {
    switch (type_id) {
    case 41: return Key::meta_iifname;
    case 7: return Key::ip_daddr;
    case 8: return Key::ip6_daddr;
    case 13: return Key::th_dport;
    case 19: return Key::meta_mark;
    default: break;
    }
    for (const auto& e : kEncodings)
        if (e.type_id == type_id) return e.key;
    return std::nullopt;
}

std::optional<Key> key_for_typeof(std::uint32_t etype, const std::vector<std::uint32_t>& fields) {
    for (const auto& e : kEncodings) {
        if (e.typeof_etype != etype || static_cast<int>(fields.size()) != e.typeof_fields) continue;
        bool same = true;
        for (std::size_t i = 0; i < fields.size(); ++i) same = same && fields[i] == e.typeof_data[i];
        if (same) return e.key;
    }
    return std::nullopt;
}

std::uint32_t concat_type_id(const std::vector<Key>& keys) {
    std::uint32_t id = 0;
    for (auto k : keys) id = (id << kTypeBits) | key_encoding(k).type_id;
    return id;
}

std::vector<std::uint32_t> split_type_id(std::uint32_t type_id, std::size_t parts) {
    std::vector<std::uint32_t> out(parts);
    for (std::size_t i = parts; i-- > 0;) {
        out[i] = type_id & ((1u << kTypeBits) - 1);
        type_id >>= kTypeBits;
    }
    return out;
}

std::uint32_t keys_length(const std::vector<Key>& keys) {
    if (keys.size() == 1) return key_length(keys.front());
    std::uint32_t len = 0;
    for (auto k : keys) len += key_padded_length(k);
    return len;
}

std::expected<void, std::string> append_value(Key key, const nft::Value& value, bool network_order,
                                              Bytes& out) {
    if (is_address(key)) return append_address(key, value, out);
    if (is_ifname(key)) return append_ifname(key, value, out);
    const auto* v = std::get_if<std::uint64_t>(&value);
    if (!v) return std::unexpected(std::string(nft::key_info(key).nft) + " needs one number here");
    auto len = key_length(key);
    if (*v > max_for(len))
        return std::unexpected(std::to_string(*v) + " does not fit " +
                               std::string(nft::key_info(key).nft));
    append_int(*v, len, big_endian_value(key, network_order), out);
    return {};
}

std::expected<Bytes, std::string> encode_value(Key key, const nft::Value& value,
                                               bool network_order) {
    Bytes out;
    if (auto ok = append_value(key, value, network_order, out); !ok) return std::unexpected(ok.error());
    return out;
}

std::expected<nft::Value, std::string> decode_value(Key key, std::span<const std::uint8_t> bytes,
                                                    bool network_order) {
    if (bytes.size() != key_length(key))
        return std::unexpected("value of " + std::to_string(bytes.size()) + " bytes for " +
                               std::string(nft::key_info(key).nft));
    if (is_address(key)) {
        net::Address a;
        a.family = address_family(key);
        std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
        return net::Prefix{a, a.bits()};
    }
    if (is_ifname(key)) {
        auto end = std::find(bytes.begin(), bytes.end(), 0);
        if (end == bytes.begin() || std::any_of(end, bytes.end(), [](auto b) { return b != 0; }))
            return std::unexpected("interface name bytes " + hex(bytes));
        return std::string(bytes.begin(), end);
    }
    return bytes_int(bytes, big_endian_value(key, network_order));
}

std::expected<Interval, std::string> encode_interval(Key key, const nft::Value& value) {
    if (const auto* p = std::get_if<net::Prefix>(&value); p && is_address(key)) {
        if (p->address.family != address_family(key))
            return std::unexpected(std::string(nft::key_info(key).nft) + " given " + p->str());
        auto net = p->network().address;
        auto last = p->last();
        auto n = net.size();
        return Interval{Bytes(net.bytes.begin(), net.bytes.begin() + n),
                        Bytes(last.bytes.begin(), last.bytes.begin() + n)};
    }
    if (const auto* r = std::get_if<nft::IntRange>(&value)) {
        if (is_address(key) || is_ifname(key) || r->first > r->last)
            return std::unexpected("bad range for " + std::string(nft::key_info(key).nft));
        auto first = encode_value(key, r->first, true);
        if (!first) return std::unexpected(first.error());
        auto last = encode_value(key, r->last, true);
        if (!last) return std::unexpected(last.error());
        return Interval{*first, *last};
    }
    auto one = encode_value(key, value, true);
    if (!one) return std::unexpected(one.error());
    return Interval{*one, *one};
}

std::expected<nft::Value, std::string> decode_interval(Key key, const Bytes& first,
                                                       const Bytes& last) {
    if (first == last) return decode_value(key, first, true);
    if (is_address(key)) {
        auto a = decode_value(key, first, true);
        if (!a) return a;
        auto p = std::get<net::Prefix>(*a);
        for (int len = p.address.bits(); len >= 0; --len) {
            net::Prefix cand{p.address, len};
            if (cand.has_host_bits()) break;
            auto end = cand.last();
            if (Bytes(end.bytes.begin(), end.bytes.begin() + p.address.size()) == last)
                return cand;
        }
        return std::unexpected("address range " + p.str() + " to " + hex(last) +
                               " is no prefix");
    }
    if (is_ifname(key)) return std::unexpected("interface name range");
    return nft::IntRange{bytes_int(first, true), bytes_int(last, true)};
}

Bytes increment(Bytes bytes) {
    for (std::size_t i = bytes.size(); i-- > 0;)
        if (++bytes[i] != 0) break;
    return bytes;
}

Bytes decrement(Bytes bytes) {
    for (std::size_t i = bytes.size(); i-- > 0;)
        if (bytes[i]-- != 0) break;
    return bytes;
}

bool is_zero(const Bytes& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](auto b) { return b == 0; });
}

bool is_all_ones(const Bytes& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](auto b) { return b == 0xff; });
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out = "0x";
    for (auto b : bytes) {
        out += kDigits[b >> 4];
        out += kDigits[b & 15];
    }
    return out;
}

}  // namespace gw::kernel
