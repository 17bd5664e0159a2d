// routing (several uplinks) -> connection marks: restore in prerouting and
// in a route-type output chain so replies leave by the uplink a connection
// came in on, and pins of sources/zones to an uplink. Not compiled yet (a
// later change); its chains join the inet table.
#include "rules/nft/compile_context.hpp"

namespace gw::rules::detail {

void compile_routing(Context& /*ctx*/) {}

}  // namespace gw::rules::detail
