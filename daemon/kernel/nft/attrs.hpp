// Netlink attributes read in place: the nft room's one way to walk them
// (set elements of a dump, change events, the kernel's error acks). Inline
// and without libmnl's calls per attribute: a 10,000-forward dump holds
// some 200,000 of them.
#pragma once

#include <endian.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace gw::kernel {

using ByteView = std::span<const std::uint8_t>;

// Calls fn(type, payload) for each attribute in `bytes`; false when one
// does not fit (what mnl_attr_ok() checks), after the ones before it.
template <class Fn>
bool for_each_attr(ByteView bytes, Fn&& fn) {
    std::size_t off = 0;
    while (off + sizeof(nlattr) <= bytes.size()) {
        nlattr a;
        std::memcpy(&a, bytes.data() + off, sizeof a);
        if (a.nla_len < sizeof(nlattr) || a.nla_len > bytes.size() - off) return false;
        fn(static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK),
           bytes.subspan(off + NLA_HDRLEN, a.nla_len - NLA_HDRLEN));
        off += NLA_ALIGN(a.nla_len);
    }
    return true;
}

// The attributes of a message, after its fixed header of `header` bytes
// (aligned, as mnl_nlmsg_get_payload_offset() places them), up to
// nlmsg_len itself: unlike libmnl's aligned tail, never past the message
// (a dump's messages are copied to exactly that length); none when the
// message is shorter.
inline ByteView message_attrs(const nlmsghdr* nlh, std::size_t header) {
    std::size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(header);
    if (nlh->nlmsg_len < start) return {};
    return ByteView(reinterpret_cast<const std::uint8_t*>(nlh) + start, nlh->nlmsg_len - start);
}

inline std::optional<std::uint32_t> be32(ByteView v) {
    if (v.size() < sizeof(std::uint32_t)) return std::nullopt;
    std::uint32_t x;
    std::memcpy(&x, v.data(), sizeof x);
    return be32toh(x);
}

inline std::optional<std::uint64_t> be64(ByteView v) {
    if (v.size() < sizeof(std::uint64_t)) return std::nullopt;
    std::uint64_t x;
    std::memcpy(&x, v.data(), sizeof x);
    return be64toh(x);
}

// A string attribute as mnl_attr_validate(MNL_TYPE_NUL_STRING) accepts it
// (ending in NUL), read as mnl_attr_get_str() reads it (to the first NUL).
inline std::optional<std::string_view> nul_string(ByteView v) {
    if (v.empty() || v.back() != 0) return std::nullopt;
    const auto* s = reinterpret_cast<const char*>(v.data());
    return std::string_view(s, strnlen(s, v.size()));
}

}  // namespace gw::kernel
