#include "daemon/reconcile/reconciler.hpp"

#include <cstring>

#include "rules/netstate/compile.hpp"
#include "rules/nft/compile.hpp"

namespace gw::reconcile {
namespace {

Problem one_problem(const kernel::KernelError& e) {
    std::string msg;
    switch (e.stage) {
    case kernel::ErrorStage::encode: msg = "cannot " + e.operation + ": " + e.message; break;
    case kernel::ErrorStage::system: msg = e.operation + ": " + std::strerror(e.error); break;
    case kernel::ErrorStage::kernel:
        msg = "kernel rejected " + e.operation + ": " + std::strerror(e.error);
        break;
    }
    if (e.stage != kernel::ErrorStage::encode && !e.message.empty()) msg += " (" + e.message + ")";
    return {msg, e.origin, e.transient()};
}

void add_problems(ReconcileResult& r, std::vector<Problem> problems) {
    for (auto& p : problems) r.errors.push_back(std::move(p));
}

}  // namespace

std::vector<Problem> problems_of(const kernel::KernelError& e) {
    std::vector<Problem> out{one_problem(e)};
    for (const auto& m : e.more) out.push_back(one_problem(m));
    return out;
}

void add_problems(std::vector<Problem>& to, const kernel::KernelError& e) {
    for (auto& p : problems_of(e)) to.push_back(std::move(p));
}

Reconciler::Reconciler(kernel::NftBackend& nft, kernel::NetBackend& net, const host::Accounts& accounts,
                       FeatureProbe probe)
    : nft_(nft), net_(net), accounts_(accounts), probe_(std::move(probe)) {}

ReconcileResult Reconciler::run(const config::LoadedConfig& cfg, Mode mode) {
    ReconcileResult r;
    if (!observe(cfg, r)) return r;
    if (mode == Mode::diff) return r;
    if (mode == Mode::check) {
        check_nft(r);
        return r;
    }
    apply_nft(r);
    if (r.nft_in_sync) apply_net(r);
    return r;
}

// Gathers facts, compiles, observes and diffs both halves; false when
// something stopped the run before anything could be compared.
bool Reconciler::observe(const config::LoadedConfig& cfg, ReconcileResult& r) {
    std::vector<Problem> problems;
    r.facts = gather_facts(cfg.config, problems);
    if (!problems.empty()) {
        add_problems(r, std::move(problems));
        return false;
    }
    desired_nft_ = rules::compile_ruleset(cfg.config, r.facts);
    auto desired_net = netstate::compile_netstate(cfg.config, r.facts);
    auto canonical = kernel::canonicalize(desired_nft_);
    if (!canonical) {
        add_problems(r, problems_of(canonical.error()));
        return false;
    }
    auto observed = nft_.observe();
    if (!observed) {
        add_problems(r, problems_of(observed.error()));
        return false;
    }
    auto observed_net = net_.observe(desired_net);
    if (!observed_net) {
        add_problems(r.errors, observed_net.error());
        return false;
    }
    nft_diff_ = nft::diff_rulesets(*canonical, *observed);
    net_diff_ = netstate::diff_netstate(desired_net, *observed_net);
    r.nft_change = nft_diff_.kind;
    r.nft_diff = nft_diff_.text;
    r.net_diff = net_diff_.text;
    r.nft_in_sync = nft_diff_.kind == nft::ChangeKind::none;
    r.changed = !r.nft_in_sync || !net_diff_.empty();
    return true;
}

void Reconciler::check_nft(ReconcileResult& r) {
    if (auto ok = nft_.apply(desired_nft_, kernel::ApplyMode::check); !ok)
        add_problems(r, problems_of(ok.error()));
}

void Reconciler::apply_nft(ReconcileResult& r) {
    if (nft_diff_.kind == nft::ChangeKind::none) return;
    std::expected<void, kernel::KernelError> done;
    if (nft_diff_.kind == nft::ChangeKind::elements) {
        std::vector<kernel::ElementUpdate> updates;
        for (const auto& ref : nft_diff_.changed_sets)
            for (const auto& t : desired_nft_.tables)
                if (t.family == ref.family && t.name == ref.table)
                    for (const auto& s : t.sets)
                        if (s.name == ref.set) updates.push_back({ref.family, ref.table, s});
        done = nft_.replace_elements(updates, kernel::ApplyMode::commit);
    } else {
        done = nft_.apply(desired_nft_, kernel::ApplyMode::commit);
    }
    if (!done) {
        add_problems(r, problems_of(done.error()));
        return;
    }
    r.nft_in_sync = true;
}

void Reconciler::apply_net(ReconcileResult& r) {
    if (net_diff_.empty()) return;
    auto report = net_.apply(net_diff_.ops);
    if (!report) {
        add_problems(r.errors, report.error());
        return;
    }
    r.net_applied = report->applied;
    for (const auto& e : report->transient) add_problems(r.errors, e);
}

}  // namespace gw::reconcile
