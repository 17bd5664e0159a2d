// uplinks: the ways out. A pppoe uplink is a pppd session on an Ethernet
// port; a next-hop uplink is a router reached over a link; a map-e uplink
// (parse_mape.cpp) is a tunnel to a border relay over a link's IPv6. Keys of one kind
// on another are errors, and a PPPoE password is never accepted inline.
// The kinds, with the keys only each accepts, are in uplink_kinds.cpp;
// each kind's own keys are read by its section below.
#include <algorithm>
#include <vector>

#include "rules/config/sections.hpp"
#include "rules/config/uplink_kinds.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kUplinkKeys[] = {
    "kind",   "device",        "username", "password-file", "password", "service",     "ac-name",
    "lcp-echo", "gateway",     "gateway6", "mtu",           "default-route", "metric", "table",
    "use-dns", "resolv-conf",  "on-up",    "on-down",       "hook-timeout", "enabled",  "profile",
    "br",      "rule",         "legacy",   "end-user-prefix", "ipv6", "dhcpv6-pd",
};
constexpr std::string_view kLcpKeys[] = {"interval", "failures"};

bool contains(std::span<const std::string_view> list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

// The kind that owns `key` when it is not `mine`'s; null when it is a common key or mine.
const UplinkKindInfo* other_owner(std::string_view key, UplinkKind mine) {
    for (const auto& k : uplink_kinds())
        if (k.kind != mine && contains(k.keys, key)) return &k;
    return nullptr;
}

void check_kind_keys(Reader& r, const Node& n, const std::string& path, UplinkKind kind) {
    std::string mine(uplink_kind(kind).name);
    for (const auto& [key, value] : n.entries) {
        if (const auto* owner = other_owner(key.text, kind))
            r.error(key.loc, join_path(path, key.text),
                    "'" + key.text + "' is only valid for " + std::string(owner->name) + " uplinks, this one is " +
                        mine);
    }
}

std::optional<Located<UplinkKind>> read_kind(Reader& r, const Node& n, const std::string& path) {
    static const auto names = [] {
        std::vector<std::pair<std::string_view, UplinkKind>> out;
        for (const auto& k : uplink_kinds()) out.emplace_back(k.name, k.kind);
        return out;
    }();
    return r.read_enum<UplinkKind>(n, path, names);
}

// pppd gets the username as one argument and sends it to the peer: an
// empty one or one with control characters is a mistake, never a login.
void check_username(Reader& r, const std::optional<Located<std::string>>& name, const std::string& path) {
    if (!name) return;
    bool printable = !name->value.empty();
    for (unsigned char c : name->value) printable = printable && c >= ' ' && c != 0x7f;
    if (!printable)
        r.error(name->loc, path, "the username must be non-empty text without control characters");
}

}  // namespace

// ---- the kinds' own sections (uplink_kinds.cpp names them) ----------------

void parse_pppoe_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    if (const Node* u = r.require(n, path, "username", up.name.loc)) {
        up.username = r.read_string(*u, join_path(path, "username"));
        check_username(r, up.username, join_path(path, "username"));
    }
    if (const Node* f = r.require(n, path, "password-file", up.name.loc))
        up.password_file = r.read_path(*f, join_path(path, "password-file"));
    if (const Node* s = n.find("service")) up.service = r.read_string(*s, join_path(path, "service"));
    if (const Node* a = n.find("ac-name")) up.ac_name = r.read_string(*a, join_path(path, "ac-name"));
    if (const Node* l = n.find("lcp-echo")) {
        auto lp = join_path(path, "lcp-echo");
        if (!r.expect_map(*l, lp)) return;
        r.check_keys(*l, lp, kLcpKeys);
        if (const Node* i = l->find("interval"))
            assign(up.lcp_echo.interval, r.read_uint(*i, join_path(lp, "interval"), 1, 3600));
        if (const Node* f = l->find("failures"))
            assign(up.lcp_echo.failures, r.read_uint(*f, join_path(lp, "failures"), 1, 1000));
    }
}

