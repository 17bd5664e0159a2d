// The nft half of the in-memory kernel (fake_kernel.hpp): it holds
// gatewayd's tables in the form NftNetlink::observe() would return them
// (kernel::as_kernel_holds, the real codec with no kernel behind it),
// replaces them whole on apply, swaps set elements on replace_elements,
// and can be told to refuse the next transaction with a chosen errno. It
// counts transactions so tests can tell a rebuild from an element update.
#pragma once

#include <cstddef>
#include <optional>

#include "daemon/kernel/kernel.hpp"

namespace gw::test {

class FakeNft {
public:
    // The simulated kernel's tables; tests may edit them (drift, a flush by hand).
    nft::Ruleset& tables() { return tables_; }

    // The next committing transaction fails with `err` (classified as the
    // real kernel layer does); check-mode calls are not affected.
    void fail_next(int err, std::string ext_ack = {});

    std::size_t applies() const { return applies_; }              // committed table replacements
    std::size_t element_updates() const { return element_updates_; }  // committed element-only updates
    std::size_t checks() const { return checks_; }

    std::expected<nft::Ruleset, kernel::KernelError> observe();
    std::expected<void, kernel::KernelError> apply(const nft::Ruleset& desired, kernel::ApplyMode mode);
    std::expected<void, kernel::KernelError> replace_elements(const std::vector<plan::ElementUpdate>& updates,
                                                              kernel::ApplyMode mode);

private:
    std::optional<kernel::KernelError> take_failure(kernel::ApplyMode mode, const std::string& what);

    nft::Ruleset tables_;
    std::optional<std::pair<int, std::string>> failure_;
    std::size_t applies_ = 0;
    std::size_t element_updates_ = 0;
    std::size_t checks_ = 0;
};

}  // namespace gw::test
