// Reconciler::observe_status: what `gwctl status` needs from the kernel,
// read without changing anything: gatewayd's ruleset with its counters,
// and the config's links with their state and addresses.
#include <set>

#include "daemon/reconcile/reconciler.hpp"

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

void add_config_links(kernel::NetBackend& net, const config::Config& cfg, const rules::Facts& facts,
                      status::StatusReport& out) {
    auto scope = link_scope(cfg, facts);
    auto links = net.observe(scope);
    std::vector<std::string> names;
    for (const auto& l : scope.links) names.push_back(l.name);
    auto addresses = net.observe_addresses(names);
    for (const auto* e : {links ? nullptr : &links.error(), addresses ? nullptr : &addresses.error()})
        if (e)
            for (const auto& p : problems_of(*e)) out.errors.push_back(p.message);
    status::add_links(cfg, facts, links ? *links : netstate::NetState{}, addresses ? *addresses : status::AddressMap{}, out);
}

}  // namespace

status::StatusReport Reconciler::observe_status(const config::Config* cfg) {
    status::StatusReport out;
    out.kernel.features = features();
    if (auto rs = nft_.observe(); rs) status::add_ruleset_counters(*rs, out);
    else
        for (const auto& p : problems_of(rs.error())) out.errors.push_back(p.message);
    if (!cfg) return out;
    out.kernel.ipv6_split = status::split_path(*cfg, out.kernel.features);
    std::vector<Problem> problems;
    auto facts = gather_facts(*cfg, problems);
    for (const auto& p : problems) out.errors.push_back(p.message);
    add_config_links(net_, *cfg, facts, out);
    status::order_forwards(*cfg, out);
    return out;
}

}  // namespace gw::reconcile
