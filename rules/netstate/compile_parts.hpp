// The pieces compile_netstate() is made of, one per config section, and the
// small facts about uplinks they share. Internal to rules/netstate.
#pragma once

#include <string>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/netstate/model.hpp"

namespace gw::netstate::detail {

// The kernel link an uplink's traffic leaves through: rules::uplink_ifname.
using rules::uplink_ifname;
using rules::uplink_is_up;
bool uplink_has_ipv4(const config::Uplink& u, const rules::Facts& facts);
// The kernel stores IPv6 metric 0 as 1024; compiling the same keeps diffs empty.
std::uint32_t kernel_metric(net::Family family, std::uint32_t metric);

void compile_interfaces(const config::Config& cfg, NetState& out);
void compile_uplinks(const config::Config& cfg, const rules::Facts& facts, NetState& out);
void compile_sysctls(const config::Config& cfg, const rules::Facts& facts, NetState& out);
// compile_lan_ipv6.cpp: LAN addresses out of delegated prefixes, IPv6 forwarding.
void compile_lan_ipv6(const config::Config& cfg, const rules::Facts& facts, NetState& out);
// compile_bridge.cpp: the ipv6.bridge-split bridge, its ports and sysctls;
// runs last (it moves the bridge to the front of the links, and its
// sysctls win over the general ones).
void compile_bridge(const config::Config& cfg, const rules::Facts& facts, NetState& out);
// compile_mape.cpp: map-e tunnels, CE addresses (after the bridge: the CE
// address may live on the split's bridge).
void compile_mape(const config::Config& cfg, const rules::Facts& facts, NetState& out);
// compile_rules.cpp: policy rules of `routing` (several uplinks, pins).
void compile_rules(const config::Config& cfg, const rules::Facts& facts, NetState& out);

}  // namespace gw::netstate::detail
