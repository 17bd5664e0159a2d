// Set declarations and elements back into nft::Set: keys from nft's
// `typeof` userdata (or, for sets declared by type, one key per datatype),
// interval sets rebuilt from their start/end elements (a leading end element
// at zero is nft's, not an element), concatenated intervals from key/key-end
// pairs, and values of host-order keys read in the byte order they were
// stored in.
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <cstring>
#include <span>

#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/key_codec.hpp"
#include "daemon/kernel/nft/set_elements.hpp"
#include "daemon/kernel/nft/udata.hpp"
#include "rules/nft/diff.hpp"

namespace gw::kernel {

namespace {

using nft::Key;

constexpr std::uint32_t kExprConcat = 13;

// Byte strings in unsigned lexicographic order, by memcmp (a byte loop was
// most of sorting a dump's 10,000 elements out of its hash order).
bool bytes_less(ByteView a, ByteView b) {
    auto n = std::min(a.size(), b.size());
    int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
    return c < 0 || (c == 0 && a.size() < b.size());
}

// The elements' positions in key byte order (positions: a RawElem is
// large to move). For keys in network byte order (ports, addresses,
// protocols) that is already the canonical order, so the sort of the
// decoded elements that follows finds them sorted instead of sorting 10,000
// of them out of the kernel's hash order part by part.
std::vector<std::size_t> key_byte_order(const std::vector<RawElem>& raw) {
    std::vector<std::size_t> order(raw.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto less = [&](std::size_t a, std::size_t b) { return bytes_less(raw[a].key, raw[b].key); };
    if (!std::is_sorted(order.begin(), order.end(), less)) std::sort(order.begin(), order.end(), less);
    return order;
}

nft::Value undecodable(const std::string& why) {
    return std::string("<gatewayd cannot read: " + why + ">");
}

// Concatenated bytes -> one value per key; each part padded to 4 bytes.
// Each decoded value moved straight into the list (a ternary made a
// temporary of each of the 100,000 values of a 10,000-forward dump).
void add_decoded(std::vector<nft::Value>& out, std::expected<nft::Value, std::string> v) {
    if (v) out.push_back(std::move(*v));
    else out.push_back(undecodable(v.error()));
}

std::vector<nft::Value> split_values(const std::vector<Key>& keys, ByteView bytes, bool network_order) {
    std::vector<nft::Value> out;
    out.reserve(keys.size());
    if (keys.size() == 1) {
        add_decoded(out, decode_value(keys.front(), bytes, network_order && needs_hton(keys.front())));
        return out;
    }
    std::size_t off = 0;
    for (auto k : keys) {
        auto padded = key_padded_length(k);
        if (off + padded > bytes.size()) return {undecodable("short element " + hex(bytes))};
        add_decoded(out, decode_value(k, bytes.subspan(off, key_length(k)), network_order && needs_hton(k)));
        off += padded;
    }
    return out;
}

std::vector<nft::Value> split_intervals(const std::vector<Key>& keys, ByteView first, ByteView last) {
    std::vector<nft::Value> out;
    std::size_t off = 0;
    for (auto k : keys) {
        auto len = keys.size() == 1 ? key_length(k) : key_padded_length(k);
        if (off + len > first.size() || off + len > last.size()) return {undecodable("short interval")};
        auto cut = [&](ByteView b) {
            return Bytes(b.begin() + static_cast<long>(off), b.begin() + static_cast<long>(off + key_length(k)));
        };
        auto v = decode_interval(k, cut(first), cut(last));
        out.push_back(v ? *v : undecodable(v.error()));
        off += len;
    }
    return out;
}

struct Shape {
    const std::vector<Key>& key;
    const std::vector<Key>& data;
    bool verdict;
};

nft::Element to_element(const Shape& shape, const RawElem& r, std::vector<nft::Value> key) {
    nft::Element e;
    e.key = std::move(key);
    if (shape.verdict && r.verdict) e.verdict = nft::Verdict{*r.verdict, std::string(r.chain)};
    if (!shape.data.empty()) e.data = split_values(shape.data, r.data, false);
    e.comment = std::string(r.comment);
    e.counter = r.counter;
    return e;
}

// Start elements paired with the end element that follows them in key order.
std::vector<nft::Element> rebuild_intervals(const Shape& shape, std::vector<RawElem> raw) {
    std::stable_sort(raw.begin(), raw.end(), [](const RawElem& a, const RawElem& b) {
        if (!std::ranges::equal(a.key, b.key)) return bytes_less(a.key, b.key);
        return a.end && !b.end;  // an end at k closes the range before a start at k
    });
    std::vector<nft::Element> out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i].end) continue;  // nft's leading end element, or one already paired
        Bytes last;
        if (i + 1 < raw.size() && raw[i + 1].end && !raw[i].open) {
            last = decrement(Bytes(raw[i + 1].key.begin(), raw[i + 1].key.end()));
        } else {
            last = Bytes(raw[i].key.size(), 0xff);
        }
        out.push_back(to_element(shape, raw[i], split_intervals(shape.key, raw[i].key, last)));
    }
    return out;
}

