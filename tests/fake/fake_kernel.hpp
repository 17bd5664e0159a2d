// The in-memory Kernel: gatewayd's tables (FakeNft) and the netlink state
// (FakeNet) behind the same interface as LinuxKernel, for reconcile tests
// that need no root. Lives under tests/: no production binary links it.
#pragma once

#include "daemon/kernel/kernel.hpp"
#include "tests/fake/fake_net.hpp"
#include "tests/fake/fake_nft.hpp"

namespace gw::test {

class FakeKernel final : public kernel::Kernel {
public:
    FakeNft nft;
    FakeNet net;

    std::expected<kernel::Observed, kernel::KernelError> observe(const kernel::Scope& scope) override;
    std::expected<kernel::Prepared, kernel::KernelError> prepare(nft::Ruleset desired, kernel::KernelForm form) override;
    std::expected<kernel::Prepared, kernel::KernelError> prepare_against(nft::Ruleset desired,
                                                                         kernel::Observed& observed) override;
    kernel::ApplyOutcome apply(const plan::Plan& plan) override;
    std::expected<std::uint32_t, kernel::KernelError> nft_generation() override { return nft.generation(); }
    std::expected<void, kernel::KernelError> check(const plan::Plan& plan) override;
};

}  // namespace gw::test
