// gwctl check [--json] [FILE...]: validate without touching the system.
// Human output: diagnostics on stderr with source line and caret, then a
// one-line verdict per file. --json: one JSON object per file on stdout
// (JSON Lines when several files are given). Exit 0 if every file is
// valid (warnings allowed), 2 otherwise.
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctl/commands.hpp"
#include "ctl/target_kernel.hpp"
#include "daemon/config/file.hpp"
#include "daemon/host/accounts.hpp"
#include "rules/target_kernel.hpp"

namespace gw::ctl {

namespace {

std::string plural(std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string verdict(const config::Diagnostics& diags) {
    std::size_t errors = 0, warnings = 0;
    for (const auto& d : diags.items()) (d.severity == config::Severity::error ? errors : warnings)++;
    if (errors) return plural(errors, "error") + (warnings ? ", " + plural(warnings, "warning") : "");
    return warnings ? "ok (" + plural(warnings, "warning") + ")" : "ok";
}

// An unreadable file in --json mode still yields one object, so a script
// reading the output sees every file it asked about.
void print_unreadable_json(const std::string& path, const std::string& why) {
    config::Diagnostics d;
    d.error({}, "", why);
    std::fputs(config::render_diagnostics_json(d, path).c_str(), stdout);
}

// A valid file is also checked against the target kernel: what apply
// would refuse there is an error at its line here too.
bool check_one(const std::string& path, bool json, const std::function<const Target&()>& target) {
    auto text = config::read_config_file(path);
    if (!text) {
        if (json) print_unreadable_json(path, text.error().message);
        else std::fprintf(stderr, "gwctl: %s\n", text.error().message.c_str());
        return false;
    }
    host::SystemAccounts host;  // egress users/groups: does this host know them?
    auto parsed = config::parse_config(text->text, path, &host);
    auto& diags = parsed.diagnostics;
    if (parsed.config) {
        // Only the IPv6 bridge split depends on the kernel's features.
        if (parsed.config->ipv6.bridge_split) rules::check_target(*parsed.config, target().kernel, diags);
        diags.sort();
    }
    bool ok = !diags.has_errors();
    if (json) {
        std::fputs(config::render_diagnostics_json(diags, path).c_str(), stdout);
        return ok;
    }
    std::fputs(config::render_diagnostics(diags, path, text->text).c_str(), stderr);
    std::fprintf(ok ? stdout : stderr, "%s: %s\n", path.c_str(), verdict(diags).c_str());
    return ok;
}

void check_usage() {
    std::fputs("usage: gwctl check [--json] [--kernel-features LIST | --target-kernel RELEASE] [FILE...]\n"
               "  validate gateway.yaml files (default /etc/gatewayd/gateway.yaml) for the target kernel;\n"
               "  exit 0 if all are valid (warnings allowed), 2 otherwise\n",
               stderr);
    std::fputs(kTargetKernelUsage.data(), stderr);
}

}  // namespace

int run_check(Args args) {
    bool json = false;
    std::vector<std::string> files;
    bool options_done = false;
    TargetKernelArgs target_args;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view a = args[i];
        bool used_next = false;
        auto kernel_opt = options_done ? OptionResult::not_mine
                                       : parse_target_kernel_option(a, i + 1 < args.size() ? &args[i + 1] : nullptr,
                                                                    target_args, used_next);
        if (kernel_opt == OptionResult::bad) {
            check_usage();
            return kExitError;
        }
        if (kernel_opt == OptionResult::taken) {
            i += used_next ? 1 : 0;
            continue;
        }
        if (!options_done && a == "--json") json = true;
        else if (!options_done && a == "--") options_done = true;
        else if (!options_done && (a == "-h" || a == "--help")) {
            check_usage();
            return kExitOk;
        } else if (!options_done && a.size() > 1 && a[0] == '-') {
            std::fprintf(stderr, "gwctl check: unknown option '%.*s'\n", static_cast<int>(a.size()), a.data());
            check_usage();
            return kExitError;
        } else files.emplace_back(a);
    }
    if (files.empty()) files.emplace_back(kDefaultConfig);
    // A named target is checked up front (a bad one is bad usage); the
    // running kernel is probed only for a file that needs it, since the
    // probe forks into a namespace and sends nft check transactions.
    std::optional<Target> target;
    if (target_args.features || target_args.release) {
        target = target_kernel(target_args);
        if (!target) return kExitError;
    }
    auto target_for = [&]() -> const Target& {
        if (!target) target = target_kernel(target_args);  // a probe always yields a target
        return *target;
    };
    bool all_ok = true;
    for (const auto& f : files) all_ok = check_one(f, json, target_for) && all_ok;
    return all_ok ? kExitOk : kExitError;
}

}  // namespace gw::ctl
