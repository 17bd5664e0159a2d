// ha: two gateways as a VRRP pair. keepalived elects the MASTER, conntrackd
// copies the connection table to the peer; gatewayd writes both programs'
// configuration from this section, runs them, and starts the uplinks named
// in `only-on-master` on the MASTER only. Checks here are the ones a wrong
// file would otherwise only show as a pair that never agrees: a VRID used
// twice on one link, a tracked link that is not there, a secret others can
// read, a binary that is not installed.
#include <algorithm>
#include <map>
#include <tuple>

#include "rules/config/sections.hpp"
#include "rules/config/suggest.hpp"
#include "rules/config/uplink_kinds.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kHaKeys[] = {"instances", "only-on-master", "sync", "keepalived", "conntrackd"};
constexpr std::string_view kInstanceKeys[] = {"interface", "vrid", "priority", "advert-interval",
                                              "virtual-addresses", "auth-secret-file", "track-links", "preempt"};
constexpr std::string_view kSyncKeys[] = {"interface", "peer"};

void parse_virtual_addresses(Reader& r, const Node& n, const std::string& path, VrrpInstance& vi) {
    if (!r.expect_list(n, path)) return;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
        auto p = r.read_host_prefix(n.items[i], join_path(path, i));
        if (!p) continue;
        if (!vi.virtual_addresses.empty() && p->value.address.family != vi.family())
            r.error(p->loc, join_path(path, i), "a VRRP instance carries addresses of one family",
                    "VRRP runs separately for IPv4 and IPv6: put the other family in an instance of its own");
        vi.virtual_addresses.push_back(*p);
    }
}

VrrpInstance parse_instance(Reader& r, const Node& key, const Node& n, const std::string& path) {
    VrrpInstance vi;
    vi.name = r.read_key_name(key, path);
    vi.loc = key.loc;
    if (!r.expect_map(n, path)) return vi;
    r.check_keys(n, path, kInstanceKeys);
    if (const Node* i = r.require(n, path, "interface", key.loc)) assign(vi.interface, r.read_name(*i, join_path(path, "interface")));
    if (const Node* v = r.require(n, path, "vrid", key.loc)) assign(vi.vrid, r.read_uint(*v, join_path(path, "vrid"), 1, 255));
    if (const Node* p = n.find("priority")) assign(vi.priority, r.read_uint(*p, join_path(path, "priority"), 1, 254));
    if (const Node* a = n.find("advert-interval"))
        assign(vi.advert_interval, r.read_uint(*a, join_path(path, "advert-interval"), 1, 255));
    if (const Node* v = r.require(n, path, "virtual-addresses", key.loc))
        parse_virtual_addresses(r, *v, join_path(path, "virtual-addresses"), vi);
    if (const Node* f = n.find("auth-secret-file"))
        vi.auth_secret_file = r.read_path(*f, join_path(path, "auth-secret-file"));
    if (const Node* t = n.find("track-links")) vi.track_links = r.read_names(*t, join_path(path, "track-links"));
    if (const Node* p = n.find("preempt")) assign(vi.preempt, r.read_bool(*p, join_path(path, "preempt")));
    return vi;
}

std::optional<HaSync> parse_sync(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kSyncKeys);
    HaSync s;
    s.loc = n.loc;
    if (const Node* i = r.require(n, path, "interface")) assign(s.interface, r.read_name(*i, join_path(path, "interface")));
    if (const Node* p = r.require(n, path, "peer")) assign(s.peer, r.read_address(*p, join_path(path, "peer"), net::Family::ipv4));
    return s;
}

}  // namespace

void parse_ha(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map(n, "ha")) return;
    r.check_keys(n, "ha", kHaKeys);
    Ha ha;
    ha.loc = n.loc;
    if (const Node* is = r.require(n, "ha", "instances")) {
        if (r.expect_map(*is, "ha.instances"))
            for (const auto& [key, value] : is->entries)
                ha.instances.push_back(parse_instance(r, key, value, join_path("ha.instances", key.text)));
    }
    if (const Node* o = n.find("only-on-master")) ha.only_on_master = r.read_names(*o, "ha.only-on-master");
    if (const Node* s = n.find("sync")) ha.sync = parse_sync(r, *s, "ha.sync");
    if (const Node* k = n.find("keepalived")) assign(ha.keepalived, r.read_path(*k, "ha.keepalived"));
    if (const Node* c = n.find("conntrackd")) assign(ha.conntrackd, r.read_path(*c, "ha.conntrackd"));
    cfg.ha = std::move(ha);
}

