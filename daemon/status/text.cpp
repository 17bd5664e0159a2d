// StatusReport -> the text `gwctl status` prints: a header with the state,
// last apply, pending confirm and last rollback, then tables of links,
// forwards, drop classes and rules, then kernel paths and current errors.
#include <ctime>

#include "daemon/status/ha_status.hpp"
#include "daemon/status/routed6_status.hpp"
#include "daemon/status/status.hpp"

namespace gw::status {
namespace {

using Row = std::vector<std::string>;

// Columns padded to their widest cell; `numeric` columns align right.
std::string table(const std::vector<Row>& rows, std::size_t first_numeric) {
    std::vector<std::size_t> width;
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size(); ++i) {
            if (width.size() <= i) width.push_back(0);
            width[i] = std::max(width[i], r[i].size());
        }
    std::string out;
    for (const auto& r : rows) {
        std::string line = " ";
        for (std::size_t i = 0; i < r.size(); ++i) {
            std::string pad(width[i] - r[i].size(), ' ');
            line += ' ';
            line += i >= first_numeric ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : "");
        }
        out += line + '\n';
    }
    return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string links_section(const char* title, const std::vector<LinkStatus>& links) {
    if (links.empty()) return {};
    std::vector<Row> rows;
    for (const auto& l : links) {
        Row r{l.name, l.device};
        if (!l.kind.empty()) r.push_back(l.kind);
        r.push_back(l.state);
        r.push_back(l.addresses.empty() ? "-" : join(l.addresses, " "));
        rows.push_back(std::move(r));
    }
    return std::string(title) + ":\n" + table(rows, 99);
}

// "45 s", "12 min", "3 h 20 min", "2 d 4 h": enough to read a lifetime at a glance.
std::string span(std::int64_t seconds) {
    if (seconds < 0) seconds = 0;
    if (seconds < 120) return std::to_string(seconds) + " s";
    auto minutes = seconds / 60;
    if (minutes < 120) return std::to_string(minutes) + " min";
    auto hours = minutes / 60;
    if (hours < 48) return std::to_string(hours) + " h " + std::to_string(minutes % 60) + " min";
    return std::to_string(hours / 24) + " d " + std::to_string(hours % 24) + " h";
}

std::int64_t seconds_between(SystemTime a, SystemTime b) {
    return std::chrono::duration_cast<std::chrono::seconds>(b - a).count();
}

std::string session_line(const SessionStatus& s, SystemTime now) {
    std::string out = s.state;
    if (s.since) out += " since " + format_time(*s.since) + " (" + span(seconds_between(*s.since, now)) + ")";
    if (s.state == "retrying" && s.next_retry)
        out += ", next attempt in " + span(seconds_between(now, *s.next_retry));
    if (!s.reason.empty()) out += ": " + s.reason;
    out += "\n    reconnects " + std::to_string(s.reconnects);
    if (!s.address.empty()) out += ", address " + s.address;
    if (!s.peer.empty()) out += ", peer " + s.peer;
    if (!s.dns.empty()) out += ", DNS " + join(s.dns, " ");
    return out + '\n';
}

std::string history_lines(const SessionStatus& s, SystemTime now) {
    if (s.history.empty()) return {};
    std::string out = "    address history (" + std::to_string(s.lifetimes) + " finished lifetimes";
    if (s.lifetimes) out += ", mean " + span(s.mean_lifetime) + ", median " + span(s.median_lifetime);
    out += "):\n";
    std::vector<Row> rows;
    for (const auto& h : s.history) {
        auto end = h.until.value_or(now);
        rows.push_back({"   ", h.address, format_time(h.since), h.until ? format_time(*h.until) : "now",
                        span(seconds_between(h.since, end))});
    }
    return out + table(rows, 4);
}

// Per supervised uplink: the session state and the address history.
std::string sessions_section(const std::vector<LinkStatus>& uplinks, SystemTime now) {
    std::string out;
    for (const auto& l : uplinks) {
        if (!l.session) continue;
        out += "  " + l.name + ": " + session_line(*l.session, now) + history_lines(*l.session, now);
    }
    return out;
}

// Per MAP-E uplink: the CE it is now and its whole port set.
std::string mape_section(const std::vector<LinkStatus>& uplinks) {
    std::string out;
    for (const auto& l : uplinks) {
        if (!l.mape) continue;
        const auto& m = *l.mape;
        out += "  " + l.name + ": MAP-E to BR " + m.br + (m.legacy ? " (draft-03 interface ID)" : "") + "\n";
        if (!m.known) {
            out += "    no end-user prefix yet (no address of the rule prefix on its IPv6 link)\n";
            continue;
        }
        out += "    CE IPv4 " + m.ce_ipv4 + ", PSID " + std::to_string(m.psid) + " (" +
               std::to_string(m.psid_length) + " bits), " + std::to_string(m.ports) + " ports in " +
               std::to_string(m.blocks.size()) + " blocks\n";
        out += "    CE IPv6 " + m.ce_ipv6 + " from " + m.end_user_prefix + "\n    ports";
        for (std::size_t i = 0; i < m.blocks.size(); ++i) out += (i ? ", " : " ") + m.blocks[i];
        out += "\n";
    }
    return out;
}

std::string forwards_section(const std::vector<ForwardStatus>& list) {
    if (list.empty()) return {};
    std::vector<Row> rows{{"name", "connections", "packets", "bytes"}};
    for (const auto& f : list)
        rows.push_back({f.name, std::to_string(f.connections), std::to_string(f.packets),
                        std::to_string(f.bytes)});
    return "Port forwards:\n" + table(rows, 1);
}

std::string counters_section(const char* title, const std::vector<CounterStatus>& list) {
    if (list.empty()) return {};
    std::vector<Row> rows{{"chain", "name", "packets", "bytes"}};
    for (const auto& c : list)
        rows.push_back({c.chain, c.name, std::to_string(c.packets), std::to_string(c.bytes)});
    return std::string(title) + ":\n" + table(rows, 2);
}

std::string header(const StatusReport& s, SystemTime now) {
    std::string out = "gatewayd: " + s.state;
    if (!s.daemon) out += " (daemon not running; read from the kernel)";
    out += '\n';
    if (!s.config.empty()) out += "Config: " + s.config + '\n';
    if (s.last_apply) {
        const auto& a = *s.last_apply;
        out += "Last apply: " + format_time(a.time) + " (" + a.trigger + "), " +
               (a.ok ? "ok" : "FAILED") + ": " + a.result + '\n';
    }
    if (s.confirm_deadline) {
        auto left = std::chrono::duration_cast<std::chrono::seconds>(*s.confirm_deadline - now).count();
        out += "Confirm pending: rolls back at " + format_time(*s.confirm_deadline) + " (in " +
               std::to_string(left < 0 ? 0 : left) + " s) unless `gwctl confirm`\n";
    }
    if (s.last_rollback)
        out += "Last rollback: " + format_time(s.last_rollback->time) + ": " + s.last_rollback->reason +
               (s.last_rollback->ok ? "" : " (FAILED)") + '\n';
    return out;
}

std::string kernel_section(const KernelStatus& k) {
    std::string out = "Kernel: meta broute " + yes_no(k.features.broute) + ", nf_conntrack_bridge " +
                      yes_no(k.features.bridge_conntrack) + ", br_netfilter " +
                      yes_no(k.features.br_netfilter) + '\n';
    if (!k.ipv6_split.empty()) out += "IPv6 bridge split: " + k.ipv6_split + '\n';
    if (!k.fast_path.empty()) out += "Fast path: " + k.fast_path + '\n';
    return out;
}

}  // namespace

std::string format_time(SystemTime t) {
    std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string render_status(const StatusReport& s, SystemTime now) {
    std::string out = header(s, now);
    auto uplinks = links_section("Uplinks", s.uplinks);
    if (!uplinks.empty()) uplinks += sessions_section(s.uplinks, now) + mape_section(s.uplinks);
    for (const auto& part : {links_section("Interfaces", s.interfaces), uplinks,
                             forwards_section(s.forwards), counters_section("Drops", s.drops),
                             counters_section("Rules", s.rules)})
        if (!part.empty()) out += '\n' + part;
    out += '\n' + kernel_section(s.kernel);
    if (s.ha) out += '\n' + render_ha_section(*s.ha, now);
    if (s.routed6) out += '\n' + render_routed6_section(*s.routed6, now);
    if (!s.errors.empty()) out += "\nErrors:\n  " + join(s.errors, "\n  ") + '\n';
    return out;
}

}  // namespace gw::status
