// StatusReport <-> JSON. Times are Unix seconds. Reading uses yaml-cpp (JSON
// is YAML); anything malformed is an error, never an exception.
#include <yaml-cpp/yaml.h>

#include "rules/json.hpp"
#include "daemon/status/ha_status.hpp"
#include "daemon/status/routed6_status.hpp"
#include "daemon/status/status.hpp"

namespace gw::status {
using rules::JsonWriter;

namespace {

std::int64_t unix_seconds(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

SystemTime from_unix(std::int64_t s) { return SystemTime(std::chrono::seconds(s)); }

void write_optional_time(JsonWriter& w, const char* key, const std::optional<SystemTime>& t) {
    w.key(key);
    if (t) w.value(unix_seconds(*t));
    else w.null();
}

void write_session(JsonWriter& w, const SessionStatus& s) {
    w.key("session").begin_object().key("state").value(s.state).key("reason").value(s.reason)
        .key("address").value(s.address).key("peer").value(s.peer).key("dns").begin_array();
    for (const auto& d : s.dns) w.value(d);
    w.end_array();
    write_optional_time(w, "since", s.since);
    w.key("reconnects").value(static_cast<std::uint64_t>(s.reconnects));
    write_optional_time(w, "next_retry", s.next_retry);
    w.key("history").begin_array();
    for (const auto& h : s.history) {
        w.begin_object().key("address").value(h.address).key("since").value(unix_seconds(h.since));
        write_optional_time(w, "until", h.until);
        w.end_object();
    }
    w.end_array().key("lifetimes").value(static_cast<std::uint64_t>(s.lifetimes))
        .key("mean_lifetime").value(s.mean_lifetime).key("median_lifetime").value(s.median_lifetime)
        .end_object();
}

void write_mape(JsonWriter& w, const MapeStatus& m) {
    w.key("mape").begin_object().key("known").value(m.known).key("br").value(m.br)
        .key("legacy").value(m.legacy).key("psid_length").value(static_cast<std::uint64_t>(m.psid_length));
    if (m.known) {
        w.key("end_user_prefix").value(m.end_user_prefix).key("ce_ipv4").value(m.ce_ipv4)
            .key("ce_ipv6").value(m.ce_ipv6).key("psid").value(static_cast<std::uint64_t>(m.psid))
            .key("ports").value(static_cast<std::uint64_t>(m.ports)).key("blocks").begin_array();
        for (const auto& b : m.blocks) w.value(b);
        w.end_array();
    }
    w.end_object();
}

void write_links(JsonWriter& w, const char* key, const std::vector<LinkStatus>& links) {
    w.key(key).begin_array();
    for (const auto& l : links) {
        w.begin_object().key("name").value(l.name).key("device").value(l.device);
        if (!l.kind.empty()) w.key("kind").value(l.kind);
        w.key("state").value(l.state).key("addresses").begin_array();
        for (const auto& a : l.addresses) w.value(a);
        w.end_array();
        if (l.session) write_session(w, *l.session);
        if (l.mape) write_mape(w, *l.mape);
        w.end_object();
    }
    w.end_array();
}

void write_counters(JsonWriter& w, const char* key, const std::vector<CounterStatus>& list) {
    w.key(key).begin_array();
    for (const auto& c : list)
        w.begin_object().key("chain").value(c.chain).key("name").value(c.name)
            .key("packets").value(c.packets).key("bytes").value(c.bytes).end_object();
    w.end_array();
}

void write_forwards(JsonWriter& w, const std::vector<ForwardStatus>& list) {
    w.key("forwards").begin_array();
    for (const auto& f : list)
        w.begin_object().key("name").value(f.name).key("connections").value(f.connections)
            .key("packets").value(f.packets).key("bytes").value(f.bytes).end_object();
    w.end_array();
}

void write_kernel(JsonWriter& w, const KernelStatus& k) {
    w.key("kernel").begin_object()
        .key("broute").value(k.features.broute)
        .key("bridge_conntrack").value(k.features.bridge_conntrack)
        .key("br_netfilter").value(k.features.br_netfilter)
        .key("ipv6_split").value(k.ipv6_split)
        .key("flowtable").value(k.features.flowtable)
        .key("fast_path").value(k.fast_path)
        .end_object();
}

void write_apply(JsonWriter& w, const std::optional<ApplyRecord>& a) {
    w.key("last_apply");
    if (!a) {
        w.null();
        return;
    }
    w.begin_object().key("time").value(unix_seconds(a->time)).key("trigger").value(a->trigger)
        .key("ok").value(a->ok).key("changed").value(a->changed).key("result").value(a->result)
        .key("errors").value(a->errors).key("source").value(a->source).end_object();
}

void write_rollback(JsonWriter& w, const std::optional<RollbackRecord>& r) {
    w.key("last_rollback");
    if (!r) {
        w.null();
        return;
    }
    w.begin_object().key("time").value(unix_seconds(r->time)).key("reason").value(r->reason)
        .key("ok").value(r->ok).end_object();
}

// ---- reading ----------------------------------------------------------------

template <class T>
T get(const YAML::Node& n, const char* key, T fallback = {}) {
    const auto v = n[key];
    return v && !v.IsNull() ? v.as<T>() : fallback;
}

std::optional<SystemTime> get_time(const YAML::Node& n, const char* key) {
    const auto v = n[key];
    if (!v || v.IsNull()) return std::nullopt;
    return from_unix(v.as<std::int64_t>());
}

SessionStatus read_session(const YAML::Node& n) {
    SessionStatus s{get<std::string>(n, "state"), get<std::string>(n, "reason"),
                    get<std::string>(n, "address"), get<std::string>(n, "peer")};
    for (const auto& d : n["dns"]) s.dns.push_back(d.as<std::string>());
    s.since = get_time(n, "since");
    s.reconnects = get<std::uint32_t>(n, "reconnects");
    s.next_retry = get_time(n, "next_retry");
    for (const auto& h : n["history"])
        s.history.push_back({get<std::string>(h, "address"), from_unix(get<std::int64_t>(h, "since")),
                             get_time(h, "until")});
    s.lifetimes = get<std::uint32_t>(n, "lifetimes");
    s.mean_lifetime = get<std::int64_t>(n, "mean_lifetime");
    s.median_lifetime = get<std::int64_t>(n, "median_lifetime");
    return s;
}

MapeStatus read_mape(const YAML::Node& n) {
    MapeStatus m{get<bool>(n, "known"), get<std::string>(n, "end_user_prefix"), get<std::string>(n, "ce_ipv4"),
                 get<std::string>(n, "ce_ipv6"), get<std::string>(n, "br"), get<std::uint32_t>(n, "psid"),
                 get<std::uint32_t>(n, "psid_length"), get<std::uint32_t>(n, "ports"), {},
                 get<bool>(n, "legacy")};
    for (const auto& b : n["blocks"]) m.blocks.push_back(b.as<std::string>());
    return m;
}

std::vector<LinkStatus> read_links(const YAML::Node& list) {
    std::vector<LinkStatus> out;
    for (const auto& n : list) {
        LinkStatus l{get<std::string>(n, "name"), get<std::string>(n, "device"),
                     get<std::string>(n, "kind"), get<std::string>(n, "state"), {}};
        for (const auto& a : n["addresses"]) l.addresses.push_back(a.as<std::string>());
        if (auto s = n["session"]; s && s.IsMap()) l.session = read_session(s);
        if (auto m = n["mape"]; m && m.IsMap()) l.mape = read_mape(m);
        out.push_back(std::move(l));
    }
    return out;
}

std::vector<CounterStatus> read_counters(const YAML::Node& list) {
    std::vector<CounterStatus> out;
    for (const auto& n : list)
        out.push_back({get<std::string>(n, "chain"), get<std::string>(n, "name"),
                       get<std::uint64_t>(n, "packets"), get<std::uint64_t>(n, "bytes")});
    return out;
}

std::vector<ForwardStatus> read_forwards(const YAML::Node& list) {
    std::vector<ForwardStatus> out;
    for (const auto& n : list)
        out.push_back({get<std::string>(n, "name"), get<std::uint64_t>(n, "connections"),
                       get<std::uint64_t>(n, "packets"), get<std::uint64_t>(n, "bytes")});
    return out;
}

void read_optional_parts(const YAML::Node& root, StatusReport& s) {
    if (auto a = root["last_apply"]; a && a.IsMap())
        s.last_apply = ApplyRecord{from_unix(get<std::int64_t>(a, "time")), get<std::string>(a, "trigger"),
                                   get<bool>(a, "ok"), get<bool>(a, "changed"),
                                   get<std::string>(a, "result"), get<std::string>(a, "errors"),
                                   get<std::string>(a, "source")};
    if (auto r = root["last_rollback"]; r && r.IsMap())
        s.last_rollback = RollbackRecord{from_unix(get<std::int64_t>(r, "time")),
                                         get<std::string>(r, "reason"), get<bool>(r, "ok")};
    if (auto c = root["confirm_deadline"]; c && !c.IsNull()) s.confirm_deadline = from_unix(c.as<std::int64_t>());
    if (auto k = root["kernel"]; k && k.IsMap()) {
        s.kernel.features.broute = get<bool>(k, "broute");
        s.kernel.features.bridge_conntrack = get<bool>(k, "bridge_conntrack");
        s.kernel.features.br_netfilter = get<bool>(k, "br_netfilter");
        s.kernel.ipv6_split = get<std::string>(k, "ipv6_split");
        s.kernel.features.flowtable = get<bool>(k, "flowtable");
        s.kernel.fast_path = get<std::string>(k, "fast_path");
    }
}

}  // namespace

std::string status_to_json(const StatusReport& s) {
    JsonWriter w;
    w.begin_object().key("daemon").value(s.daemon).key("state").value(s.state)
        .key("config").value(s.config);
    write_links(w, "interfaces", s.interfaces);
    write_links(w, "uplinks", s.uplinks);
    write_forwards(w, s.forwards);
    write_counters(w, "drops", s.drops);
    write_counters(w, "rules", s.rules);
    write_kernel(w, s.kernel);
    if (s.ha) write_ha_json(w, *s.ha);
    if (s.routed6) write_routed6_json(w, *s.routed6);
    write_apply(w, s.last_apply);
    write_rollback(w, s.last_rollback);
    w.key("confirm_deadline");
    if (s.confirm_deadline) w.value(unix_seconds(*s.confirm_deadline));
    else w.null();
    w.key("errors").begin_array();
    for (const auto& e : s.errors) w.value(e);
    w.end_array().end_object();
    return w.str();
}

std::expected<StatusReport, std::string> status_from_json(std::string_view json) {
    try {
        YAML::Node root = YAML::Load(std::string(json));
        if (!root.IsMap()) return std::unexpected("status: not a JSON object");
        StatusReport s;
        s.daemon = get<bool>(root, "daemon");
        s.state = get<std::string>(root, "state");
        s.config = get<std::string>(root, "config");
        s.interfaces = read_links(root["interfaces"]);
        s.uplinks = read_links(root["uplinks"]);
        s.forwards = read_forwards(root["forwards"]);
        s.drops = read_counters(root["drops"]);
        s.rules = read_counters(root["rules"]);
        read_optional_parts(root, s);
        if (auto ha = root["ha"]; ha && ha.IsMap()) s.ha = read_ha_json(ha);
        if (auto r6 = root["routed6"]; r6 && r6.IsMap()) s.routed6 = read_routed6_json(r6);
        for (const auto& e : root["errors"]) s.errors.push_back(e.as<std::string>());
        return s;
    } catch (const YAML::Exception& e) {
        return std::unexpected(std::string("status: malformed JSON: ") + e.what());
    }
}

}  // namespace gw::status
