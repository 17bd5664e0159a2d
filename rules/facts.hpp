// What compilation needs to know about the live system beyond the config:
// the uplinks' current addresses, resolved users/groups, and what the
// running kernel supports. Gathered by the daemon (or gwctl) and passed in,
// so compilation itself stays pure and testable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/net/address.hpp"

namespace gw::rules {

struct KernelFeatures {
    bool broute = false;            // meta broute (nft_meta_bridge, Linux >= 6.4)
    bool bridge_conntrack = false;  // nf_conntrack_bridge (ct in the bridge family)
    bool br_netfilter = true;       // bridge-nf-call-ip6tables
    bool flowtable = false;         // nf_flow_table: flowtables and `flow add` (firewall.fast-path)
    friend bool operator==(const KernelFeatures&, const KernelFeatures&) = default;
};

// Whether compiling `cfg` reads KernelFeatures at all: only the IPv6 bridge
// split (its path) and the fast path (the flowtable) do. A one-shot apply
// of a config that needs neither skips the probes, each a kernel
// transaction that waits for an RCU grace period.
bool compile_reads_kernel_features(const config::Config& cfg);
// What an uplink's DHCPv6 client holds now: the delegated prefix, its
// lifetimes as last received, the DNS servers that came with it, and the
// prefixes it replaced, still announced on the LAN with lifetime 0 so hosts
// deprecate their addresses in them. No prefix once the delegation is gone
// (released or expired) while earlier ones are still being deprecated.
struct Delegation {
    std::optional<net::Prefix> prefix;
    std::uint32_t preferred = 0;  // seconds
    std::uint32_t valid = 0;      // seconds
    std::vector<net::Address> dns;
    std::vector<net::Prefix> retired;
    friend bool operator==(const Delegation&, const Delegation&) = default;
};

struct Facts {
    // uplink name -> its current addresses (empty while down)
    std::map<std::string, std::vector<net::Address>, std::less<>> uplink_addresses;
    // uplink name -> its current kernel interface name (ppp links are named after the uplink)
    std::map<std::string, std::string, std::less<>> uplink_ifnames;
    // map-e uplink name -> the addresses on the link its end-user prefix lives
    // on (mape::ipv6_link()), from which the CE is derived
    std::map<std::string, std::vector<net::Address>, std::less<>> mape_link_addresses;
    std::map<std::string, std::uint32_t, std::less<>> uids;  // user name -> uid
    std::map<std::string, std::uint32_t, std::less<>> gids;  // group name -> gid
    // uplink name -> its delegated prefix (uplinks with dhcpv6-pd that hold one)
    std::map<std::string, Delegation, std::less<>> delegations;
    KernelFeatures kernel;
    // The kernel links that exist now, read only when the fast path is on (a
    // flowtable can only hold existing devices); absent when unknown, as in
    // an offline render, which then takes every configured link as present.
    std::optional<std::set<std::string, std::less<>>> links;
    friend bool operator==(const Facts&, const Facts&) = default;
};

// The kernel interface an uplink's traffic uses: what the facts say (the
// daemon knows the live name), else the name gatewayd gives it.
std::string uplink_ifname(const config::Uplink& uplink, const Facts& facts);
std::string default_uplink_ifname(const config::Uplink& uplink);
// Whether an enabled uplink's link is there to use: a next-hop uplink's
// always, a PPPoE one's once its session gave the link an address.
bool uplink_is_up(const config::Uplink& uplink, const Facts& facts);
// An uplink's own IPv4 addresses: what the kernel has now (facts) and, for a
// next-hop uplink, what `interfaces` puts on its device, so what depends on
// them (the from-rule, the forwards and hairpin) is there in the same
// reconcile that adds the address, and in an offline render.
std::vector<net::Address> uplink_ipv4_addresses(const config::Config& cfg, const config::Uplink& uplink,
                                                const Facts& facts);
// The links the fast path's flowtable holds: every enabled interface and
// uplink link that exists now (all of them when facts.links is unknown),
// except the links of zones with `fast-path: false`, sorted.
std::vector<std::string> fastpath_devices(const config::Config& cfg, const Facts& facts);

}  // namespace gw::rules
