// How each nft::Key exists in the kernel: which expression loads it (meta,
// payload, ct, fib), its nft datatype id for set declarations, the `typeof`
// description nft stores in set userdata, and the bytes its values take in
// a register. Pure: shared by the encoder and the decoder so both read the
// same table.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "rules/nft/ruleset.hpp"

namespace gw::kernel {

using Bytes = std::vector<std::uint8_t>;

enum class LoadKind {
    meta,     // meta load <key>
    payload,  // payload load <len>b @ <base> header + <offset>
    ct,       // ct load <key> (original direction unset)
    fib,      // fib daddr type
    numgen,   // numgen inc mod N (N from the map or statement)
};

struct KeyEncoding {
    nft::Key key;
    LoadKind kind;
    std::uint32_t id;      // NFT_META_*, NFT_CT_*, NFT_PAYLOAD_*_HEADER, NFT_FIB_RESULT_*
    std::uint32_t offset;  // payload offset in its header
    std::uint32_t type_id; // nft datatype id (TYPE_IPADDR = 7, ...), 6 bits per concat part
    // nft's set-declaration `typeof` userdata: expression type and its fields.
    std::uint32_t typeof_etype;
    std::array<std::uint32_t, 2> typeof_data;
    int typeof_fields;
};

const KeyEncoding& key_encoding(nft::Key key);

bool is_address(nft::Key key);
bool is_ifname(nft::Key key);
net::Family address_family(nft::Key key);  // only for is_address keys
std::uint32_t key_length(nft::Key key);    // bytes the value takes in a register
std::uint32_t key_padded_length(nft::Key key);  // rounded up to a 32-bit register
// Integers kept in host byte order (marks, uids, protocol numbers, ...).
bool host_integer(nft::Key key);
// Host-order integers wider than a byte: ranges and one-key interval sets
// compare them after a byteorder-to-network conversion, as nft does. In a
// concatenated interval lookup nft converts every host_integer part, even
// one-byte ones.
bool needs_hton(nft::Key key);
// nft's byte-order tag of a key in set userdata: 1 host, 2 big endian.
std::uint32_t key_byteorder(nft::Key key);

// Keys by kernel encoding, for the decoder. Payload keys that share an
// offset (icmp type / icmpv6 type) are told apart by the transport protocol
// matched earlier in the rule.
std::optional<nft::Key> key_for_meta(std::uint32_t meta_key);
std::optional<nft::Key> key_for_ct(std::uint32_t ct_key);
std::optional<nft::Key> key_for_payload(std::uint32_t base, std::uint32_t offset,
                                        std::optional<std::uint64_t> l4proto);
// A set declared by type only (not typeof) names a datatype, which several
// keys share; this is the key such a set decodes to.
std::optional<nft::Key> key_for_type(std::uint32_t type_id);
// The key a `typeof` userdata entry describes (expression type + fields).
std::optional<nft::Key> key_for_typeof(std::uint32_t etype, const std::vector<std::uint32_t>& fields);

// Concatenated datatype id of a key list (nft's TYPE_BITS = 6 per part).
std::uint32_t concat_type_id(const std::vector<nft::Key>& keys);
std::vector<std::uint32_t> split_type_id(std::uint32_t type_id, std::size_t parts);
// Register bytes of a key list: one key unpadded, a concatenation padded.
std::uint32_t keys_length(const std::vector<nft::Key>& keys);

// ---- values ----------------------------------------------------------------

// One exact value of `key` as register bytes. `network_order` converts
// host-order integers to big endian (ranges, interval sets).
std::expected<Bytes, std::string> encode_value(nft::Key key, const nft::Value& value,
                                               bool network_order = false);
// The same bytes appended to `out`: a concatenated element is built in one
// buffer, reused from element to element.
std::expected<void, std::string> append_value(nft::Key key, const nft::Value& value, bool network_order,
                                              Bytes& out);
// A view, so a part of a concatenated element is read where it lies.
std::expected<nft::Value, std::string> decode_value(nft::Key key, std::span<const std::uint8_t> bytes,
                                                    bool network_order = false);

// A value as an inclusive interval [first, last] of register bytes, in the
// order the kernel compares them (big endian).
struct Interval {
    Bytes first;
    Bytes last;
};
std::expected<Interval, std::string> encode_interval(nft::Key key, const nft::Value& value);
// Back to the model: a single integer, an IntRange, a Prefix (addresses) or
// a string. An address range that is no prefix has no model value: error.
std::expected<nft::Value, std::string> decode_interval(nft::Key key, const Bytes& first,
                                                       const Bytes& last);

// Big-endian byte-string arithmetic for interval ends.
Bytes increment(Bytes bytes);  // wraps to all zero past the maximum
Bytes decrement(Bytes bytes);
bool is_zero(const Bytes& bytes);
bool is_all_ones(const Bytes& bytes);

std::string hex(std::span<const std::uint8_t> bytes);

}  // namespace gw::kernel
