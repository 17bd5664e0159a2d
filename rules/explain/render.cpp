#include "rules/explain/render.hpp"

#include "rules/json.hpp"

namespace gw::explain {
namespace {

std::string proto_name(const Packet& p) {
    switch (p.l4proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    }
    return std::to_string(p.l4proto);
}

std::string where(const Step& s, const std::string& file) {
    if (!s.loc.known()) return s.origin.empty() ? "built in" : s.origin;
    std::string at = file + ":" + std::to_string(s.loc.line) + ":" + std::to_string(s.loc.col);
    return s.origin.empty() ? at : s.origin + " at " + at;
}

std::string indent_lines(const std::string& text, const std::string& pad) {
    std::string out = pad;
    for (char c : text) {
        out += c;
        if (c == '\n') out += pad;
    }
    return out;
}

std::string verdict_line(const Explanation& ex) {
    const Packet& f = ex.final;
    std::string ports = f.has_ports() ? ":" + std::to_string(f.dport) : "";
    switch (ex.outcome) {
    case Outcome::delivered:
        if (ex.to_gateway) return "delivered to the gateway itself (" + endpoint_text(f.daddr, std::nullopt) + ports +
                                  "), source seen " + f.saddr.str();
        return "delivered to " + endpoint_text(f.daddr, std::nullopt) + ports + " out of " + ex.out_link +
               ", source seen " + f.saddr.str();
    case Outcome::dropped: return "dropped (the sender times out)";
    case Outcome::rejected: return "rejected (the sender is refused at once)";
    case Outcome::unreachable: return "unreachable (the sender gets ICMP unreachable)";
    }
    return "";
}

}  // namespace

std::string endpoint_text(const net::Address& a, std::optional<std::uint16_t> port) {
    std::string s = a.family == net::Family::ipv6 && port ? "[" + a.str() + "]" : a.str();
    return port ? s + ":" + std::to_string(*port) : s;
}

std::string packet_text(const Packet& p) {
    auto port = [&](std::uint16_t v) { return p.has_ports() ? std::optional<std::uint16_t>(v) : std::nullopt; };
    std::string s = proto_name(p) + " " + endpoint_text(p.saddr, port(p.sport)) + " -> " + endpoint_text(p.daddr, port(p.dport));
    if (!p.iif.empty()) s += " in on " + p.iif;
    if (p.skuid) s += " (uid " + std::to_string(*p.skuid) + ")";
    return s;
}

std::string render_text(const Explanation& ex, const std::string& file) {
    std::string out = "packet: " + packet_text(ex.initial) + "\n";
    for (const auto& n : ex.notes) out += "note: " + n + "\n";
    for (const auto& s : ex.steps) {
        out += "  " + s.stage + std::string(s.stage.size() < 18 ? 18 - s.stage.size() : 1, ' ') + s.detail +
               " (" + where(s, file) + ")\n";
        if (!s.rule.empty()) out += indent_lines((s.chain.empty() ? "" : s.chain + ": ") + s.rule, "      ") + "\n";
    }
    return out + "verdict: " + verdict_line(ex) + "\n";
}

std::string render_json(const Explanation& ex, const std::string& file) {
    rules::JsonWriter j;
    auto packet = [&](const char* key, const Packet& p) {
        j.key(key).begin_object();
        j.key("family").value(p.family == net::Family::ipv4 ? "ipv4" : "ipv6");
        j.key("proto").value(proto_name(p));
        j.key("source").value(p.saddr.str());
        j.key("destination").value(p.daddr.str());
        if (p.has_ports()) j.key("sport").value(int{p.sport}).key("dport").value(int{p.dport});
        if (!p.iif.empty()) j.key("in").value(p.iif);
        if (p.skuid) j.key("uid").value(static_cast<std::uint64_t>(*p.skuid));
        j.end_object();
    };
    j.begin_object();
    packet("packet", ex.initial);
    j.key("verdict").value(outcome_name(ex.outcome));
    j.key("to_gateway").value(ex.to_gateway);
    if (!ex.out_link.empty()) j.key("out").value(ex.out_link);
    packet("delivered_as", ex.final);
    j.key("notes").begin_array();
    for (const auto& n : ex.notes) j.value(n);
    j.end_array().key("steps").begin_array();
    for (const auto& s : ex.steps) {
        j.begin_object().key("stage").value(s.stage).key("verdict").value(s.verdict).key("detail").value(s.detail);
        if (!s.chain.empty()) j.key("chain").value(s.chain);
        if (!s.rule.empty()) j.key("rule").value(s.rule);
        if (!s.origin.empty()) j.key("origin").value(s.origin);
        if (s.loc.known())
            j.key("file").value(file).key("line").value(s.loc.line).key("column").value(s.loc.col);
        j.end_object();
    }
    j.end_array().end_object();
    return j.str() + "\n";
}

}  // namespace gw::explain
