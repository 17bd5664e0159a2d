// Config + facts -> the nftables ruleset gatewayd wants: one inet table
// (filter, NAT, port forwards, drop logging). Pure and deterministic: the
// same inputs give the same Ruleset, so the daemon can diff it against what
// the kernel holds. Every object carries the config Loc that produced it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/nft/ruleset.hpp"

namespace gw::rules {

nft::Ruleset compile_ruleset(const config::Config& config, const Facts& facts);

// The sets whose elements follow the uplinks' addresses, filled from
// `facts` exactly as compile_ruleset() fills them: the set of every
// uplink's address (kUplinkAddr4Set) and each uplink's own
// ("uplink_<name>_addr4"). A compiled ruleset holds those its rules use.
// Nothing else in it depends on Facts::uplink_addresses, so a reconcile
// caused only by an address change recompiles these and nothing more.
std::vector<nft::Set> compile_uplink_address_sets(const config::Config& config, const Facts& facts);

// Names and comments status and the daemon look for in a compiled ruleset.
// Rule comments are config rule/forward names; names the compiler invents
// start with "gw:" (config names cannot contain ':').
inline constexpr std::string_view kCommentPolicy = "gw:policy";        // last rule of input/forward/output: what the policy gets
inline constexpr std::string_view kCommentForwards = "gw:forwards";    // forward-chain accept of port-forwarded connections
inline constexpr std::string_view kUplinkIfSet = "uplink_if";          // every uplink's interface name
inline constexpr std::string_view kUplinkAddr4Set = "uplink_addr4";    // every uplink's IPv4 address (hairpin)
inline constexpr std::string_view kForwardAllow4Set = "fwd4_allow";    // server . proto . port of open forwards; one counter per element
// forwards with `from` (and open port ranges): "fwd4_src_allow_tcp"/"_udp", source . server . port

// The NFLOG group every log statement sends to: the daemon binds it in its
// namespace and writes each packet to the journal. Per namespace, so
// several daemons in several namespaces never share one; a number unlikely
// to meet ulogd's usual small groups.
inline constexpr std::uint16_t kDropLogGroup = 4747;

// "zone_<zone>_if": the set of a zone's interface names.
std::string zone_set_name(std::string_view zone);

}  // namespace gw::rules
