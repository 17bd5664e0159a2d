// The last rule of input/forward/output: what reaches the chain policy.
// Its counter is the drop class status shows; when the policy drops and
// logging is on, it also logs, rate-limited, with the class's prefix. The
// counter sits before the limit so it counts every packet, logged or not.
#include "rules/nft/compile.hpp"
#include "rules/nft/compile_context.hpp"

namespace gw::rules::detail {

namespace {

nft::RateUnit rate_unit(std::string_view per) {
    if (per == "second") return nft::RateUnit::second;
    if (per == "hour") return nft::RateUnit::hour;
    if (per == "day") return nft::RateUnit::day;
    return nft::RateUnit::minute;
}

std::string log_prefix(const config::ChainSpec& spec) {
    if (!spec.log.prefix->empty()) return *spec.log.prefix;
    return "gw-" + chain_name(spec.kind) + "-drop: ";
}

void add_policy_rule(Context& ctx, const config::ChainSpec& spec) {
    std::vector<nft::Stmt> stmts{counter()};
    bool drops = *spec.policy == config::Policy::drop;
    config::Loc origin = spec.policy.loc;
    if (drops && *spec.log.enabled) {
        stmts.push_back(log_limit(spec.log));
        stmts.push_back(nft::Log{log_prefix(spec), kDropLogGroup});
        if (spec.log.enabled.loc.known()) origin = spec.log.enabled.loc;
    }
    ctx.chain(chain_name(spec.kind)).rules.push_back(
        make_rule(std::move(stmts), std::string(kCommentPolicy), origin));
}

}  // namespace

nft::Limit log_limit(const config::LogSpec& log) {
    return nft::Limit{*log.rate, rate_unit(*log.per), *log.burst};
}

void compile_log(Context& ctx) {
    const auto& fw = ctx.config().firewall;
    add_policy_rule(ctx, fw.input);
    add_policy_rule(ctx, fw.forward);
    add_policy_rule(ctx, fw.output);
}

}  // namespace gw::rules::detail
