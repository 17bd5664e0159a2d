// Gathering Facts: what compilation needs to know about the live system.
// Uplink addresses come from one address dump of the uplinks' interfaces
// (a PPPoE uplink's interface is named after it; a next-hop uplink's is its
// device); users and groups of egress rules from the system's databases. A
// user that does not exist is a fatal problem: nothing is applied.
#include <set>

#include "daemon/reconcile/reconciler.hpp"

namespace gw::reconcile {

void resolve_owners(const config::Config& cfg, const Accounts& accounts, rules::Facts& facts,
                    std::vector<Problem>& problems) {
    for (const auto& rule : cfg.egress) {
        for (const auto& user : rule.users) {
            if (auto uid = accounts.uid(user.value)) facts.uids[user.value] = *uid;
            else problems.push_back({"user \"" + user.value + "\" does not exist", user.loc, false});
        }
        for (const auto& group : rule.groups) {
            if (auto gid = accounts.gid(group.value)) facts.gids[group.value] = *gid;
            else problems.push_back({"group \"" + group.value + "\" does not exist", group.loc, false});
        }
    }
}

rules::Facts Reconciler::gather_facts(const config::Config& cfg, std::vector<Problem>& problems) {
    rules::Facts facts;
    facts.kernel = features();
    std::set<std::string> ifnames;
    for (const auto& u : cfg.uplinks) {
        facts.uplink_ifnames[u.name.value] = rules::default_uplink_ifname(u);
        ifnames.insert(rules::default_uplink_ifname(u));
    }
    resolve_owners(cfg, accounts_, facts, problems);
    if (ifnames.empty()) return facts;
    auto addresses = net_.observe_addresses({ifnames.begin(), ifnames.end()});
    if (!addresses) {
        add_problems(problems, addresses.error());
        return facts;
    }
    for (const auto& u : cfg.uplinks) {
        auto it = addresses->find(rules::default_uplink_ifname(u));
        facts.uplink_addresses[u.name.value] =
            it != addresses->end() ? it->second : std::vector<net::Address>{};
    }
    return facts;
}

const rules::KernelFeatures& Reconciler::features() {
    if (!features_) features_ = probe_ ? probe_() : rules::KernelFeatures{};
    return *features_;
}

}  // namespace gw::reconcile
