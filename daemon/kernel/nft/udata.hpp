// nft's userdata TLVs (one byte type, one byte length, value), read back:
// rule and element comments, set comments, byte order and `typeof`.
// Writing goes through libnftnl's nftnl_udata_* putters, except set
// elements' userdata, laid out the same way on the stack (encode_set.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gw::kernel {

struct Tlv {
    std::uint8_t type = 0;
    std::vector<std::uint8_t> value;
};

// Calls fn(type, value, length) for each TLV in place, without copying
// (every element of a 10,000-element set carries its userdata); false when
// the bytes are not a well-formed TLV list (fn may have seen a prefix).
template <class Fn>
bool for_each_tlv(const void* data, std::size_t len, Fn&& fn) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    std::size_t off = 0;
    while (off < len) {
        if (len - off < 2) return false;
        std::size_t vlen = p[off + 1];
        if (len - off - 2 < vlen) return false;
        fn(p[off], p + off + 2, vlen);
        off += 2 + vlen;
    }
    return true;
}

// Empty when the bytes are not a well-formed TLV list.
std::optional<std::vector<Tlv>> parse_tlvs(const void* data, std::size_t len);
const Tlv* find_tlv(const std::vector<Tlv>& tlvs, std::uint8_t type);
std::optional<std::uint32_t> tlv_u32(const Tlv& tlv);
// A NUL-terminated string value; nullopt when not terminated.
std::optional<std::string> tlv_strz(const Tlv& tlv);

}  // namespace gw::kernel