std::optional<std::vector<std::uint32_t>> u32_fields(const std::vector<std::uint8_t>& bytes) {
    auto tlvs = parse_tlvs(bytes.data(), bytes.size());
    if (!tlvs) return std::nullopt;
    std::vector<std::uint32_t> out;
    for (const auto& t : *tlvs) {
        auto v = tlv_u32(t);
        if (!v || t.type != out.size()) return std::nullopt;
        out.push_back(*v);
    }
    return out;
}

constexpr std::uint32_t kExprNumgen = 23;  // nft's EXPR_NUMGEN

// `typeof numgen inc mod N`: its fields are type (0: inc), modulus, offset (0).
std::optional<std::uint32_t> numgen_modulus(std::uint32_t etype, const std::vector<std::uint32_t>& fields) {
    if (etype != kExprNumgen || fields.size() != 3 || fields[0] != 0 || fields[2] != 0) return std::nullopt;
    return fields[1];
}

// One `typeof` expression: [0] expression type, [1] its fields. A numgen
// key's modulus goes to `modulus`.
std::optional<Key> typeof_key(const std::vector<Tlv>& expr, std::uint32_t* modulus = nullptr) {
    const auto* etype = find_tlv(expr, NFTNL_UDATA_SET_TYPEOF_EXPR);
    const auto* data = find_tlv(expr, NFTNL_UDATA_SET_TYPEOF_DATA);
    if (!etype || !data || !tlv_u32(*etype)) return std::nullopt;
    auto fields = u32_fields(data->value);
    if (!fields) return std::nullopt;
    if (auto mod = numgen_modulus(*tlv_u32(*etype), *fields)) {
        if (modulus) *modulus = *mod;
        return Key::numgen_inc;
    }
    return key_for_typeof(*tlv_u32(*etype), *fields);
}

std::vector<Key> typeof_keys(const Tlv& tlv, std::uint32_t* modulus = nullptr) {
    auto expr = parse_tlvs(tlv.value.data(), tlv.value.size());
    if (!expr) return {};
    const auto* etype = find_tlv(*expr, NFTNL_UDATA_SET_TYPEOF_EXPR);
    if (!etype || tlv_u32(*etype) != kExprConcat) {
        auto k = typeof_key(*expr, modulus);
        return k ? std::vector<Key>{*k} : std::vector<Key>{};
    }
    const auto* data = find_tlv(*expr, NFTNL_UDATA_SET_TYPEOF_DATA);
    auto parts = data ? parse_tlvs(data->value.data(), data->value.size()) : std::nullopt;
    if (!parts) return {};
    std::vector<Key> out;
    for (const auto& part : *parts) {
        auto sub = parse_tlvs(part.value.data(), part.value.size());
        auto k = sub ? typeof_key(*sub) : std::nullopt;
        if (!k) return {};
        out.push_back(*k);
    }
    return out;
}

std::vector<Key> keys_from_type(std::uint32_t type_id) {
    std::vector<Key> out;
    for (std::uint32_t id = type_id; id != 0; id >>= 6) {
        auto k = key_for_type(id & 63);
        if (!k) return {};
        out.insert(out.begin(), *k);
    }
    return out;
}

std::optional<std::vector<Tlv>> set_udata(const nftnl_set* set) {
    if (!nftnl_set_is_set(set, NFTNL_SET_USERDATA)) return std::nullopt;
    std::uint32_t len = 0;
    const void* p = nftnl_set_get_data(set, NFTNL_SET_USERDATA, &len);
    return parse_tlvs(p, len);
}

