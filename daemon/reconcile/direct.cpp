#include "daemon/reconcile/direct.hpp"

#include "daemon/kernel/probe/features.hpp"

namespace gw::reconcile {

std::expected<std::unique_ptr<DirectKernel>, std::string> DirectKernel::open() {
    std::unique_ptr<DirectKernel> k(new DirectKernel());
    auto kernel = kernel::LinuxKernel::open(kernel::OnTransient::undo_all);
    if (!kernel) return std::unexpected(kernel.error().describe());
    k->kernel_ = std::move(*kernel);
    auto* self = k.get();
    k->reconciler_ = std::make_unique<Reconciler>(*k->kernel_, k->accounts_,
                                                  [self] { return kernel::probe_kernel_features(*self->kernel_); });
    return k;
}

}  // namespace gw::reconcile
