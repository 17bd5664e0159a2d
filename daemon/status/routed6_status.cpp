#include "daemon/status/routed6_status.hpp"

#include "daemon/status/section_json.hpp"

namespace gw::status {

using namespace section;

namespace {

std::string joined(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

}  // namespace

void write_routed6_json(rules::JsonWriter& w, const Routed6Status& s) {
    w.key("routed6").begin_object().key("radvd").value(s.radvd).key("uplinks").begin_array();
    for (const auto& u : s.uplinks) {
        w.begin_object().key("uplink").value(u.uplink).key("client").value(u.client).key("prefix").value(u.prefix)
            .key("preferred").value(static_cast<std::uint64_t>(u.preferred))
            .key("valid").value(static_cast<std::uint64_t>(u.valid));
        write_time(w, "received", u.received);
        write_strings(w, "dns", u.dns);
        write_strings(w, "retired", u.retired);
        w.end_object();
    }
    w.end_array().key("lans").begin_array();
    for (const auto& l : s.lans) {
        w.begin_object().key("interface").value(l.interface).key("link").value(l.link).key("prefix").value(l.prefix)
            .key("ra").value(l.ra);
        write_strings(w, "retired", l.retired);
        w.end_object();
    }
    w.end_array().end_object();
}

Routed6Status read_routed6_json(const YAML::Node& n) {
    Routed6Status s;
    s.radvd = read<std::string>(n, "radvd");
    for (const auto& u : n["uplinks"])
        s.uplinks.push_back({read<std::string>(u, "uplink"), read<std::string>(u, "client"),
                             read<std::string>(u, "prefix"), read<std::uint32_t>(u, "preferred"),
                             read<std::uint32_t>(u, "valid"), read_time(u, "received"), read_strings(u, "dns"),
                             read_strings(u, "retired")});
    for (const auto& l : n["lans"])
        s.lans.push_back({read<std::string>(l, "interface"), read<std::string>(l, "link"),
                          read<std::string>(l, "prefix"), read_strings(l, "retired"), read<bool>(l, "ra")});
    return s;
}

std::string render_routed6_section(const Routed6Status& s, SystemTime now) {
    std::string out = "Routed IPv6 (router advertisements: radvd " + s.radvd + ")\n";
    for (const auto& u : s.uplinks) {
        out += "  " + u.uplink + ": delegated " + (u.prefix.empty() ? std::string("none") : u.prefix);
        if (!u.prefix.empty())
            out += ", preferred " + std::to_string(u.preferred) + " s, valid " + std::to_string(u.valid) +
                   " s (received " + ago(u.received, now) + ")";
        out += "; DNS " + joined(u.dns) + "; DHCPv6 client " + u.client + '\n';
        if (!u.retired.empty()) out += "    retired (announced with lifetime 0): " + joined(u.retired) + '\n';
    }
    for (const auto& l : s.lans) {
        out += "  " + l.interface + " (" + l.link + "): " + (l.prefix.empty() ? std::string("no prefix yet") : l.prefix);
        out += l.ra ? ", announced" : ", not announced";
        if (!l.retired.empty()) out += "; deprecating " + joined(l.retired);
        out += '\n';
    }
    return out;
}

}  // namespace gw::status
