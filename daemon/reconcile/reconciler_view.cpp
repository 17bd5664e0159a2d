// The Reconciler's run on its AppliedView (applied_view.hpp), for kernel
// events: links and addresses are read as always, gatewayd's tables are
// not. Only the sets that follow uplink addresses are compiled, put in the
// kernel's form and compared with what the last apply left; the netlink part
// is planned as in a full run. Anything that makes the view doubtful (another
// config, other facts, an nft generation that moved, a set that differs in
// more than elements) sends the run the full way, which dumps and repairs.
#include "daemon/reconcile/reconciler.hpp"

namespace gw::reconcile {

std::optional<ReconcileResult> Reconciler::run_on_view(const config::LoadedConfig& cfg) {
    // The generation first: a change by hand or another tool's commit is
    // the common reason to go the full way, and then nothing is read twice.
    auto base = kernel_.nft_generation();
    if (!base || *base != view_->generation) return std::nullopt;
    ReconcileResult r;
    r.from_view = true;
    auto observed = kernel_.observe({.nft = false, .net = true, .sysctls = {}});
    if (!observed || !gather(cfg, observed->addresses, r) || !view_fits(*view_, cfg, r.facts)) return std::nullopt;
    auto wanted = kernel_.prepare(wanted_uplink_sets(*view_, cfg.config, r.facts), kernel::KernelForm::decoded);
    if (!wanted) return std::nullopt;
    auto nft = plan::plan_set_elements(wanted->kernel_form, view_->uplink_sets);
    if (!nft) return std::nullopt;
    auto net = plan_netlink(cfg.config, r.facts, std::move(observed->net), r);
    if (!net) return r;
    plan::Plan p{std::move(*nft), std::move(*net)};
    describe_plan(p, r);
    apply(p, r);
    auto now = generation_after(r, p.nft.kind, *base);
    if (!now) {
        view_.reset();
        return r;
    }
    view_->uplink_sets = std::move(wanted->kernel_form);
    view_->facts = r.facts;
    view_->generation = *now;
    return r;
}

void Reconciler::remember(const config::LoadedConfig& cfg, const ReconcileResult& r, const plan::NftPlan& nft,
                          std::uint32_t base) {
    view_.reset();
    if (auto now = generation_after(r, nft.kind, base))
        view_ = make_applied_view(cfg, r.facts, nft.desired, *now);
}

// A commit moves the generation by one: any other value means someone else
// committed between `base` and now, and what the kernel holds is unknown.
std::optional<std::uint32_t> Reconciler::generation_after(const ReconcileResult& r, nft::ChangeKind kind,
                                                          std::uint32_t base) {
    if (!r.nft_in_sync) return std::nullopt;
    if (kind == nft::ChangeKind::none) return base;
    auto now = kernel_.nft_generation();
    if (!now || *now != base + 1) return std::nullopt;
    return *now;
}

}  // namespace gw::reconcile
