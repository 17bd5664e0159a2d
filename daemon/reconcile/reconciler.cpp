#include "daemon/reconcile/reconciler.hpp"

#include <cstring>

#include "rules/netstate/compile.hpp"
#include "rules/netstate/owner.hpp"
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

Reconciler::Reconciler(kernel::Kernel& kernel, const host::Accounts& accounts, FeatureProbe probe)
    : kernel_(kernel), accounts_(accounts), probe_(std::move(probe)) {}

ReconcileResult Reconciler::run(const config::LoadedConfig& cfg, Mode mode) {
    ReconcileResult r;
    auto observed = observe(r);
    if (!observed) return r;
    auto plan = make_plan(cfg, std::move(*observed), r);
    if (!plan || mode == Mode::diff) return r;
    if (mode == Mode::check) {
        if (auto ok = kernel_.check(*plan); !ok) add_problems(r, problems_of(ok.error()));
        return r;
    }
    apply(*plan, r);
    return r;
}

std::optional<kernel::Observed> Reconciler::observe(ReconcileResult& r) {
    auto observed = kernel_.observe({.nft = true, .net = true, .sysctls = {}});
    if (!observed) {
        add_problems(r, problems_of(observed.error()));
        return std::nullopt;
    }
    return std::move(*observed);
}

namespace {

std::vector<std::string> sysctl_paths(const netstate::NetState& desired) {
    std::vector<std::string> out;
    for (const auto& s : desired.sysctls) out.push_back(s.path);
    return out;
}

}  // namespace

std::optional<plan::Plan> Reconciler::make_plan(const config::LoadedConfig& cfg, kernel::Observed observed,
                                                ReconcileResult& r) {
    std::vector<Problem> problems;
    r.facts = gather_facts(cfg.config, observed.addresses, problems);
    if (!problems.empty()) {
        add_problems(r, std::move(problems));
        return std::nullopt;
    }
    auto desired_net = netstate::compile_netstate(cfg.config, r.facts);
    auto prepared = kernel_.prepare(rules::compile_ruleset(cfg.config, r.facts));
    auto sysctls = kernel_.observe({.nft = false, .net = false, .sysctls = sysctl_paths(desired_net)});
    for (const auto* e : {prepared ? nullptr : &prepared.error(), sysctls ? nullptr : &sysctls.error()})
        if (e) add_problems(r, problems_of(*e));
    if (!r.errors.empty()) return std::nullopt;
    observed.net.sysctls = std::move(sysctls->net.sysctls);
    plan::Plan p;
    p.nft = plan::plan_nft(std::move(prepared->kernel_form), observed.nft, std::move(prepared->encoded));
    p.net = plan::plan_net(desired_net, netstate::restrict_to_scope(observed.net, desired_net));
    r.nft_change = p.nft.kind;
    r.nft_diff = p.nft.text;
    r.net_diff = p.net.text;
    r.nft_in_sync = p.nft.kind == nft::ChangeKind::none;
    r.changed = !p.empty();
    return p;
}

void Reconciler::apply(const plan::Plan& plan, ReconcileResult& r) {
    if (plan.empty()) return;
    auto outcome = kernel_.apply(plan);
    r.nft_in_sync = outcome.nft_in_sync;
    r.net_applied = outcome.net_applied;
    for (const auto& e : outcome.errors) add_problems(r.errors, e);
}

}  // namespace gw::reconcile
