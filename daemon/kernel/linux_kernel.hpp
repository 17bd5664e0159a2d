// The real Kernel: the nft room (gatewayd's tables over libnftnl/libmnl)
// and the rtnl room (links, addresses, routes, rules over libnl-3; sysctls
// in /proc/sys), in the current network namespace.
#pragma once

#include <expected>
#include <memory>

#include "daemon/kernel/kernel.hpp"
#include "daemon/kernel/rtnl/apply.hpp"

namespace gw::kernel {

class NftNetlink;

class LinuxKernel final : public Kernel {
public:
    // `on_transient`: the daemon keeps a run's other changes and retries a
    // transient netlink failure; gwctl's direct mode undoes the run instead.
    static std::expected<std::unique_ptr<LinuxKernel>, KernelError> open(
        OnTransient on_transient = OnTransient::keep_and_retry);
    ~LinuxKernel() override;

    std::expected<Observed, KernelError> observe(const Scope& scope) override;
    std::expected<Prepared, KernelError> prepare(nft::Ruleset desired, KernelForm form) override;
    std::expected<Prepared, KernelError> prepare_against(nft::Ruleset desired, Observed& observed) override;
    ApplyOutcome apply(const plan::Plan& plan) override;
    std::expected<std::uint32_t, KernelError> nft_generation() override;
    std::expected<void, KernelError> check(const plan::Plan& plan) override;

private:
    LinuxKernel(std::unique_ptr<NftNetlink> nft, OnTransient on_transient);
    std::unique_ptr<NftNetlink> nft_;
    OnTransient on_transient_;
};

}  // namespace gw::kernel
