// Test helper: every attribute of gatewayd's tables as the kernel returns
// them, as text (handles left out), so two ways of writing the same
// ruleset can be compared byte for byte: `nft -f` of a text versus the
// encoder's batch.
#pragma once

#include <string>

namespace gw::kernel::test {

std::string raw_dump();

}  // namespace gw::kernel::test
