#include "ctl/bus_client.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "daemon/bus/names.hpp"
#include "daemon/host/accounts.hpp"

namespace gw::ctl {
namespace {

// A large apply (thousands of forwards) takes seconds; the default 25 s
// D-Bus timeout is kept for reads, writes get longer.
constexpr uint64_t kCallTimeoutUsec = 300ull * 1000 * 1000;

BusError from_sd(const sd_bus_error& e, int rc) {
    if (sd_bus_error_is_set(&e)) return {e.name, e.message ? e.message : ""};
    return {"", std::strerror(rc < 0 ? -rc : rc)};
}

bool name_has_owner(sd_bus* bus) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int rc = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                "NameHasOwner", &error, &reply, "s", bus::kBusName);
    sd_bus_error_free(&error);
    loop::SdBusMessagePtr owned(reply);
    int has = 0;
    return rc >= 0 && sd_bus_message_read(reply, "b", &has) >= 0 && has;
}

std::expected<BusReply, BusError> read_bool_string(std::expected<loop::SdBusMessagePtr, BusError> reply) {
    if (!reply) return std::unexpected(reply.error());
    int flag = 0;
    const char* text = nullptr;
    if (int rc = sd_bus_message_read(reply->get(), "bs", &flag, &text); rc < 0)
        return std::unexpected(BusError{"", std::string("malformed reply: ") + std::strerror(-rc)});
    return BusReply{flag != 0, text ? text : ""};
}

}  // namespace

bool BusError::access_denied() const { return name == SD_BUS_ERROR_ACCESS_DENIED; }
bool BusError::invalid_config() const { return name == std::string(bus::kErrorPrefix) + "InvalidConfig"; }

std::optional<BusClient> BusClient::connect_if_running() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0) return std::nullopt;
    loop::SdBusPtr bus(raw);
    if (!name_has_owner(bus.get())) return std::nullopt;
    return BusClient(std::move(bus));
}