// Hooks and DNS come from a PPPoE session (pppd's IPCP, the session going
// up and down); other kinds have neither, so these would silently do
// nothing: refused at their line instead.
void refuse_session_keys(Reader& r, const Node& n, const std::string& path, std::string_view kind) {
    std::string a = "a " + std::string(kind) + " uplink";
    for (const char* key : {"on-up", "on-down", "resolv-conf"})
        if (const Node* k = n.find(key))
            r.error(k->loc, join_path(path, key), std::string("'") + key + "' works for pppoe uplinks only",
                    a + " has no session that comes up or down and learns no DNS servers");
    if (const Node* u = n.find("use-dns"); u && u->text == "true")
        r.error(u->loc, join_path(path, "use-dns"), "'use-dns: true' works for pppoe uplinks only",
                a + " learns no DNS servers; leave the key out or set it to false");
}

void parse_next_hop_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    if (const Node* g = r.require(n, path, "gateway", up.name.loc))
        up.gateway = r.read_address(*g, join_path(path, "gateway"), net::Family::ipv4);
    if (const Node* g6 = n.find("gateway6"))
        up.gateway6 = r.read_address(*g6, join_path(path, "gateway6"), net::Family::ipv6);
    refuse_session_keys(r, n, path, "next-hop");
}

namespace {

void parse_table(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    auto t = r.read_uint(n, path, 1, 0xffffffffu);
    if (!t) return;
    if (t->value >= 253 && t->value <= 255) {
        r.error(n.loc, path, "routing table " + std::to_string(t->value) + " is reserved",
                "253, 254 and 255 are the kernel's default, main and local tables; pick another number");
        return;
    }
    up.table = t;
}

void parse_common(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    if (const Node* d = r.require(n, path, "device", up.name.loc))
        assign(up.device, r.read_link_name(*d, join_path(path, "device")));
    if (const Node* m = n.find("mtu")) up.mtu = r.read_uint(*m, join_path(path, "mtu"), 68, 65535);
    if (const Node* d = n.find("default-route"))
        assign(up.default_route, r.read_bool(*d, join_path(path, "default-route")));
    if (const Node* m = n.find("metric")) assign(up.metric, r.read_uint(*m, join_path(path, "metric"), 0, 0xffffffffu));
    if (const Node* t = n.find("table")) parse_table(r, *t, join_path(path, "table"), up);
    if (const Node* u = n.find("use-dns")) assign(up.use_dns, r.read_bool(*u, join_path(path, "use-dns")));
    if (const Node* c = n.find("resolv-conf")) up.resolv_conf = r.read_path(*c, join_path(path, "resolv-conf"));
    if (const Node* h = n.find("on-up")) up.hooks.on_up = r.read_string(*h, join_path(path, "on-up"));
    if (const Node* h = n.find("on-down")) up.hooks.on_down = r.read_string(*h, join_path(path, "on-down"));
    if (const Node* t = n.find("hook-timeout"))
        assign(up.hooks.timeout, r.read_uint(*t, join_path(path, "hook-timeout"), 1, 3600));
    if (const Node* e = n.find("enabled")) assign(up.enabled, r.read_bool(*e, join_path(path, "enabled")));
}

Uplink parse_uplink(Reader& r, const Node& key, const Node& n, const std::string& path) {
    Uplink up;
    up.name = r.read_key_name(key, path);
    up.loc = key.loc;
    if (n.is_null()) {
        r.error(key.loc, path, "uplink '" + key.text + "' is empty", "an uplink needs at least 'kind' and 'device'");
        return up;
    }
    if (!r.expect_map(n, path)) return up;
    r.check_keys(n, path, kUplinkKeys);
    // Listed as a known key so the operator gets this message, not "unknown key".
    if (const Node* pw = n.find_key("password")) {
        r.error(pw->loc, join_path(path, "password"), "inline password not allowed",
                "put it in a root-only file (mode 0600) and name that file with password-file");
    }
    parse_common(r, n, path, up);
    const Node* k = r.require(n, path, "kind", up.name.loc);
    auto kind = k ? read_kind(r, *k, join_path(path, "kind")) : std::nullopt;
    if (!kind) return up;
    up.kind = *kind;
    check_kind_keys(r, n, path, kind->value);
    uplink_kind(kind->value).parse(r, n, path, up);
    parse_uplink_ipv6(r, n, path, up);
    return up;
}

}  // namespace

void parse_uplinks(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "uplinks")) return;
    for (const auto& [key, value] : n.entries)
        cfg.uplinks.push_back(parse_uplink(r, key, value, join_path("uplinks", key.text)));
}

}  // namespace gw::config
