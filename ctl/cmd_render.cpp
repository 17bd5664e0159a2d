// gwctl render [--replace] [--net] [FILE]: what the file compiles to, with
// no root and no kernel: the nft ruleset gatewayd would own (as `nft -f`
// text; --replace makes it replace gatewayd's tables atomically when fed to
// nft) or, with --net, the links, addresses, routes and sysctls. Uplinks
// are rendered as down (no address): the live addresses are the daemon's.
#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "daemon/reconcile/reconciler.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/render.hpp"
#include "rules/nft/compile.hpp"
#include "rules/nft/render.hpp"

namespace gw::ctl {
namespace {

struct RenderArgs {
    bool replace = false;
    bool net = false;
    std::string file{kDefaultConfig};
};

std::optional<RenderArgs> parse_render_args(Args args) {
    RenderArgs r;
    bool have_file = false;
    for (auto a : args) {
        if (a == "--replace") r.replace = true;
        else if (a == "--net") r.net = true;
        else if (a.starts_with("-") || have_file) return std::nullopt;
        else {
            r.file = std::string(a);
            have_file = true;
        }
    }
    return r;
}

}  // namespace

int run_render(Args args) {
    auto opts = parse_render_args(args);
    if (!opts) {
        std::fputs("usage: gwctl render [--replace] [--net] [FILE]\n", stderr);
        return kExitError;
    }
    auto cfg = load_local(opts->file);
    if (!cfg) return kExitError;

    rules::Facts facts;
    std::vector<reconcile::Problem> problems;
    reconcile::resolve_owners(cfg->config, host::SystemAccounts{}, facts, problems);
    if (!problems.empty()) {
        std::fputs(reconcile::describe_problems(problems, opts->file).c_str(), stderr);
        return kExitError;
    }

    if (opts->net) {
        std::fputs(netstate::render_netstate(netstate::compile_netstate(cfg->config, facts)).c_str(), stdout);
        return kExitOk;
    }
    auto ruleset = rules::compile_ruleset(cfg->config, facts);
    std::fputs(nft::render_ruleset(ruleset, {.replace = opts->replace}).c_str(), stdout);
    return kExitOk;
}

}  // namespace gw::ctl