std::expected<loop::SdBusMessagePtr, BusError> BusClient::call(const char* method, const char* signature, ...) {
    sd_bus_message* raw = nullptr;
    int rc = sd_bus_message_new_method_call(bus_.get(), &raw, bus::kBusName, bus::kObjectPath, bus::kInterface, method);
    loop::SdBusMessagePtr m(raw);
    if (rc >= 0 && signature && *signature) {
        va_list ap;
        va_start(ap, signature);
        rc = sd_bus_message_appendv(m.get(), signature, ap);
        va_end(ap);
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    if (rc >= 0) rc = sd_bus_call(bus_.get(), m.get(), kCallTimeoutUsec, &error, &reply);
    if (rc < 0) {
        auto e = from_sd(error, rc);
        sd_bus_error_free(&error);
        return std::unexpected(e);
    }
    return loop::SdBusMessagePtr(reply);
}

std::expected<BusReply, BusError> BusClient::apply(const std::string& value, bool is_path, std::uint32_t confirm) {
    return read_bool_string(call("Apply", "sbu", value.c_str(), static_cast<int>(is_path), confirm));
}

std::expected<BusReply, BusError> BusClient::diff(const std::string& value, bool is_path) {
    return read_bool_string(call("Diff", "sb", value.c_str(), static_cast<int>(is_path)));
}

std::expected<BusReply, BusError> BusClient::check(const std::string& value, bool is_path) {
    return read_bool_string(call("Check", "sb", value.c_str(), static_cast<int>(is_path)));
}

std::expected<void, BusError> BusClient::confirm() {
    auto r = call("Confirm", "");
    if (!r) return std::unexpected(r.error());
    return {};
}

std::expected<void, BusError> BusClient::reload() {
    auto r = call("Reload", "");
    if (!r) return std::unexpected(r.error());
    return {};
}

std::expected<std::string, BusError> BusClient::status_json() {
    auto r = call("Status", "");
    if (!r) return std::unexpected(r.error());
    const char* json = nullptr;
    if (int rc = sd_bus_message_read(r->get(), "s", &json); rc < 0)
        return std::unexpected(BusError{"", std::string("malformed reply: ") + std::strerror(-rc)});
    return std::string(json ? json : "");
}

std::expected<std::vector<BusClient::GenerationInfo>, BusError> BusClient::history() {
    auto r = call("History", "");
    if (!r) return std::unexpected(r.error());
    std::vector<GenerationInfo> out;
    int rc = sd_bus_message_enter_container(r->get(), 'a', "(utss)");
    GenerationInfo g;
    const char* user = nullptr;
    const char* summary = nullptr;
    while (rc >= 0 && (rc = sd_bus_message_read(r->get(), "(utss)", &g.number, &g.usec, &user, &summary)) > 0) {
        g.user = user ? user : "";
        g.summary = summary ? summary : "";
        out.push_back(g);
    }
    if (rc < 0) return std::unexpected(BusError{"", std::string("malformed reply: ") + std::strerror(-rc)});
    return out;
}

std::expected<std::string, BusError> BusClient::generation(std::uint32_t number) {
    auto r = call("Generation", "u", number);
    if (!r) return std::unexpected(r.error());
    const char* text = nullptr;
    if (int rc = sd_bus_message_read(r->get(), "s", &text); rc < 0)
        return std::unexpected(BusError{"", std::string("malformed reply: ") + std::strerror(-rc)});
    return std::string(text ? text : "");
}

std::expected<BusReply, BusError> BusClient::rollback(std::uint32_t number, std::uint32_t confirm) {
    return read_bool_string(call("Rollback", "uu", number, confirm));
}

// ---- verb helpers ------------------------------------------------------------------

std::string relabel(std::string message, const std::string& path) {
    if (path.empty()) return message;
    const std::string label = "<bus>";
    for (auto pos = message.find(label); pos != std::string::npos; pos = message.find(label, pos + path.size()))
        message.replace(pos, label.size(), path);
    return message;
}

std::optional<config::LoadedConfig> load_local(const std::string& path) {
    host::SystemAccounts accounts;
    auto cfg = config::load_config_file(path, &accounts);
    if (!cfg) {
        std::fputs(cfg.error().message.c_str(), stderr);
        if (!cfg.error().message.ends_with('\n')) std::fputc('\n', stderr);
        return std::nullopt;
    }
    for (const auto& w : cfg->warnings.items())
        std::fprintf(stderr, "%s\n", config::render_diagnostic_line(w, path).c_str());
    return std::move(*cfg);
}

namespace {

// A whole number from `lo` to `hi`, nothing else.
std::optional<unsigned> parse_count(std::string_view value, long lo, long hi) {
    std::string v(value);
    char* end = nullptr;
    long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < lo || n > hi) return std::nullopt;
    return static_cast<unsigned>(n);
}

}  // namespace

std::optional<ChangeArgs> parse_change_args(Args args) {
    ChangeArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string a(args[i]);
        if (a == "--confirm" && i + 1 < args.size()) a += "=" + std::string(args[++i]);
        if (a.starts_with("--confirm=")) {
            auto n = parse_count(std::string_view(a).substr(10), 1, 86400);
            if (!n) return std::nullopt;
            out.confirm = *n;
        } else if (!a.starts_with("-") && !out.operand) {
            out.operand = a;
        } else {
            return std::nullopt;
        }
    }
    return out;
}

std::optional<unsigned> parse_generation(std::string_view value) {
    return parse_count(value, 1, std::numeric_limits<unsigned>::max());
}

void print_change(bool changed, const std::string& text, unsigned confirm_seconds) {
    if (!changed) std::puts("no change");
    else std::fputs(text.c_str(), stdout);
    if (confirm_seconds)
        std::printf("run `gwctl confirm` within %u s, or the previous configuration comes back\n", confirm_seconds);
}

void print_bus_error(const char* verb, const BusError& e, const std::string& path) {
    std::string msg = relabel(e.message, path);
    if (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (e.access_denied()) msg = "permission denied: " + msg;
    std::fprintf(stderr, "gwctl %s: %s\n", verb, msg.c_str());
}

}  // namespace gw::ctl
