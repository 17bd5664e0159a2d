// The real Kernel: the nft room (gatewayd's tables over libnftnl/libmnl)
// and the rtnl room (links, addresses, routes, rules over libnl-3; sysctls
// in /proc/sys), in the current network namespace.
#pragma once

#include <expected>
#include <memory>

#include "daemon/kernel/kernel.hpp"

namespace gw::kernel {

class NftNetlink;

class LinuxKernel final : public Kernel {
public:
    static std::expected<std::unique_ptr<LinuxKernel>, KernelError> open();
    ~LinuxKernel() override;

    std::expected<Observed, KernelError> observe(const Scope& scope) override;
    std::expected<Prepared, KernelError> prepare(const nft::Ruleset& desired) override;
    ApplyOutcome apply(const plan::Plan& plan) override;
    std::expected<void, KernelError> check(const plan::Plan& plan) override;

private:
    explicit LinuxKernel(std::unique_ptr<NftNetlink> nft);
    std::unique_ptr<NftNetlink> nft_;
};

}  // namespace gw::kernel
