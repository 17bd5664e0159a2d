#include "rules/ipv6/radvd_conf.hpp"

#include <algorithm>
#include <sstream>

#include "rules/ipv6/delegation.hpp"

namespace gw::ipv6 {

namespace {

std::uint32_t capped(std::uint32_t v, std::uint32_t cap) { return v == 0 ? cap : std::min(v, cap); }

void prefix_block(std::ostringstream& out, const net::Prefix& p, std::uint32_t preferred, std::uint32_t valid) {
    out << "    prefix " << p.str() << " {\n"
        << "        AdvOnLink on;\n"
        << "        AdvAutonomous on;\n"
        << "        AdvPreferredLifetime " << preferred << ";\n"
        << "        AdvValidLifetime " << valid << ";\n"
        << "    };\n";
}

std::vector<net::Address> dns_servers(const config::LanIpv6& lan, const rules::Delegation* d) {
    std::vector<net::Address> out;
    for (const auto& a : lan.ra.rdnss) out.push_back(a.value);
    if (out.empty() && d) out = d->dns;
    return out;
}

void interface_block(std::ostringstream& out, const LanPrefix& lp, const rules::Delegation* d) {
    const auto& lan = *lp.interface->ipv6;
    out << "interface " << lp.interface->link_name() << " {\n"
        << "    AdvSendAdvert on;\n"
        << "    MaxRtrAdvInterval " << *lan.ra.max_interval << ";\n"
        // RFC 4861's default (a third of the maximum), but radvd takes no
        // less than 3 s, which a 4 s maximum still allows (at most 3/4 of it).
        << "    MinRtrAdvInterval " << std::max<std::uint32_t>(3, *lan.ra.max_interval / 3) << ";\n";
    if (lan.ra.mtu) out << "    AdvLinkMTU " << lan.ra.mtu->value << ";\n";
    // RFC 7084 G-4: with no prefix from the uplink there is no IPv6 way out;
    // hosts must not keep the gateway as their IPv6 default router.
    if (!lp.prefix) out << "    AdvDefaultLifetime 0;\n";
    if (lp.prefix) {
        std::uint32_t valid = capped(d ? d->valid : 0, kMaxValid);
        std::uint32_t preferred = std::min(capped(d ? d->preferred : 0, kMaxPreferred), valid);
        prefix_block(out, *lp.prefix, preferred, valid);
    }
    for (const auto& old : lp.retired) prefix_block(out, old, 0, 0);
    auto dns = dns_servers(lan, lp.prefix ? d : nullptr);
    if (!dns.empty()) {
        out << "    RDNSS";
        for (const auto& a : dns) out << " " << a.str();
        out << " {\n    };\n";
    }
    out << "};\n";
}

}  // namespace

std::string render_radvd_conf(const config::Config& cfg, const rules::Facts& facts) {
    std::ostringstream out;
    for (const auto& lp : lan_prefixes(cfg, facts)) {
        if (!*lp.interface->ipv6->ra.enabled || (!lp.prefix && lp.retired.empty())) continue;
        auto d = facts.delegations.find(lp.interface->ipv6->from.value);
        interface_block(out, lp, d == facts.delegations.end() ? nullptr : &d->second);
    }
    if (out.tellp() == 0) return {};
    return "# written by gatewayd from gateway.yaml; changes here are overwritten\n" + out.str();
}

}  // namespace gw::ipv6
