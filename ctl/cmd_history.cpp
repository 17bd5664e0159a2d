// gwctl history [--json]: the generations of the config file that gatewayd
// keeps (each committed apply, rollback, or hand edit it read), oldest
// first, the live one marked with '*'. Needs the daemon.
#include <chrono>
#include <cstdio>
#include <string>

#include "ctl/bus_client.hpp"
#include "ctl/commands.hpp"
#include "daemon/status/status.hpp"
#include "rules/json.hpp"

namespace gw::ctl {
namespace {

std::string when(std::uint64_t usec) {
    return status::format_time(status::SystemTime(std::chrono::microseconds(usec)));
}

void print_text(const std::vector<BusClient::GenerationInfo>& gens) {
    if (gens.empty()) {
        std::puts("no generations kept yet");
        return;
    }
    std::printf("  %-4s %-19s  %-10s %s\n", "GEN", "TIME", "USER", "SUMMARY");
    for (const auto& g : gens)
        std::printf("%c %-4u %-19s  %-10s %s\n", &g == &gens.back() ? '*' : ' ', g.number, when(g.usec).c_str(),
                    g.user.c_str(), g.summary.c_str());
}

void print_json(const std::vector<BusClient::GenerationInfo>& gens) {
    rules::JsonWriter w;
    w.begin_array();
    for (const auto& g : gens)
        w.begin_object()
            .key("generation").value(static_cast<std::uint64_t>(g.number))
            .key("time").value(when(g.usec))
            .key("user").value(g.user)
            .key("summary").value(g.summary)
            .key("live").value(&g == &gens.back())
            .end_object();
    w.end_array();
    std::puts(w.str().c_str());
}

}  // namespace

int run_history(Args args) {
    bool json = false;
    for (auto a : args) {
        if (a != "--json") {
            std::fputs("usage: gwctl history [--json]\n", stderr);
            return kExitError;
        }
        json = true;
    }
    auto client = BusClient::connect_if_running();
    if (!client) {
        std::fputs("gwctl history: gatewayd is not running (the generations are its own)\n", stderr);
        return kExitError;
    }
    auto gens = client->history();
    if (!gens) {
        print_bus_error("history", gens.error());
        return kExitError;
    }
    json ? print_json(*gens) : print_text(*gens);
    return kExitOk;
}

}  // namespace gw::ctl
