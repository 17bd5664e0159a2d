// The nft half of the in-memory kernel (fake_kernel.hpp): it holds
// gatewayd's tables in the form NftNetlink::observe() would return them
// (kernel::as_kernel_holds, the real codec with no kernel behind it),
// replaces them whole on apply, swaps set elements on replace_elements,
// and can be told to refuse the next transaction with a chosen errno. It
// counts transactions so tests can tell a rebuild from an element update.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "daemon/kernel/kernel.hpp"

namespace gw::test {

class FakeNft {
public:
    // The simulated kernel's tables.
    const nft::Ruleset& tables() const { return tables_; }
    // Another program's commit: tests edit the tables through this (drift, a
    // flush by hand, counters moving), and the generation moves on.
    nft::Ruleset& edit_tables() {
        ++generation_;
        return tables_;
    }
    // Moves on with every commit, gatewayd's or a test's (tables()).
    std::uint32_t generation() const { return generation_; }

    // The next committing transaction fails with `err` (classified as the
    // real kernel layer does); check-mode calls are not affected.
    void fail_next(int err, std::string ext_ack = {});

    std::size_t applies() const { return applies_; }              // committed table replacements
    std::size_t element_updates() const { return element_updates_; }  // committed element-only updates
    std::size_t checks() const { return checks_; }
    std::size_t dumps() const { return dumps_; }  // observe() calls: the tables read

    std::expected<nft::Ruleset, kernel::KernelError> observe() {
        ++dumps_;
        return tables_;
    }
    std::expected<void, kernel::KernelError> apply(const nft::Ruleset& desired, kernel::ApplyMode mode);
    std::expected<void, kernel::KernelError> replace_elements(const std::vector<plan::ElementUpdate>& updates,
                                                              kernel::ApplyMode mode);

private:
    std::optional<kernel::KernelError> take_failure(kernel::ApplyMode mode, const std::string& what);

    nft::Ruleset tables_;
    std::optional<std::pair<int, std::string>> failure_;
    std::uint32_t generation_ = 0;
    std::size_t applies_ = 0;
    std::size_t element_updates_ = 0;
    std::size_t checks_ = 0;
    std::size_t dumps_ = 0;
};

}  // namespace gw::test
