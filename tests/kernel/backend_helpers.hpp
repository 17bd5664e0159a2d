// The real nft backend for tests that run in their own network namespace,
// with the checks every such test wants: fail the test, with the kernel's
// own words, when opening, applying or observing does not work.
#pragma once

#include <doctest/doctest.h>

#include <memory>

#include "daemon/kernel/nft/netlink.hpp"
#include "rules/nft/render.hpp"

namespace gw::kernel::test {

inline std::unique_ptr<NftNetlink> backend() {
    auto b = NftNetlink::open();
    REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().describe()));
    return std::move(*b);
}

inline void apply_ok(NftNetlink& nft, const nft::Ruleset& rs, ApplyMode mode = ApplyMode::commit) {
    auto r = nft.apply(rs, mode);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
}

inline nft::Ruleset observe_ok(NftNetlink& nft) {
    auto r = nft.observe();
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().describe()));
    return *r;
}

// Equality with both rendered texts as the failure message, so a mismatch
// shows where it is.
inline void check_same(const nft::Ruleset& got, const nft::Ruleset& want) {
    INFO("observed:\n" << nft::render_ruleset(got) << "\nwanted:\n" << nft::render_ruleset(want));
    CHECK(got == want);
}

}  // namespace gw::kernel::test
