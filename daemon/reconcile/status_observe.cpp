// Reconciler::observe_status: what `gwctl status` needs from the kernel,
// read without changing anything: gatewayd's ruleset with its counters,
// and the config's links with their state and addresses.
#include <set>

#include "daemon/reconcile/reconciler.hpp"
#include "rules/netstate/owner.hpp"

namespace gw::reconcile {
namespace {

// The links status reports on: every interface device and uplink interface.
netstate::NetState link_scope(const config::Config& cfg, const rules::Facts& facts) {
    std::set<std::string> names;
    for (const auto& i : cfg.interfaces) names.insert(i.device.value);
    for (const auto& [uplink, ifname] : facts.uplink_ifnames) names.insert(ifname);
    netstate::NetState scope;
    for (const auto& n : names) scope.links.push_back(netstate::Link{.name = n, .manage_addresses = false});
    return scope;
}

void add_config_links(const kernel::Observed& observed, const config::Config& cfg, const rules::Facts& facts,
                      status::StatusReport& out) {
    auto links = netstate::restrict_to_scope(observed.net, link_scope(cfg, facts));
    status::add_links(cfg, facts, links, observed.addresses, out);
}

}  // namespace

status::StatusReport Reconciler::observe_status(const config::Config* cfg) {
    status::StatusReport out;
    out.kernel.features = features();
    auto observed = kernel_.observe({.nft = true, .net = cfg != nullptr, .sysctls = {}});
    if (!observed) {
        for (const auto& p : problems_of(observed.error())) out.errors.push_back(p.message);
        observed = kernel::Observed{};
    }
    status::add_ruleset_counters(observed->nft, out);
    if (!cfg) return out;
    out.kernel.ipv6_split = status::split_path(*cfg, out.kernel.features);
    out.kernel.fast_path = status::fast_path(*cfg, out.kernel.features, observed->nft);
    std::vector<Problem> problems;
    auto facts = gather_facts(*cfg, observed->addresses, problems);
    for (const auto& p : problems) out.errors.push_back(p.message);
    add_config_links(*observed, *cfg, facts, out);
    status::order_forwards(*cfg, out);
    return out;
}

}  // namespace gw::reconcile
