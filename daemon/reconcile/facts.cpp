// Gathering Facts: what compilation needs to know about the live system.
// Uplink addresses come from the reconcile's one observation of the kernel
// (a PPPoE uplink's interface is named after it; a next-hop uplink's is its
// device; a MAP-E uplink's is its CE's, derived from its IPv6 link's prefix); users and groups of egress rules from the system's databases. A
// user that does not exist is a fatal problem: nothing is applied.
#include "daemon/reconcile/reconciler.hpp"
#include "rules/mape/uplink.hpp"
#include "rules/split_path.hpp"

namespace gw::reconcile {

namespace {

// Allow and deny lists resolve the same way; the problem points at the
// name's own place in the config so the operator sees which list it is in.
void resolve_names(const config::Names& names, bool user, const host::Accounts& accounts,
                   rules::Facts& facts, std::vector<Problem>& problems) {
    for (const auto& name : names) {
        auto id = user ? accounts.uid(name.value) : accounts.gid(name.value);
        if (id) (user ? facts.uids : facts.gids)[name.value] = *id;
        else problems.push_back({std::string(user ? "user" : "group") + " \"" + name.value + "\" does not exist",
                                 name.loc, false});
    }
}

}  // namespace

void resolve_owners(const config::Config& cfg, const host::Accounts& accounts, rules::Facts& facts,
                    std::vector<Problem>& problems) {
    for (const auto& rule : cfg.egress) {
        resolve_names(rule.users, true, accounts, facts, problems);
        resolve_names(rule.groups, false, accounts, facts, problems);
        resolve_names(rule.deny_users, true, accounts, facts, problems);
        resolve_names(rule.deny_groups, false, accounts, facts, problems);
    }
}

rules::Facts Reconciler::gather_facts(const config::Config& cfg, const kernel::AddressMap& addresses,
                                      std::vector<Problem>& problems) {
    rules::Facts facts;
    if (rules::compile_reads_kernel_features(cfg)) facts.kernel = features();
    if (auto refusal = rules::split_refusal(cfg, facts.kernel))
        problems.push_back({refusal->message, refusal->loc, false});
    resolve_owners(cfg, accounts_, facts, problems);
    if (delegations_) facts.delegations = delegations_();
    for (const auto& u : cfg.uplinks) {
        auto ifname = rules::default_uplink_ifname(u);
        auto it = addresses.find(ifname);
        facts.uplink_ifnames[u.name.value] = ifname;
        facts.uplink_addresses[u.name.value] =
            it != addresses.end() ? it->second : std::vector<net::Address>{};
        if (u.map_e)
            if (auto v6 = addresses.find(mape::ipv6_link(cfg, u)); v6 != addresses.end())
                facts.mape_link_addresses[u.name.value] = v6->second;
    }
    // The flowtable can only hold links that exist; read them only when it
    // is wanted, so links coming and going cost nothing otherwise.
    if (cfg.fast_path_switch()) {
        facts.links.emplace();
        for (const auto& [ifname, addrs] : addresses) facts.links->insert(ifname);
    }
    // A MAP-E uplink's address is its CE's, derived from the prefix rather
    // than read back from the tunnel (which gatewayd itself configures).
    mape::fill_ce_addresses(cfg, facts);
    return facts;
}

const rules::KernelFeatures& Reconciler::features() {
    if (!features_) features_ = probe_ ? probe_() : rules::KernelFeatures{};
    return *features_;
}

}  // namespace gw::reconcile
