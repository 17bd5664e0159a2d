// gwctl log [--follow] [--class NAME] [--since TIME] [--json]: the packets
// gatewayd's log statements dropped, read back from the journal (entries
// with the drop log's MESSAGE_ID, daemon/droplog/fields.hpp). Reads the
// journal directly: no daemon needed, only the right to read the system
// journal (root, or the adm / systemd-journal groups).
#include <systemd/sd-journal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "ctl/commands.hpp"
#include "daemon/droplog/fields.hpp"
#include "daemon/droplog/since.hpp"
#include "daemon/loop/sd_objects.hpp"
#include "daemon/status/status.hpp"
#include "rules/json.hpp"

namespace gw::ctl {
namespace {

constexpr const char* kUsage = "usage: gwctl log [--follow] [--class NAME] [--since TIME] [--json]\n";

struct LogOptions {
    bool follow = false;
    bool json = false;
    std::string cls;
    std::optional<std::uint64_t> since;  // realtime usec
};

std::uint64_t now_usec() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count());
}

std::optional<LogOptions> parse(Args args) {
    LogOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        auto a = args[i];
        bool has_value = i + 1 < args.size();
        if (a == "--follow" || a == "-f") o.follow = true;
        else if (a == "--json") o.json = true;
        else if (a == "--class" && has_value) o.cls = args[++i];
        else if (a == "--since" && has_value) {
            o.since = droplog::parse_since(args[++i], now_usec());
            if (!o.since) {
                std::fprintf(stderr, "gwctl log: --since %.*s: not a time (try \"2026-12-07 08:30\", "
                             "\"@EPOCH\" or \"10min ago\")\n", static_cast<int>(args[i].size()), args[i].data());
                return std::nullopt;
            }
        } else {
            std::fputs(kUsage, stderr);
            return std::nullopt;
        }
    }
    return o;
}

droplog::Fields entry_fields(sd_journal* j) {
    droplog::Fields fields;
    for (auto name : droplog::kFieldNames) {
        const void* data = nullptr;
        size_t len = 0;
        if (sd_journal_get_data(j, std::string(name).c_str(), &data, &len) < 0) continue;
        std::string_view kv(static_cast<const char*>(data), len);
        fields.emplace_back(std::string(name), std::string(kv.substr(name.size() + 1)));
    }
    return fields;
}

std::string json_line(const droplog::Fields& fields, std::uint64_t usec) {
    rules::JsonWriter w;
    w.begin_object().key("time").value(status::format_time(status::SystemTime(std::chrono::microseconds(usec))));
    w.key("usec").value(usec);
    for (const auto& [name, value] : fields) {
        std::string key = name.substr(3);  // GW_SPORT -> sport
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        bool port = name == "GW_SPORT" || name == "GW_DPORT";
        if (port) w.key(key).value(static_cast<std::uint64_t>(std::stoul(value)));
        else w.key(key).value(value);
    }
    w.end_object();
    return w.str();
}

void print_entry(sd_journal* j, bool json) {
    std::uint64_t usec = 0;
    sd_journal_get_realtime_usec(j, &usec);
    auto fields = entry_fields(j);
    std::string line = json ? json_line(fields, usec)
                            : status::format_time(status::SystemTime(std::chrono::microseconds(usec))) + "  " +
                                  droplog::drop_message(fields);
    std::puts(line.c_str());
}

int open_journal(const LogOptions& o, sd_journal** j) {
    int r = sd_journal_open(j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
    if (r < 0) return r;
    std::string id = "MESSAGE_ID=" + std::string(droplog::kMessageId);
    if ((r = sd_journal_add_match(*j, id.data(), id.size())) < 0) return r;
    if (!o.cls.empty()) {
        std::string cls = "GW_CLASS=" + o.cls;
        if ((r = sd_journal_add_match(*j, cls.data(), cls.size())) < 0) return r;
    }
    return o.since ? sd_journal_seek_realtime_usec(*j, *o.since) : sd_journal_seek_head(*j);
}

}  // namespace

int run_log(Args args) {
    auto o = parse(args);
    if (!o) return kExitError;
    sd_journal* raw = nullptr;
    int r = open_journal(*o, &raw);
    loop::SdJournalPtr j(raw);
    if (r < 0) {
        std::fprintf(stderr, "gwctl log: cannot read the journal: %s\n", std::strerror(-r));
        return kExitError;
    }
    for (;;) {
        while ((r = sd_journal_next(j.get())) > 0) print_entry(j.get(), o->json);
        std::fflush(stdout);
        if (r < 0 || !o->follow) break;
        if ((r = sd_journal_wait(j.get(), static_cast<std::uint64_t>(-1))) < 0) break;
    }
    if (r < 0) {
        std::fprintf(stderr, "gwctl log: reading the journal: %s\n", std::strerror(-r));
        return kExitError;
    }
    return kExitOk;
}

}  // namespace gw::ctl
