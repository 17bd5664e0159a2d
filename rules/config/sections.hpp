// The section parsers and validators that parse_config() runs in order.
// Each section parser reads one top-level key into the Config and reports
// what is wrong locally; validate_* then check what spans sections
// (references, overlaps, lockout) on the assembled Config.
#pragma once

#include "rules/config/model.hpp"
#include "rules/config/parse.hpp"
#include "rules/config/parse_values.hpp"
#include "rules/config/yaml_tree.hpp"

namespace gw::config {

void parse_interfaces(Reader& r, const Node& n, Config& cfg);
void parse_uplinks(Reader& r, const Node& n, Config& cfg);
// The keys only one uplink kind accepts (its entry in uplink_kinds.cpp names it).
void parse_pppoe_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up);
void parse_next_hop_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up);
void parse_map_e_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up);  // parse_mape.cpp
// on-up, on-down, resolv-conf and use-dns: true belong to a PPPoE session; refused on `kind`.
void refuse_session_keys(Reader& r, const Node& n, const std::string& path, std::string_view kind);
// `ipv6` and `dhcpv6-pd`, common to every kind (parse_uplink_ipv6.cpp);
// runs once the kind is known, since the kind sets the default.
void parse_uplink_ipv6(Reader& r, const Node& n, const std::string& path, Uplink& up);
// interfaces.<name>.ipv6: delegation, router advertisements, pinholes.
std::optional<LanIpv6> parse_lan_ipv6(Reader& r, const Node& n, const std::string& path);
// The interfaces' ipv6 sections against the uplinks they delegate from.
void validate_lan_ipv6(Reader& r, const Config& cfg);
void parse_zones(Reader& r, const Node& n, Config& cfg);
void parse_sets(Reader& r, const Node& n, Config& cfg);
void parse_nat(Reader& r, const Node& n, Config& cfg);
void parse_firewall(Reader& r, const Node& n, Config& cfg);
void parse_ipv6(Reader& r, const Node& n, Config& cfg);
void parse_egress(Reader& r, const Node& n, Config& cfg);
void parse_routing(Reader& r, const Node& n, Config& cfg);
void parse_ha(Reader& r, const Node& n, Config& cfg);
// Defaults that depend on the chain (log prefixes), applied with or without
// a firewall section.
void set_firewall_defaults(Config& cfg);

// Where a firewall rule sits decides which keys it may have.
enum class RuleSite {
    input,          // firewall.input.rules: from, no to
    forward,        // firewall.forward.rules: from and to
    output,         // firewall.output.rules: to, no from
    allow_inbound,  // ipv6.bridge-split.allow-inbound: allow only, no from/to
};
std::optional<FirewallRule> parse_rule(Reader& r, const Node& n, const std::string& path, RuleSite site);
// Checks shared by firewall and egress rules: `port` needs tcp/udp/both,
// addresses and icmp protocols must agree with `family`.
void check_rule_shape(Reader& r, const Node& map, const std::string& path, const Located<Proto>& proto,
                      const Located<Family>& family, const AddressMatch& src, const AddressMatch& dst);

// Built-in address sets (rfc1918, loopback, link-local, ula, documentation).
std::vector<AddressSet> builtin_sets();
bool is_builtin_set(std::string_view name);

void validate_refs(Reader& r, const Config& cfg);
void validate_nat(Reader& r, const Config& cfg);
void validate_mape(Reader& r, const Config& cfg);  // validate_mape.cpp: forwards inside the port set
void validate_semantics(Reader& r, const Config& cfg, const HostFacts* host);
// The ha section against the rest of the file (links, uplinks) and, with a
// host, the binaries and the secret files it names.
void validate_ha(Reader& r, const Config& cfg, const HostFacts* host);

}  // namespace gw::config
