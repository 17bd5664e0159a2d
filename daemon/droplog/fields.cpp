#include "daemon/droplog/fields.hpp"

#include <algorithm>

namespace gw::droplog {
namespace {

std::string value_of(const Fields& fields, std::string_view name) {
    auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
    return it == fields.end() ? "" : it->second;
}

std::string endpoint(const Fields& f, std::string_view addr, std::string_view port) {
    std::string a = value_of(f, addr), p = value_of(f, port);
    if (p.empty()) return a;
    return a.find(':') != std::string::npos ? "[" + a + "]:" + p : a + ":" + p;
}

}  // namespace

std::string drop_class(std::string_view prefix) {
    while (!prefix.empty() && (prefix.back() == ' ' || prefix.back() == ':')) prefix.remove_suffix(1);
    if (prefix.starts_with("gw-")) prefix.remove_prefix(3);
    return std::string(prefix);
}

Fields drop_fields(const kernel::NflogPacket& p, const IfName& if_name) {
    Fields f;
    auto add = [&f](std::string_view name, std::string value) {
        if (!value.empty()) f.emplace_back(std::string(name), std::move(value));
    };
    auto iface = [&](std::uint32_t port, std::uint32_t dev) { return port ? if_name(port) : dev ? if_name(dev) : ""; };
    add("GW_CLASS", drop_class(p.prefix));
    add("GW_CHAIN", p.hook ? kernel::hook_name(*p.hook) : "");
    add("GW_IN", iface(p.physindev, p.indev));
    add("GW_OUT", iface(p.physoutdev, p.outdev));
    add("GW_SRC", p.src);
    add("GW_DST", p.dst);
    add("GW_PROTO", p.proto);
    add("GW_SPORT", p.sport ? std::to_string(*p.sport) : "");
    add("GW_DPORT", p.dport ? std::to_string(*p.dport) : "");
    return f;
}

std::string drop_message(const Fields& f) {
    std::string in = value_of(f, "GW_IN"), out = value_of(f, "GW_OUT");
    std::string text = "drop " + value_of(f, "GW_CLASS") + ":";
    if (!in.empty() || !out.empty()) text += " " + (in.empty() ? "-" : in) + " -> " + (out.empty() ? "-" : out);
    if (auto proto = value_of(f, "GW_PROTO"); !proto.empty()) text += " " + proto;
    text += " " + endpoint(f, "GW_SRC", "GW_SPORT") + " -> " + endpoint(f, "GW_DST", "GW_DPORT");
    return text;
}

std::string drop_fields_line(const Fields& fields) {
    std::string line;
    for (const auto& [name, value] : fields) line += (line.empty() ? "" : " ") + name + "=" + value;
    return line;
}

}  // namespace gw::droplog
