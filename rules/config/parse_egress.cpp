// egress: owner rules on the gateway's own outgoing connections. A rule
// names who may connect (users/groups: everybody else is refused) or who
// may not (deny-users/deny-groups: everybody else may), never both. Whether
// those accounts exist on this host is checked in validate_semantics.cpp.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kEgressKeys[] = {"name",   "proto",      "port",        "destination", "family",
                                            "users",  "groups",     "deny-users",  "deny-groups", "action"};

// A list key that is absent or written as [] names nobody.
bool names_someone(const Node& n, std::string_view key) {
    const Node* v = n.find(key);
    return v && !(v->is_sequence() && v->items.empty());
}

// The first key of `keys` the rule has, even with an empty list.
const Node* first_key(const Node& n, std::initializer_list<std::string_view> keys) {
    for (auto key : keys)
        if (const Node* k = n.find_key(key)) return k;
    return nullptr;
}

// One form per rule: "users: [a]" plus "deny-users: [b]" would leave it
// unclear what happens to c. And a rule must name somebody.
void check_owner_form(Reader& r, const Node& n, const std::string& path, const EgressRule& e) {
    const Node* allow = first_key(n, {"users", "groups"});
    const Node* deny = first_key(n, {"deny-users", "deny-groups"});
    if (allow && deny) {
        r.error(deny->loc, join_path(path, deny->text),
                "egress rule mixes '" + allow->text + "' (who may connect) with '" + deny->text +
                    "' (who may not)",
                "use two rules: one with users/groups, one with deny-users/deny-groups");
        return;
    }
    bool someone = names_someone(n, "users") || names_someone(n, "groups") ||
                   names_someone(n, "deny-users") || names_someone(n, "deny-groups");
    if (!someone)
        r.error(e.name.loc.known() ? e.name.loc : n.loc, path, "egress rule names nobody",
                "give 'users'/'groups' (only they may connect) or 'deny-users'/'deny-groups' "
                "(they may not)");
}

void read_owners(Reader& r, const Node& n, const std::string& path, EgressRule& e) {
    if (const Node* v = n.find("users")) e.users = r.read_strings(*v, join_path(path, "users"));
    if (const Node* v = n.find("groups")) e.groups = r.read_strings(*v, join_path(path, "groups"));
    if (const Node* v = n.find("deny-users")) e.deny_users = r.read_strings(*v, join_path(path, "deny-users"));
    if (const Node* v = n.find("deny-groups")) e.deny_groups = r.read_strings(*v, join_path(path, "deny-groups"));
    check_owner_form(r, n, path, e);
}

std::optional<EgressRule> parse_egress_rule(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kEgressKeys);
    EgressRule e;
    e.loc = n.loc;
    if (const Node* v = r.require(n, path, "name")) assign(e.name, r.read_name(*v, join_path(path, "name")));
    if (const Node* v = n.find("proto"))
        assign(e.proto, r.read_port_proto(*v, join_path(path, "proto")));
    if (const Node* v = n.find("port")) e.ports = r.read_ports(*v, join_path(path, "port"));
    if (const Node* v = n.find("destination")) e.destination = r.read_address_list(*v, join_path(path, "destination"));
    if (const Node* v = n.find("family"))
        assign(e.family, r.read_enum<Family>(*v, join_path(path, "family"),
                                             {{"ipv4", Family::ipv4}, {"ipv6", Family::ipv6}, {"any", Family::any}}));
    read_owners(r, n, path, e);
    if (const Node* v = n.find("action"))
        assign(e.action, r.read_enum<EgressAction>(*v, join_path(path, "action"),
                                                   {{"reject", EgressAction::reject}, {"drop", EgressAction::drop}}));
    check_rule_shape(r, n, path, e.proto, e.family, {}, e.destination);
    return e;
}

}  // namespace

void parse_egress(Reader& r, const Node& n, Config& cfg) {
    if (n.is_null() || !r.expect_list(n, "egress")) return;
    for (std::size_t i = 0; i < n.items.size(); ++i)
        if (auto e = parse_egress_rule(r, n.items[i], join_path("egress", i))) cfg.egress.push_back(std::move(*e));
}

}  // namespace gw::config
