#include "daemon/kernel/linux_kernel.hpp"

#include "daemon/kernel/nft/netlink.hpp"
#include "daemon/kernel/rtnl/apply.hpp"
#include "daemon/kernel/rtnl/observe.hpp"

namespace gw::kernel {

std::expected<std::unique_ptr<LinuxKernel>, KernelError> LinuxKernel::open(OnTransient on_transient) {
    auto nft = NftNetlink::open();
    if (!nft) return std::unexpected(nft.error());
    return std::unique_ptr<LinuxKernel>(new LinuxKernel(std::move(*nft), on_transient));
}

LinuxKernel::LinuxKernel(std::unique_ptr<NftNetlink> nft, OnTransient on_transient)
    : nft_(std::move(nft)), on_transient_(on_transient) {}
LinuxKernel::~LinuxKernel() = default;

std::expected<Observed, KernelError> LinuxKernel::observe(const Scope& scope) {
    Observed out;
    if (scope.nft) {
        auto rs = nft_->observe(&out.nft_generation, scope.defer_set_elements ? &out.nft_elements : nullptr);
        if (!rs) return std::unexpected(rs.error());
        out.nft = std::move(*rs);
    }
    if (scope.net) {
        auto view = observe_net();
        if (!view) return std::unexpected(view.error());
        out.net = std::move(view->net);
        out.addresses = std::move(view->addresses);
    }
    out.net.sysctls = read_sysctls(scope.sysctls);
    return out;
}

std::expected<Prepared, KernelError> LinuxKernel::prepare(nft::Ruleset desired, KernelForm form) {
    return nft_->prepare(std::move(desired), form);
}

std::expected<Prepared, KernelError> LinuxKernel::prepare_against(nft::Ruleset desired, Observed& observed) {
    return nft_->prepare_against(std::move(desired), observed.nft, observed.nft_elements.get());
}

namespace {

std::expected<void, KernelError> apply_nft(NftNetlink& nft, const plan::NftPlan& p, ApplyMode mode) {
    switch (p.kind) {
    case nft::ChangeKind::none: return {};
    case nft::ChangeKind::elements: return nft.replace_elements(p.elements, mode);
    case nft::ChangeKind::structure: break;
    }
    return nft.replace(p.desired, p.encoded.get(), mode);
}

}  // namespace

ApplyOutcome LinuxKernel::apply(const plan::Plan& plan) {
    ApplyOutcome out;
    if (auto done = apply_nft(*nft_, plan.nft, ApplyMode::commit); !done) {
        out.errors.push_back(done.error());
        return out;
    }
    out.nft_in_sync = true;
    if (plan.net.empty()) return out;
    auto report = apply_netstate_ops(plan.net.ops, on_transient_);
    if (!report) {
        out.errors.push_back(report.error());
        return out;
    }
    out.net_applied = report->applied;
    for (auto& e : report->transient) out.errors.push_back(std::move(e));
    return out;
}

std::expected<std::uint32_t, KernelError> LinuxKernel::nft_generation() {
    return nft_->generation();
}

std::expected<void, KernelError> LinuxKernel::check(const plan::Plan& plan) {
    return nft_->replace(plan.nft.desired, plan.nft.encoded.get(), ApplyMode::check);
}

}  // namespace gw::kernel
