// The verb table and the usage text built from it.
#include "ctl/commands.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace gw::ctl {

namespace {

constexpr std::array kCommands{
    Command{"check", "check [--json] [FILE...]",
            "validate config files (default /etc/gatewayd/gateway.yaml); exit 2 if invalid", run_check},
    Command{"render", "render [--replace] [--net] [FILE]",
            "print what FILE compiles to: nft ruleset, or links/addresses/routes (--net)", run_render},
    Command{"explain", "explain FROM TO [PROTO/PORT]",
            "which rules a packet meets on its way, each at its gateway.yaml line", run_explain},
    Command{"diff", "diff [FILE | --generation N]",
            "what applying would change; exit 0 none, 1 changes, 2 error", run_diff},
    Command{"apply", "apply [FILE] [--confirm SECONDS]",
            "apply atomically; with --confirm, roll back unless confirmed in time", run_apply},
    Command{"confirm", "confirm", "keep the configuration of the last apply --confirm", run_confirm},
    Command{"history", "history [--json]", "generations of the config file kept by gatewayd", run_history},
    Command{"rollback", "rollback [N] [--confirm SECONDS]",
            "apply generation N again (default: the one before the live one)", run_rollback},
    Command{"reload", "reload", "make gatewayd re-read its config file", run_reload},
    Command{"import", "import iptables [-o FILE] SAVEFILE...",
            "iptables-save output as gateway.yaml; exit 3 if something was left out", run_import},
    Command{"status", "status [--json]", "uplinks, counters, kernel paths, last apply", run_status},
    Command{"log", "log [--follow] [--class NAME] [--since TIME] [--json]",
            "dropped packets from the journal, with their fields", run_log},
};

}  // namespace

std::span<const Command> commands() {
    return kCommands;
}

const Command* find_command(std::string_view name) {
    for (const auto& c : kCommands)
        if (c.name == name) return &c;
    return nullptr;
}

void print_usage(bool to_stderr) {
    // Two spaces at least between synopsis and summary: completion and the
    // man page test split the lines there.
    auto row = [](std::string_view syn, std::string_view summary) {
        return "  " + std::string(syn) + std::string(syn.size() < 34 ? 36 - syn.size() : 2, ' ') +
               std::string(summary) + "\n";
    };
    std::string text = "usage: gwctl COMMAND [ARGS...]\n\ncommands:\n";
    for (const auto& c : kCommands) text += row(c.synopsis, c.summary);
    text += row("help", "show this text");
    std::fputs(text.c_str(), to_stderr ? stderr : stdout);
}

}  // namespace gw::ctl
