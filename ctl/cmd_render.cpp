// gwctl render [--replace] [--net] [FILE]: what the file compiles to, with
// no root and no kernel: the nft ruleset gatewayd would own (as `nft -f`
// text; --replace makes it replace gatewayd's tables atomically when fed to
// nft) or, with --net, the links, addresses, routes and sysctls. Uplinks
// are rendered as down (no address): the live addresses are the daemon's.
// The kernel paths are those of the target kernel (probed, or named with
// --kernel-features/--target-kernel); a first comment line names it.
#include <cstdio>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "ctl/target_kernel.hpp"
#include "daemon/reconcile/reconciler.hpp"
#include "rules/netstate/compile.hpp"
#include "rules/netstate/render.hpp"
#include "rules/nft/compile.hpp"
#include "rules/nft/render.hpp"
#include "rules/target_kernel.hpp"

namespace gw::ctl {
namespace {

struct RenderArgs {
    bool replace = false;
    bool net = false;
    std::string file{kDefaultConfig};
    TargetKernelArgs target;
};

std::optional<RenderArgs> parse_render_args(Args args) {
    RenderArgs r;
    bool have_file = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        bool used_next = false;
        auto k = parse_target_kernel_option(a, i + 1 < args.size() ? &args[i + 1] : nullptr, r.target, used_next);
        if (k == OptionResult::bad) return std::nullopt;
        if (k == OptionResult::taken) {
            i += used_next ? 1 : 0;
            continue;
        }
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
        std::fputs("usage: gwctl render [--replace] [--net] [--kernel-features LIST | --target-kernel RELEASE] [FILE]\n",
                   stderr);
        std::fputs(kTargetKernelUsage.data(), stderr);
        return kExitError;
    }
    auto cfg = load_local(opts->file);
    if (!cfg) return kExitError;
    auto target = target_kernel(opts->target);
    if (!target) return kExitError;

    rules::Facts facts;
    facts.kernel = target->kernel;
    std::vector<reconcile::Problem> problems;
    reconcile::resolve_owners(cfg->config, host::SystemAccounts{}, facts, problems);
    if (!problems.empty()) {
        std::fputs(reconcile::describe_problems(problems, opts->file).c_str(), stderr);
        return kExitError;
    }

    // What the target cannot take is said in the output (as comments, so
    // the text still loads) and on stderr; apply would refuse, so exit 2.
    auto left_out = rules::omissions(cfg->config, facts.kernel, opts->file);
    std::string head = "# target kernel: " + rules::describe_features(facts.kernel) + " (" + target->source + ")\n";
    for (const auto& o : left_out) {
        head += "# left out: " + o + "\n";
        std::fprintf(stderr, "gwctl render: left out: %s\n", o.c_str());
    }
    // nft: the whole ruleset, what a kernel holding nothing of gatewayd's would be given.
    std::string body = opts->net ? netstate::render_netstate(netstate::compile_netstate(cfg->config, facts))
                                 : nft::render_ruleset(rules::compile_ruleset(cfg->config, facts),
                                                       {.replace = opts->replace});
    std::fputs((head + body).c_str(), stdout);
    return left_out.empty() ? kExitOk : kExitError;
}

}  // namespace gw::ctl
