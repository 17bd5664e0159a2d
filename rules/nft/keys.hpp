// Facts about each nft::Key that both the renderer and the kernel layer
// need: its nft spelling, the nft type name used in set declarations, and
// the size of its value in the kernel's registers.
#pragma once

#include <cstdint>
#include <string_view>

#include "rules/nft/ruleset.hpp"

namespace gw::nft {

struct KeyInfo {
    Key key;
    std::string_view nft;    // "meta iifname", "ip saddr", ...
    std::string_view type;   // nft type name: "ifname", "ipv4_addr", ...
    std::uint32_t length;    // bytes in a register (IFNAMSIZ for names)
    bool network_order;      // value is big-endian in the packet/register
};

const KeyInfo& key_info(Key key);

}  // namespace gw::nft
