// gwctl's side of the daemon's D-Bus API (net.gatewayd.Gateway1 on the
// system bus, or wherever DBUS_SYSTEM_BUS_ADDRESS points). The verbs ask
// connect_if_running() first: when the bus cannot be reached or nobody owns
// the name, there is no daemon, and apply/diff/status act directly on the
// kernel instead.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/commands.hpp"
#include "daemon/config/file.hpp"
#include "daemon/loop/sd_objects.hpp"

namespace gw::ctl {

struct BusError {
    std::string name;     // D-Bus error name, e.g. net.gatewayd.Gateway1.Error.InvalidConfig
    std::string message;
    bool access_denied() const;
    bool invalid_config() const;
};

struct BusReply {
    bool flag = false;  // Apply/Diff: changed; Check: valid
    std::string text;   // diff, or diagnostics JSON
};

class BusClient {
public:
    // nullopt when no daemon answers on the bus.
    static std::optional<BusClient> connect_if_running();

    // `value` is config text, or a path as the daemon sees it ("" = its own file).
    std::expected<BusReply, BusError> apply(const std::string& value, bool is_path, std::uint32_t confirm_seconds);
    std::expected<BusReply, BusError> diff(const std::string& value, bool is_path);
    std::expected<BusReply, BusError> check(const std::string& value, bool is_path);
    std::expected<void, BusError> confirm();
    std::expected<void, BusError> reload();
    std::expected<std::string, BusError> status_json();

    struct GenerationInfo {
        std::uint32_t number = 0;
        std::uint64_t usec = 0;  // since the epoch
        std::string user;
        std::string summary;
    };
    std::expected<std::vector<GenerationInfo>, BusError> history();
    std::expected<std::string, BusError> generation(std::uint32_t number);  // 0: the one before the newest
    std::expected<BusReply, BusError> rollback(std::uint32_t number, std::uint32_t confirm_seconds);

private:
    explicit BusClient(loop::SdBusPtr bus) : bus_(std::move(bus)) {}
    // Calls `method`, appending arguments with `append`; the reply or the error.
    std::expected<loop::SdBusMessagePtr, BusError> call(const char* method, const char* signature, ...);

    loop::SdBusPtr bus_;
};

// ---- shared by the daemon-facing verbs (apply, diff, status, confirm, reload, rollback) ----

// The daemon labels config text sent over the bus "<bus>"; the client knows
// which file it read, and says so instead.
std::string relabel(std::string message, const std::string& path);

// Reads and validates FILE here first, so that errors show with the file's
// name, source line and caret; prints them to stderr and returns nullopt.
std::optional<config::LoadedConfig> load_local(const std::string& path);

// The arguments of apply and rollback: --confirm SECONDS (or
// --confirm=SECONDS; whole seconds, 1 to 86400) and at most one operand
// (apply's FILE, rollback's GENERATION); nullopt on bad usage.
struct ChangeArgs {
    std::optional<std::string> operand;
    unsigned confirm = 0;
};
std::optional<ChangeArgs> parse_change_args(Args args);

// A generation number as rollback and diff --generation take it: 1 or more.
std::optional<unsigned> parse_generation(std::string_view value);

// What an apply or rollback did ("no change", or what changed), then, with
// a confirm window, how long `gwctl confirm` has.
void print_change(bool changed, const std::string& text, unsigned confirm_seconds);

// "gwctl VERB: message" on stderr, for bus errors (AccessDenied explained).
void print_bus_error(const char* verb, const BusError& e, const std::string& path = {});

}  // namespace gw::ctl