namespace {

std::vector<std::string> interface_names(const Config& cfg) {
    std::vector<std::string> out;
    for (const auto& i : cfg.interfaces) out.push_back(i.name.value);
    return out;
}

void check_interface(Reader& r, const Config& cfg, const Name& n, const std::string& path) {
    if (n.value.empty() || cfg.find_interface(n.value)) return;
    r.error(n.loc, path, "undefined interface '" + n.value + "'", did_you_mean(n.value, interface_names(cfg)));
}

// keepalived only sees kernel links; a name the file does not define would
// be tracked as a link that never comes up, and the instance would sit in
// FAULT for good.
void check_track_links(Reader& r, const Config& cfg, const VrrpInstance& vi, const std::string& path) {
    std::vector<std::string> known = interface_names(cfg);
    for (const auto& u : cfg.uplinks) known.push_back(u.name.value);
    for (const auto& t : vi.track_links) {
        if (cfg.find_interface(t.value) || cfg.find_uplink(t.value)) continue;
        r.error(t.loc, join_path(path, "track-links"), "tracked link '" + t.value + "' does not exist in this file",
                did_you_mean(t.value, known).empty() ? "name an entry of 'interfaces' or 'uplinks'"
                                                     : did_you_mean(t.value, known));
    }
}

// Two instances with one VRID on one link answer each other's adverts as if
// they were one router: keepalived logs it and the pair never settles.
void check_vrids(Reader& r, const Ha& ha) {
    std::map<std::tuple<std::string, std::uint32_t, net::Family>, const VrrpInstance*> seen;
    for (const auto& vi : ha.instances) {
        if (vi.vrid.value == 0 || vi.interface.value.empty()) continue;
        auto [it, fresh] = seen.emplace(std::make_tuple(vi.interface.value, vi.vrid.value, vi.family()), &vi);
        if (fresh) continue;
        r.error(vi.vrid.loc, join_path(join_path("ha.instances", vi.name.value), "vrid"),
                "VRID " + std::to_string(vi.vrid.value) + " is already used on '" + vi.interface.value +
                    "' by instance '" + it->second->name.value + "' (line " +
                    std::to_string(it->second->vrid.loc.line) + ")",
                "each VRRP instance on a link needs its own virtual router id");
    }
}

void check_only_on_master(Reader& r, const Config& cfg, const Ha& ha) {
    for (std::size_t i = 0; i < ha.only_on_master.size(); ++i) {
        const Name& n = ha.only_on_master[i];
        const Uplink* u = cfg.find_uplink(n.value);
        auto path = join_path("ha.only-on-master", i);
        if (!u) {
            std::vector<std::string> names;
            for (const auto& x : cfg.uplinks) names.push_back(x.name.value);
            r.error(n.loc, path, "undefined uplink '" + n.value + "'", did_you_mean(n.value, names));
        } else if (!uplink_kind(*u).supervised) {
            r.error(n.loc, path, "uplink '" + n.value + "' has no session to start or stop",
                    "only uplinks gatewayd runs a process for (pppoe) can follow the VRRP role");
        }
    }
}

void check_sync(Reader& r, const Config& cfg, const HaSync& s) {
    check_interface(r, cfg, s.interface, "ha.sync.interface");
    const Interface* itf = cfg.find_interface(s.interface.value);
    if (!itf || s.peer.value.family != net::Family::ipv4) return;
    bool on_link = std::any_of(itf->addresses.begin(), itf->addresses.end(), [&](const auto& a) {
        return a.value.address.family == net::Family::ipv4 && a.value.contains(s.peer.value);
    });
    if (!on_link)
        r.error(s.peer.loc, "ha.sync.peer", "peer " + s.peer.value.str() + " is not on a network of '" +
                                                s.interface.value + "'",
                "conntrackd sends to the peer from the sync link's own IPv4 address; give the link an address "
                "in the peer's network");
}

void check_host(Reader& r, const Ha& ha, const HostFacts& host) {
    auto binary = [&](const Located<std::string>& path, std::string_view key, std::string_view package) {
        if (auto why = host.executable_problem(path.value))
            r.error(path.loc.known() ? path.loc : ha.loc, "ha." + std::string(key),
                    std::string(key) + " " + path.value + ": " + *why,
                    "install the Debian package " + std::string(package) + " or name the binary with '" +
                        std::string(key) + ":'");
    };
    binary(ha.keepalived, "keepalived", "keepalived");
    if (ha.sync) binary(ha.conntrackd, "conntrackd", "conntrackd");
    for (const auto& vi : ha.instances) {
        if (!vi.auth_secret_file) continue;
        auto path = join_path(join_path("ha.instances", vi.name.value), "auth-secret-file");
        auto problem = host.secret_file_problem(vi.auth_secret_file->value);
        if (!problem) {
            // VRRP's simple password is 8 octets on the wire: keepalived
            // would cut a longer one, and a peer holding the whole text
            // would never match it.
            auto length = host.secret_length(vi.auth_secret_file->value);
            if (length && *length > kVrrpPasswordMax)
                r.error(vi.auth_secret_file->loc, path,
                        vi.auth_secret_file->value + ": the VRRP password has " + std::to_string(*length) +
                            " characters; VRRP carries at most " + std::to_string(kVrrpPasswordMax),
                        "write a password of 8 characters or fewer (the same on both boxes)");
            continue;
        }
        auto message = vi.auth_secret_file->value + ": " + problem->why;
        if (problem->missing)
            r.warning(vi.auth_secret_file->loc, path, message, "gatewayd will not start keepalived until it exists");
        else
            r.error(vi.auth_secret_file->loc, path, message, "chown root: and chmod 0600 the file");
    }
}

}  // namespace

void validate_ha(Reader& r, const Config& cfg, const HostFacts* host) {
    if (!cfg.ha) return;
    const Ha& ha = *cfg.ha;
    for (const auto& vi : ha.instances) {
        auto path = join_path("ha.instances", vi.name.value);
        check_interface(r, cfg, vi.interface, join_path(path, "interface"));
        check_track_links(r, cfg, vi, path);
    }
    check_vrids(r, ha);
    check_only_on_master(r, cfg, ha);
    if (ha.sync) check_sync(r, cfg, *ha.sync);
    if (host) check_host(r, ha, *host);
}

}  // namespace gw::config
