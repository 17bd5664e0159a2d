// Config + facts about the live system -> the links, addresses, routes,
// policy rules and sysctls gatewayd wants. Pure: the same inputs give the
// same NetState, so the daemon can recompile on every event and diff.
#pragma once

#include "rules/config/model.hpp"
#include "rules/facts.hpp"
#include "rules/netstate/model.hpp"

namespace gw::netstate {

NetState compile_netstate(const config::Config& cfg, const rules::Facts& facts);

}  // namespace gw::netstate
