// nft's userdata TLVs (one byte type, one byte length, value), read back:
// rule and element comments, set comments, byte order and `typeof`.
// Writing goes through libnftnl's nftnl_udata_* putters.
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

// Empty when the bytes are not a well-formed TLV list.
std::optional<std::vector<Tlv>> parse_tlvs(const void* data, std::size_t len);
const Tlv* find_tlv(const std::vector<Tlv>& tlvs, std::uint8_t type);
std::optional<std::uint32_t> tlv_u32(const Tlv& tlv);
// A NUL-terminated string value; nullopt when not terminated.
std::optional<std::string> tlv_strz(const Tlv& tlv);

}  // namespace gw::kernel
