// One nftables transaction: NFNL_MSG_BATCH_BEGIN, the operations' messages,
// NFNL_MSG_BATCH_END. The kernel applies all of it or none of it. Each
// message's sequence number maps back to its operation, so a rejection is
// reported with what was being done and the config line behind it. Check
// mode leaves END out: the kernel validates every message, then aborts.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <vector>

#include "daemon/kernel/nft/objects.hpp"
#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/kernel_error.hpp"
#include "daemon/kernel/nft/encode.hpp"
#include "daemon/kernel/nft/socket.hpp"

namespace gw::kernel {

struct Batch {
    NftBatchPtr buffer;
    std::map<std::uint32_t, const NftOp*> by_seq;  // message sequence number -> operation
    std::uint32_t begin_seq = 0;
    std::uint32_t next_seq = 0;  // first sequence number after the batch
};

// Pure: serialises the operations, then those of `then` if given (which
// must all outlive the Batch).
Batch build_batch(const std::vector<NftOp>& ops, std::uint32_t first_seq, ApplyMode mode,
                  const std::vector<NftOp>* then = nullptr);

// Sends BEGIN, `ops`, then `then` if given, then END (commit only); the
// kernel's first rejection becomes the error, later ones go into its
// `more` list.
std::expected<void, KernelError> run_transaction(NftSocket& sock, const std::vector<NftOp>& ops,
                                                 ApplyMode mode, const std::vector<NftOp>* then = nullptr);

}  // namespace gw::kernel
