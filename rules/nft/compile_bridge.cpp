// ipv6.bridge-split -> a bridge-family table of the same name ("bridge
// gatewayd"): broute for everything but IPv6, ingress-port marks, and the
// IPv6 forward filter with its `incoming` chain, on the kernel path the
// facts say is available. Not compiled yet (a later change): it appends a
// second table to the ruleset.
#include "rules/nft/compile_context.hpp"

namespace gw::rules::detail {

void compile_bridge(const Context& /*ctx*/, nft::Ruleset& /*ruleset*/) {}

}  // namespace gw::rules::detail
