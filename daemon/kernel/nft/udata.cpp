#include "daemon/kernel/nft/udata.hpp"

#include <cstring>

namespace gw::kernel {

std::optional<std::vector<Tlv>> parse_tlvs(const void* data, std::size_t len) {
    std::vector<Tlv> out;
    bool whole = for_each_tlv(data, len, [&](std::uint8_t type, const std::uint8_t* v, std::size_t vlen) {
        out.push_back({type, std::vector<std::uint8_t>(v, v + vlen)});
    });
    if (!whole) return std::nullopt;
    return out;
}

const Tlv* find_tlv(const std::vector<Tlv>& tlvs, std::uint8_t type) {
    for (const auto& t : tlvs)
        if (t.type == type) return &t;
    return nullptr;
}

std::optional<std::uint32_t> tlv_u32(const Tlv& tlv) {
    if (tlv.value.size() != sizeof(std::uint32_t)) return std::nullopt;
    std::uint32_t v;
    std::memcpy(&v, tlv.value.data(), sizeof v);  // nft writes host order
    return v;
}

std::optional<std::string> tlv_strz(const Tlv& tlv) {
    if (tlv.value.empty() || tlv.value.back() != 0) return std::nullopt;
    return std::string(tlv.value.begin(), tlv.value.end() - 1);
}

}  // namespace gw::kernel
