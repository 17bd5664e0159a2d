// Dumping gatewayd's tables out of the kernel into an NftDump: tables,
// sets (with elements), chains and rules of the owned tables only, taken
// between two reads of the ruleset generation so the snapshot is consistent.
#pragma once

#include <cstdint>
#include <expected>
#include <vector>

#include "daemon/kernel/kernel_error.hpp"
#include "daemon/kernel/nft/decode.hpp"
#include "daemon/kernel/nft/socket.hpp"

namespace gw::kernel {

std::expected<NftDump, KernelError> observe_owned_tables(NftSocket& sock);

// The ruleset generation: moved on by every committed transaction.
std::expected<std::uint32_t, KernelError> ruleset_generation(NftSocket& sock);

// Which of gatewayd's tables exist, without their contents.
std::expected<std::vector<nft::TableFamily>, KernelError> existing_owned_tables(NftSocket& sock);

}  // namespace gw::kernel
