// Kernel constants the encoder and decoder need beyond Debian 12's uapi
// headers: `meta broute` arrived in Linux 6.4 (nft_meta_bridge), after the
// headers this system builds against.
#pragma once

#include <cstdint>

namespace gw::kernel {

inline constexpr std::uint32_t kNftMetaBriBroute = 35;  // NFT_META_BRI_BROUTE
inline constexpr std::uint8_t kTcpOptMaxseg = 2;        // TCPOPT_MAXSEG

}  // namespace gw::kernel
