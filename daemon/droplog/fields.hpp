// The drop log's journal entries: one per packet a log statement sent to
// gatewayd's NFLOG group, with GW_* fields that `gwctl log` matches and
// prints. Pure (fields from a decoded packet); the daemon writes them
// (droplog.cpp), gwctl reads them back through sd-journal.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/kernel/nflog/decode.hpp"

namespace gw::droplog {

// MESSAGE_ID of every drop entry: gwctl log matches on it.
inline constexpr std::string_view kMessageId = "5c3b1a8f0e7d4c2b9a6f4e1d2c3b4a59";
inline constexpr std::string_view kIdentifier = "gatewayd";  // SYSLOG_IDENTIFIER

// The GW_* fields in the order they are written and printed.
inline constexpr std::string_view kFieldNames[] = {"GW_CLASS", "GW_CHAIN", "GW_IN", "GW_OUT", "GW_SRC",
                                                   "GW_DST", "GW_PROTO", "GW_SPORT", "GW_DPORT"};

using Fields = std::vector<std::pair<std::string, std::string>>;
using IfName = std::function<std::string(std::uint32_t ifindex)>;

// The class a log prefix names: "gw-forward-drop: " -> "forward-drop" (a
// policy), "gw-ssh: " -> "ssh" (a rule), a prefix of the user's own as
// written, trimmed of its ": ".
std::string drop_class(std::string_view prefix);

// The GW_* fields of one packet (empty values left out). Interfaces by name:
// for a bridged packet the port (physindev/physoutdev), not the bridge.
Fields drop_fields(const kernel::NflogPacket& packet, const IfName& if_name);

// One line for MESSAGE= and stderr: "drop forward-drop: wan0 -> lan0 udp 198.51.100.1:53 -> 172.16.1.10:9999".
std::string drop_message(const Fields& fields);

// "GW_CLASS=forward-drop GW_CHAIN=forward ...": the stderr form when no
// journal runs (tests read it).
std::string drop_fields_line(const Fields& fields);

}  // namespace gw::droplog
