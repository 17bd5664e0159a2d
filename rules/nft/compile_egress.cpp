// egress (owner rules) -> output-hook rules on meta skuid/skgid: for a
// destination, only the named users/groups may open new connections; the
// rest is rejected or dropped. Uids/gids come from Facts::uids/gids.
// Not compiled yet (a later change); the output chain is where it goes,
// after the config's output rules and before the policy rule.
#include "rules/nft/compile_context.hpp"

namespace gw::rules::detail {

void compile_egress(Context& /*ctx*/) {}

}  // namespace gw::rules::detail
