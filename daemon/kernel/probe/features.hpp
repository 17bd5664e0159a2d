// What the running kernel supports, for the IPv6 bridge-router split and
// for status: asked of the kernel itself (a check-mode nft transaction
// validates a probe rule and commits nothing), never guessed from the
// version number. Run once per daemon start.
#pragma once

#include "daemon/kernel/kernel.hpp"
#include "rules/facts.hpp"

namespace gw::kernel {

rules::KernelFeatures probe_kernel_features(Kernel& k);

}  // namespace gw::kernel