bool has_counter(const nftnl_set* set) {
    bool found = false;
    nftnl_set_expr_foreach(set, [](nftnl_expr* e, void* data) {
        if (std::string_view(nftnl_expr_get_str(e, NFTNL_EXPR_NAME)) == "counter")
            *static_cast<bool*>(data) = true;
        return 0;
    }, &found);
    return found;
}

}  // namespace

bool is_anonymous(const nftnl_set* set) {
    return nftnl_set_get_u32(set, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS;
}

std::vector<Key> decode_set_keys(const nftnl_set* set, bool data, std::uint32_t* modulus) {
    auto attr_type = data ? NFTNL_SET_DATA_TYPE : NFTNL_SET_KEY_TYPE;
    auto attr_len = data ? NFTNL_SET_DATA_LEN : NFTNL_SET_KEY_LEN;
    std::vector<Key> keys;
    if (auto udata = set_udata(set)) {
        auto type = data ? NFTNL_UDATA_SET_DATA_TYPEOF : NFTNL_UDATA_SET_KEY_TYPEOF;
        if (const auto* t = find_tlv(*udata, type)) keys = typeof_keys(*t, modulus);
    }
    if (keys.empty()) keys = keys_from_type(nftnl_set_get_u32(set, attr_type));
    // Whatever the userdata says, the kernel's own type and length must agree.
    if (keys.empty() || concat_type_id(keys) != nftnl_set_get_u32(set, attr_type) ||
        keys_length(keys) != nftnl_set_get_u32(set, attr_len))
        return {};
    return keys;
}

std::vector<nft::Element> decode_elements(const SetObjects& set, const std::vector<Key>& key,
                                          const std::vector<Key>& data, bool verdict) {
    Shape shape{key, data, verdict};
    std::vector<RawElem> read;  // an encoding's, read from its carriers; a dump's are read already
    const auto& raw = set.dumped ? *set.dumped : (read = read_elems(set.holders));
    bool interval = nftnl_set_get_u32(set.set, NFTNL_SET_FLAGS) & NFT_SET_INTERVAL;
    std::vector<nft::Element> out;
    if (interval && key.size() == 1) {
        out = rebuild_intervals(shape, raw);
    } else {
        out.reserve(raw.size());
        for (auto i : key_byte_order(raw)) {
            const auto& r = raw[i];
            auto values = r.key_end ? split_intervals(key, r.key, *r.key_end)
                                    : split_values(key, r.key, interval);
            out.push_back(to_element(shape, r, std::move(values)));
        }
    }
    nft::sort_elements(out);
    return out;
}

nft::Set decode_set(const SetObjects& objects, bool with_elements) {
    const nftnl_set* set = objects.set;
    nft::Set s;
    s.name = nftnl_set_get_str(set, NFTNL_SET_NAME);
    auto flags = nftnl_set_get_u32(set, NFTNL_SET_FLAGS);
    s.interval = flags & NFT_SET_INTERVAL;
    s.verdict_map = (flags & NFT_SET_MAP) && nftnl_set_get_u32(set, NFTNL_SET_DATA_TYPE) == NFT_DATA_VERDICT;
    s.counter = has_counter(set);
    if (auto udata = set_udata(set))
        if (const auto* c = find_tlv(*udata, NFTNL_UDATA_SET_COMMENT)) s.comment = tlv_strz(*c).value_or("");
    s.key = decode_set_keys(set, false, &s.modulus);
    if ((flags & NFT_SET_MAP) && !s.verdict_map) s.data = decode_set_keys(set, true);
    bool unreadable = s.key.empty() || ((flags & NFT_SET_MAP) && !s.verdict_map && s.data.empty());
    if (unreadable) {
        s.comment = "<gatewayd cannot read the type of this set> " + s.comment;
        return s;
    }
    // Timeouts, dynamic updates, object maps: never gatewayd's; shown as drift.
    auto foreign = flags & ~static_cast<std::uint32_t>(NFT_SET_INTERVAL | NFT_SET_MAP | NFT_SET_CONCAT);
    if (foreign) s.comment = "<set flags " + std::to_string(foreign) + " gatewayd does not write> " + s.comment;
    if (with_elements) s.elements = decode_elements(objects, s.key, s.data, s.verdict_map);
    return s;
}

}  // namespace gw::kernel
