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

ReconcileResult Reconciler::run(const config::LoadedConfig& cfg, Mode mode, Observe how) {
    if (mode == Mode::apply && how == Observe::since_last_apply && view_)
        if (auto r = run_on_view(cfg)) return std::move(*r);
    ReconcileResult r;
    auto observed = observe(r);
    if (!observed) return r;
    auto base = observed->nft_generation;
    auto plan = make_plan(cfg, std::move(*observed), r);
    if (!plan || mode == Mode::diff) return r;
    if (mode == Mode::check) {
        if (auto ok = kernel_.check(*plan); !ok) add_problems(r, problems_of(ok.error()));
        return r;
    }
    apply(*plan, r);
    remember(cfg, r, plan->nft, base);
    return r;
}

std::optional<kernel::Observed> Reconciler::observe(ReconcileResult& r) {
    auto observed = kernel_.observe({.nft = true, .defer_set_elements = true, .net = true, .sysctls = {}});
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

bool Reconciler::gather(const config::LoadedConfig& cfg, const kernel::AddressMap& addresses, ReconcileResult& r) {
    std::vector<Problem> problems;
    r.facts = gather_facts(cfg.config, addresses, problems);
    add_problems(r, std::move(problems));
    return r.errors.empty();
}

std::optional<plan::NetPlan> Reconciler::plan_netlink(const config::Config& cfg, const rules::Facts& facts,
                                                      netstate::NetState observed, ReconcileResult& r) {
    auto desired = netstate::compile_netstate(cfg, facts);
    auto sysctls = kernel_.observe({.nft = false, .net = false, .sysctls = sysctl_paths(desired)});
    if (!sysctls) {
        add_problems(r, problems_of(sysctls.error()));
        return std::nullopt;
    }
    observed.sysctls = std::move(sysctls->net.sysctls);
    return plan::plan_net(desired, netstate::restrict_to_scope(observed, desired));
}

std::optional<plan::Plan> Reconciler::make_plan(const config::LoadedConfig& cfg, kernel::Observed observed,
                                                ReconcileResult& r) {
    if (!gather(cfg, observed.addresses, r)) return std::nullopt;
    auto prepared = kernel_.prepare_against(rules::compile_ruleset(cfg.config, r.facts), observed);
    if (!prepared) add_problems(r, problems_of(prepared.error()));
    auto net = plan_netlink(cfg.config, r.facts, std::move(observed.net), r);
    if (!r.errors.empty()) return std::nullopt;
    plan::Plan p;
    p.nft = plan::plan_nft(std::move(prepared->kernel_form), std::move(observed.nft),
                           std::move(prepared->encoded), prepared->same_elements);
    p.net = std::move(*net);
    describe_plan(p, r);
    return p;
}

void describe_plan(const plan::Plan& plan, ReconcileResult& r) {
    r.nft_change = plan.nft.kind;
    r.nft_diff = plan.nft.text;
    r.net_diff = plan.net.text;
    r.nft_in_sync = plan.nft.kind == nft::ChangeKind::none;
    r.changed = !plan.empty();
}

void Reconciler::apply(const plan::Plan& plan, ReconcileResult& r) {
    if (plan.empty()) return;
    auto outcome = kernel_.apply(plan);
    r.nft_in_sync = outcome.nft_in_sync;
    r.net_applied = outcome.net_applied;
    for (const auto& e : outcome.errors) add_problems(r.errors, e);
}

}  // namespace gw::reconcile
