#include "tests/fake/fake_kernel.hpp"

#include "daemon/kernel/nft/netlink.hpp"

namespace gw::test {

std::expected<kernel::Observed, kernel::KernelError> FakeKernel::observe(const kernel::Scope& scope) {
    kernel::Observed out;
    if (scope.nft) {
        auto rs = nft.observe();
        if (!rs) return std::unexpected(rs.error());
        out.nft = std::move(*rs);
        out.nft_generation = nft.generation();
    }
    out.net = net.observe(scope.sysctls);
    if (scope.net) {
        out.addresses = net.addresses();
    } else {
        out.net.links.clear();
        out.net.addresses.clear();
        out.net.routes.clear();
        out.net.rules.clear();
    }
    return out;
}

// As the real kernel layer does: the decoded form unless the compiled
// ruleset is taken as it is.
std::expected<kernel::Prepared, kernel::KernelError> FakeKernel::prepare(nft::Ruleset desired,
                                                                         kernel::KernelForm form) {
    if (form == kernel::KernelForm::as_compiled)
        return kernel::Prepared{std::move(desired), nullptr};
    auto decoded = kernel::as_kernel_holds(desired);
    if (!decoded) return std::unexpected(decoded.error());
    return kernel::Prepared{std::move(*decoded), nullptr};
}

// The fake observes sets whole, deferred or not: nothing to fill in.
std::expected<kernel::Prepared, kernel::KernelError> FakeKernel::prepare_against(nft::Ruleset desired,
                                                                                 kernel::Observed& observed) {
    auto form = observed.nft.tables.empty() ? kernel::KernelForm::as_compiled : kernel::KernelForm::decoded;
    return prepare(std::move(desired), form);
}

kernel::ApplyOutcome FakeKernel::apply(const plan::Plan& plan) {
    kernel::ApplyOutcome out;
    std::expected<void, kernel::KernelError> done;
    if (plan.nft.kind == nft::ChangeKind::elements)
        done = nft.replace_elements(plan.nft.elements, kernel::ApplyMode::commit);
    else if (plan.nft.kind == nft::ChangeKind::structure)
        done = nft.apply(plan.nft.desired, kernel::ApplyMode::commit);
    if (!done) {
        out.errors.push_back(done.error());
        return out;
    }
    out.nft_in_sync = true;
    if (plan.net.empty()) return out;
    auto report = net.apply(plan.net.ops);
    if (!report) {
        out.errors.push_back(report.error());
        return out;
    }
    out.net_applied = report->applied;
    for (auto& e : report->transient) out.errors.push_back(std::move(e));
    return out;
}

std::expected<void, kernel::KernelError> FakeKernel::check(const plan::Plan& plan) {
    return nft.apply(plan.nft.desired, kernel::ApplyMode::check);
}

}  // namespace gw::test
