#include "daemon/reconcile/direct.hpp"

#include "daemon/kernel/probe/features.hpp"

namespace gw::reconcile {

std::expected<std::unique_ptr<DirectKernel>, std::string> DirectKernel::open() {
    std::unique_ptr<DirectKernel> k(new DirectKernel());
    auto nft = kernel::NftNetlink::open();
    if (!nft) return std::unexpected(nft.error().describe());
    k->nft_ = std::move(*nft);
    auto* self = k.get();
    k->reconciler_ = std::make_unique<Reconciler>(*k->nft_, k->net_, k->accounts_,
                                                  [self] { return kernel::probe_kernel_features(*self->nft_); });
    return k;
}

}  // namespace gw::reconcile
