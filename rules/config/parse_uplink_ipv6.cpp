// uplinks.<name>.ipv6 and .dhcpv6-pd: how an uplink takes IPv6 and whether
// a DHCPv6 client asks the ISP for a prefix on it. The kind decides the
// default (a PPPoE session runs without IPv6CP unless asked; an Ethernet
// uplink takes router advertisements); a prefix delegation needs IPv6 on
// the link, since the DHCPv6 exchange itself runs over it.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kPdKeys[] = {"size-hint"};

std::optional<Located<UplinkIpv6>> read_ipv6_mode(Reader& r, const Node& n, const std::string& path,
                                                  UplinkKind kind) {
    auto mode = r.read_enum<UplinkIpv6>(n, path,
                                        {{"true", UplinkIpv6::ra},
                                         {"ra", UplinkIpv6::ra},
                                         {"false", UplinkIpv6::off},
                                         {"static", UplinkIpv6::static_}});
    if (mode && mode->value == UplinkIpv6::static_ && kind == UplinkKind::pppoe) {
        r.error(n.loc, path, "'ipv6: static' is for next-hop uplinks",
                "a PPPoE session takes IPv6 by IPv6CP and router advertisements: write ipv6: true");
        return std::nullopt;
    }
    return mode;
}

std::optional<PrefixDelegation> read_pd(Reader& r, const Node& n, const std::string& path) {
    PrefixDelegation pd;
    pd.loc = n.loc;
    if (n.is_scalar() && n.plain && n.text == "true") return pd;
    if (!r.expect_map_or_null(n, path)) return std::nullopt;
    r.check_keys(n, path, kPdKeys);
    if (const Node* s = n.find("size-hint"))
        assign(pd.size_hint, r.read_uint(*s, join_path(path, "size-hint"), 32, 64));
    return pd;
}

}  // namespace

void parse_uplink_ipv6(Reader& r, const Node& n, const std::string& path, Uplink& up) {
    up.ipv6 = {up.kind.value == UplinkKind::pppoe ? UplinkIpv6::off : UplinkIpv6::ra, {}};
    if (const Node* v = n.find("ipv6")) assign(up.ipv6, read_ipv6_mode(r, *v, join_path(path, "ipv6"), up.kind.value));
    const Node* pd = n.find("dhcpv6-pd");
    if (!pd || (pd->is_scalar() && pd->plain && pd->text == "false")) return;
    auto pd_path = join_path(path, "dhcpv6-pd");
    up.dhcpv6_pd = read_pd(r, *pd, pd_path);
    if (up.dhcpv6_pd && up.ipv6.value == UplinkIpv6::off && !r.has_error_at(join_path(path, "ipv6")))
        r.error(pd->loc, pd_path, "dhcpv6-pd on uplink '" + up.name.value + "', whose IPv6 is disabled",
                up.kind.value == UplinkKind::pppoe
                    ? "the prefix is asked for over the link's IPv6: add 'ipv6: true' so pppd negotiates IPv6CP"
                    : "the prefix is asked for over the link's IPv6: remove 'ipv6: false' or set it to ra");
}

}  // namespace gw::config
