// What dhcpcd's hook script hands over: its environment at one event, as
// `KEY=value` lines (written by the hook gatewayd installs, read here).
// Pure: decides whether the event brings a delegated prefix, takes it away,
// or says nothing about it.
#pragma once

#include <string>
#include <string_view>

#include "rules/facts.hpp"

namespace gw::ipv6 {

enum class LeaseChange {
    none,   // an event without lease data (PREINIT, CARRIER, STOP6 ...): keep what is held
    bound,  // a lease with a delegated prefix (BOUND6, RENEW6, REBIND6, REBOOT6, ...)
    gone,   // the prefix is no longer ours (EXPIRE6, RELEASE6, or a lease without one)
};

struct LeaseEvent {
    LeaseChange change = LeaseChange::none;
    std::string reason;     // dhcpcd's
    std::string interface;
    rules::Delegation delegation;  // with change == bound
};

LeaseEvent parse_dhcpcd_env(std::string_view text);

}  // namespace gw::ipv6
