// The gwctl verbs. Each verb lives in its own cmd_<verb>.cpp and is listed
// once in the table in commands.cpp; main.cpp only dispatches. To add a
// verb: write cmd_<verb>.cpp with `int run_<verb>(Args)`, declare it below,
// add one row to the table and the file to ctl/meson.build.
#pragma once

#include <span>
#include <string_view>

namespace gw::ctl {

using Args = std::span<const std::string_view>;  // the arguments after the verb

// diff(1)-like exit codes, shared by every verb.
constexpr int kExitOk = 0;
constexpr int kExitChanges = 1;  // diff: there are differences
constexpr int kExitError = 2;    // invalid config, unreadable file, bad usage

struct Command {
    std::string_view name;     // "check"
    std::string_view synopsis; // "check [--json] [FILE...]"
    std::string_view summary;  // one line for `gwctl help`
    int (*run)(Args args);
};

std::span<const Command> commands();
const Command* find_command(std::string_view name);
// The whole usage text, for `gwctl help` and on bad usage.
void print_usage(bool to_stderr);

constexpr std::string_view kDefaultConfig = "/etc/gatewayd/gateway.yaml";

int run_check(Args args);
int run_render(Args args);
int run_explain(Args args);
// iptables-save output -> gateway.yaml (exit 3: something left out).
int run_import(Args args);
// Daemon-facing verbs (the bus when gatewayd runs, else the kernel directly).
int run_apply(Args args);
int run_diff(Args args);
int run_status(Args args);
int run_confirm(Args args);
int run_reload(Args args);
int run_history(Args args);
int run_rollback(Args args);
// The drop log, from the journal (no daemon needed).
int run_log(Args args);

}  // namespace gw::ctl
