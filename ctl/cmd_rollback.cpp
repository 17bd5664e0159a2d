// gwctl rollback [GENERATION] [--confirm SECONDS]: apply an earlier
// generation of the config file (default: the one before the live one) as
// a new generation, atomically; with --confirm, it is rolled back in turn
// unless `gwctl confirm` comes in time. Needs the daemon.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"

namespace gw::ctl {
namespace {

struct RollbackArgs {
    unsigned generation = 0;  // 0: the one before the live one
    unsigned confirm = 0;
};

std::optional<RollbackArgs> parse_args(Args args) {
    RollbackArgs out;
    bool have_generation = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a(args[i]);
        if (a == "--confirm" && i + 1 < args.size()) a += "=" + std::string(args[++i]);
        if (a.starts_with("--confirm=")) {
            auto n = parse_confirm_seconds(std::string_view(a).substr(10));
            if (!n) return std::nullopt;
            out.confirm = *n;
        } else if (!a.starts_with("-") && !have_generation) {
            char* end = nullptr;
            long n = std::strtol(a.c_str(), &end, 10);
            if (*end || n <= 0) return std::nullopt;
            out.generation = static_cast<unsigned>(n);
            have_generation = true;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

}  // namespace

int run_rollback(Args args) {
    auto a = parse_args(args);
    if (!a) {
        std::fputs("usage: gwctl rollback [GENERATION] [--confirm SECONDS]\n", stderr);
        return kExitError;
    }
    auto client = BusClient::connect_if_running();
    if (!client) {
        std::fputs("gwctl rollback: gatewayd is not running (the generations are its own)\n", stderr);
        return kExitError;
    }
    auto r = client->rollback(a->generation, a->confirm);
    if (!r) {
        print_bus_error("rollback", r.error());
        return kExitError;
    }
    if (!r->flag) std::puts("no change");
    else std::fputs(r->text.c_str(), stdout);
    if (a->confirm)
        std::printf("run `gwctl confirm` within %u s, or the previous configuration comes back\n", a->confirm);
    return kExitOk;
}

}  // namespace gw::ctl
