// The keys of a map-e uplink: the border relay, the basic mapping rule,
// the interface-ID layout, a profile that fills BR and layout, and an
// optional fixed end-user prefix. The rule is checked as a whole here
// (EA-bits against both prefixes, the PSID against the port), each problem
// at the key that has to change.
#include "rules/config/sections.hpp"
#include "rules/mape/map_rule.hpp"
#include "rules/mape/profiles.hpp"
#include "rules/mape/uplink.hpp"

namespace gw::config {
namespace {

template <class T>
bool assign_ok(T& dst, std::optional<T>&& v) {
    bool ok = v.has_value();
    assign(dst, std::move(v));
    return ok;
}

constexpr std::string_view kRuleKeys[] = {"ipv6-prefix", "ipv4-prefix", "ea-bits", "psid-offset", "psid-length"};

// Rule prefixes are the ISP's public space by definition: read without the
// near-miss-of-a-private-range check read_network() does (106.72.0.0/15 is
// one edit away from 10.72.0.0/15 and means it).
std::optional<Located<net::Prefix>> read_family_network(Reader& r, const Node& n, const std::string& path,
                                                        net::Family family) {
    auto s = r.read_string(n, path);
    if (!s) return std::nullopt;
    auto p = net::Prefix::parse(s->value);
    if (!p) {
        r.error(n.loc, path, "invalid prefix '" + s->value + "'");
        return std::nullopt;
    }
    if (p->address.family != family) {
        r.error(n.loc, path, family == net::Family::ipv6 ? "expected an IPv6 prefix" : "expected an IPv4 prefix",
                "the rule maps an IPv6 prefix (ipv6-prefix) to an IPv4 prefix (ipv4-prefix)");
        return std::nullopt;
    }
    if (p->has_host_bits()) {
        r.error(n.loc, path, "host bits set in " + s->value, "did you mean " + p->network().str() + "?");
        return std::nullopt;
    }
    return Located<net::Prefix>{*p, n.loc};
}

// False when a part is missing or malformed: the whole-rule checks would only add noise.
bool read_rule(Reader& r, const Node& n, const std::string& path, MapRuleSpec& rule) {
    rule.loc = n.loc;
    if (!r.expect_map(n, path)) return false;
    r.check_keys(n, path, kRuleKeys);
    bool ok = true;
    auto need = [&](const char* key) {
        const Node* v = r.require(n, path, key);
        ok = ok && v;
        return v;
    };
    if (const Node* v6 = need("ipv6-prefix")) ok = assign_ok(rule.ipv6_prefix, read_family_network(r, *v6, join_path(path, "ipv6-prefix"), net::Family::ipv6)) && ok;
    if (const Node* v4 = need("ipv4-prefix")) ok = assign_ok(rule.ipv4_prefix, read_family_network(r, *v4, join_path(path, "ipv4-prefix"), net::Family::ipv4)) && ok;
    if (const Node* ea = need("ea-bits")) ok = assign_ok(rule.ea_bits, r.read_uint(*ea, join_path(path, "ea-bits"), 0, 48)) && ok;
    if (const Node* o = n.find("psid-offset"))
        ok = assign_ok(rule.psid_offset, r.read_uint(*o, join_path(path, "psid-offset"), 0, 15)) && ok;
    if (const Node* l = n.find("psid-length")) {
        rule.psid_length = r.read_uint(*l, join_path(path, "psid-length"), 0, 16);
        ok = ok && rule.psid_length;
    }
    return ok;
}

// The problem goes to the key the operator has to change.
void check_whole_rule(Reader& r, const MapRuleSpec& spec, const mape::MapRule& rule, const std::string& path) {
    std::optional<int> stated;
    if (spec.psid_length) stated = static_cast<int>(spec.psid_length->value);
    auto problem = mape::check_rule(rule, stated);
    if (!problem) return;
    using W = mape::RuleProblem::What;
    Loc at = spec.ea_bits.loc;
    std::string key = "ea-bits";
    if (problem->what == W::psid_length_mismatch) at = spec.psid_length->loc, key = "psid-length";
    if (problem->what == W::psid_too_long) at = spec.psid_offset.loc.known() ? spec.psid_offset.loc : spec.ea_bits.loc,
                                           key = spec.psid_offset.loc.known() ? "psid-offset" : "ea-bits";
    r.error(at, join_path(path, key), problem->message, problem->hint);
}

void check_end_user_prefix(Reader& r, const Located<net::Prefix>& p, const mape::MapRule& rule,
                           const std::string& path) {
    if (!rule.ipv6.contains(p.value.address)) {
        r.error(p.loc, path, "end-user prefix " + p.value.str() + " is not inside the rule prefix " + rule.ipv6.str(),
                "the rule only maps prefixes under " + rule.ipv6.str() + "; check the rule or the prefix");
        return;
    }
    if (p.value.length < rule.end_user_length())
        r.error(p.loc, path,
                "end-user prefix " + p.value.str() + " is shorter than the /" +
                    std::to_string(rule.end_user_length()) + " the rule's EA-bits need",
                "write the delegated prefix, at least /" + std::to_string(rule.end_user_length()));
}

// The profile's layout now; its BR once the rule is read (a service can
// have one BR per part of its rule space).
const mape::Profile* apply_profile(Reader& r, const Node& n, const std::string& path, MapE& m) {
    m.profile = r.read_string(n, path);
    if (!m.profile) return nullptr;
    const auto* p = mape::find_profile(m.profile->value);
    if (!p) {
        std::string names;
        for (const auto& known : mape::profiles()) names += (names.empty() ? "" : ", ") + std::string(known.name);
        r.error(n.loc, path, "unknown map-e profile '" + m.profile->value + "'", "known profiles: " + names);
        return nullptr;
    }
    m.br.value = *net::Address::parse(p->br);
    m.legacy.value = p->legacy;
    return p;
}

}  // namespace

void parse_map_e_uplink(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    MapE m;
    const mape::Profile* profile = nullptr;
    if (const Node* p = n.find("profile")) profile = apply_profile(r, *p, join_path(path, "profile"), m);
    const Node* br = n.find("br");
    if (br) assign(m.br, r.read_address(*br, join_path(path, "br"), net::Family::ipv6));
    else if (!m.profile) r.require(n, path, "br", up.name.loc);
    if (const Node* l = n.find("legacy")) assign(m.legacy, r.read_bool(*l, join_path(path, "legacy")));
    const Node* rule = r.require(n, path, "rule", up.name.loc);
    bool rule_ok = rule && read_rule(r, *rule, join_path(path, "rule"), m.rule);
    if (profile && !br && rule_ok) m.br.value = mape::profile_br(*profile, m.rule.ipv6_prefix->network());
    if (rule_ok) check_whole_rule(r, m.rule, mape::map_rule_of(m), join_path(path, "rule"));
    if (const Node* e = n.find("end-user-prefix")) {
        m.end_user_prefix = read_family_network(r, *e, join_path(path, "end-user-prefix"), net::Family::ipv6);
        if (m.end_user_prefix && rule_ok)
            check_end_user_prefix(r, *m.end_user_prefix, mape::map_rule_of(m), join_path(path, "end-user-prefix"));
    }
    refuse_session_keys(r, n, path, "map-e");
    up.map_e = std::move(m);
}

}  // namespace gw::config
