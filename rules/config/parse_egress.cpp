// egress: owner rules on the gateway's own outgoing connections. For the
// matched destination only the listed users/groups may connect; everybody
// else is rejected or dropped. Whether those users exist on this host is
// checked in validate_semantics.cpp through HostFacts.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kEgressKeys[] = {"name", "proto", "port", "destination", "family", "users", "groups", "action"};

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
    if (const Node* v = n.find("users")) e.users = r.read_strings(*v, join_path(path, "users"));
    if (const Node* v = n.find("groups")) e.groups = r.read_strings(*v, join_path(path, "groups"));
    if (const Node* v = n.find("action"))
        assign(e.action, r.read_enum<EgressAction>(*v, join_path(path, "action"),
                                                   {{"reject", EgressAction::reject}, {"drop", EgressAction::drop}}));
    auto none = [&](std::string_view key) {
        const Node* v = n.find(key);
        return !v || (v->is_sequence() && v->items.empty());
    };
    if (none("users") && none("groups"))
        r.error(e.name.loc.known() ? e.name.loc : n.loc, path, "egress rule allows nobody: give 'users' or 'groups'");
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
