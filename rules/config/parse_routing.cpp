// routing: which uplink carries what when there are several. `default`
// names the uplink for everything unpinned; `pin` sends sources (networks,
// sets, zones) through one uplink; replies leave by the uplink a connection
// came in on unless reply-via-ingress is off.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kRoutingKeys[] = {"default", "reply-via-ingress", "pin"};
constexpr std::string_view kPinKeys[] = {"from", "zone", "uplink", "fallback"};
// Matches netstate::kMaxPins (rules/netstate/owner.hpp), which the config
// layer does not include.
constexpr std::size_t kMaxPins = 250;

std::optional<Pin> parse_pin(Reader& r, const Node& n, const std::string& path) {
    if (!r.expect_map(n, path)) return std::nullopt;
    r.check_keys(n, path, kPinKeys);
    Pin pin;
    pin.loc = n.loc;
    if (const Node* v = n.find("from")) pin.from = r.read_address_list(*v, join_path(path, "from"));
    if (const Node* v = n.find("zone")) pin.zones = r.read_names(*v, join_path(path, "zone"));
    if (const Node* v = r.require(n, path, "uplink")) assign(pin.uplink, r.read_name(*v, join_path(path, "uplink")));
    if (const Node* v = n.find("fallback"))
        assign(pin.fallback, r.read_enum<PinFallback>(*v, join_path(path, "fallback"),
                                                      {{"default", PinFallback::default_route}, {"drop", PinFallback::drop}}));
    if (!n.find("from") && !n.find("zone"))
        r.error(n.loc, path, "pin matches nothing: give 'from' or 'zone'");
    for (const auto& p : pin.from.prefixes)
        if (p->address.family == net::Family::ipv6)
            r.warning(p.loc, join_path(path, "from"), "IPv6 sources are not pinned: policy routing is IPv4 only",
                      "IPv6 leaves by the route of the uplink that announced the prefix");
    return pin;
}

}  // namespace

void parse_routing(Reader& r, const Node& n, Config& cfg) {
    if (!r.expect_map_or_null(n, "routing")) return;
    r.check_keys(n, "routing", kRoutingKeys);
    if (const Node* v = n.find("default")) cfg.routing.default_uplink = r.read_name(*v, "routing.default");
    if (const Node* v = n.find("reply-via-ingress"))
        assign(cfg.routing.reply_via_ingress, r.read_bool(*v, "routing.reply-via-ingress"));
    if (const Node* p = n.find("pin"); p && !p->is_null() && r.expect_list(*p, "routing.pin")) {
        for (std::size_t i = 0; i < p->items.size(); ++i)
            if (auto pin = parse_pin(r, p->items[i], join_path("routing.pin", i))) cfg.routing.pins.push_back(std::move(*pin));
        // Each pin takes two rule priorities of gatewayd's band (lookup, fallback).
        if (p->items.size() > kMaxPins)
            r.error(p->items[kMaxPins].loc, join_path("routing.pin", kMaxPins),
                    "too many pins: at most " + std::to_string(kMaxPins),
                    "pin a network or a set instead of single hosts");
    }
}

}  // namespace gw::config
