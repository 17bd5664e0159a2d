// The options of one "-A CHAIN ..." line. Matches the mapping understands
// are decoded into Rule fields; matches of other extensions are kept in
// words in Rule::unsupported (the rule is then reported, not guessed at).
// An option that takes a value but has none is an error: that is what a
// line cut short looks like.
#include <algorithm>
#include <charconv>
#include <set>

#include "rules/import/save_parse.hpp"

namespace gw::import {

namespace {

// Extensions iptables ships whose matches gateway.yaml cannot express: a
// rule using one is reported. A name in neither list is "unknown".
const std::set<std::string, std::less<>> kOtherMatches = {
    "addrtype", "ah", "bpf", "cgroup", "cluster", "connbytes", "connlabel", "connlimit", "cpu", "dccp",
    "devgroup", "dscp", "ecn", "esp", "hashlimit", "helper", "hl", "ipcomp", "iprange", "ipvs", "length",
    "mac", "nfacct", "osf", "physdev", "pkttype", "policy", "quota", "rateest", "realm", "recent", "rpfilter",
    "rt", "sctp", "set", "socket", "statistic", "string", "tcpmss", "time", "tos", "ttl", "u32", "frag",
    "hbh", "dst", "ipv6header", "mh", "eui64", "srh", "udplite"};
const std::set<std::string, std::less<>> kKnownMatches = {
    "tcp", "udp", "icmp", "icmp6", "icmpv6", "multiport", "state", "conntrack", "owner", "mark",
    "connmark", "limit", "comment"};

// Target options that take no value.
const std::set<std::string, std::less<>> kFlagOptions = {
    "--save-mark", "--restore-mark", "--log-uid", "--log-tcp-sequence", "--log-tcp-options",
    "--log-ip-options", "--random", "--random-fully", "--persistent", "--clamp-mss-to-pmtu"};

class Reader {
public:
    Reader(const std::vector<std::string>& w, SaveKind kind, Rule& r) : words_(w), kind_(kind), rule_(r) {}
    std::expected<void, std::string> run();

private:
    bool done() const { return i_ >= words_.size(); }
    std::expected<std::string, std::string> value(const std::string& opt) {
        if (i_ >= words_.size() || words_[i_].empty())
            return std::unexpected("option " + opt + " has no value (is the line cut short?)");
        return words_[i_++];
    }
    std::expected<void, std::string> option(const std::string& opt, bool negated);
    std::expected<void, std::string> match_module(const std::string& name);
    std::expected<void, std::string> target();
    std::expected<void, std::string> unsupported_option(const std::string& opt);

    const std::vector<std::string>& words_;
    SaveKind kind_;
    Rule& rule_;
    std::size_t i_ = 0;
};

std::expected<std::vector<PortSpan>, std::string> parse_ports(const std::string& text) {
    std::vector<PortSpan> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = std::min(text.find(',', start), text.size());
        std::string_view item(text.data() + start, end - start);
        auto colon = item.find(':');
        auto num = [](std::string_view s) -> std::optional<std::uint16_t> {
            unsigned v = 0;
            auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec != std::errc{} || p != s.data() + s.size() || v > 65535) return std::nullopt;
            return static_cast<std::uint16_t>(v);
        };
        auto first = num(item.substr(0, colon));
        auto last = colon == std::string_view::npos ? first : num(item.substr(colon + 1));
        if (!first || !last) return std::unexpected("invalid port '" + std::string(item) + "' (a service name?)");
        out.push_back({*first, *last});
        start = end + 1;
    }
    return out;
}

std::expected<std::pair<std::uint32_t, std::uint32_t>, std::string> parse_mark(const std::string& text) {
    auto slash = text.find('/');
    auto num = [](const std::string& s) -> std::optional<std::uint32_t> {
        try {
            std::size_t used = 0;
            unsigned long v = std::stoul(s, &used, 0);
            if (used != s.size() || v > 0xffffffffUL) return std::nullopt;
            return static_cast<std::uint32_t>(v);
        } catch (...) {
            return std::nullopt;
        }
    };
    auto v = num(text.substr(0, slash));
    auto m = slash == std::string::npos ? std::optional<std::uint32_t>(0xffffffff) : num(text.substr(slash + 1));
    if (!v || !m) return std::unexpected("invalid mark '" + text + "'");
    return std::pair{*v, *m};
}

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto end = std::min(s.find(',', start), s.size());
        out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::expected<net::Prefix, std::string> parse_address(const std::string& text, SaveKind kind) {
    auto p = net::Prefix::parse(text);
    if (!p) return std::unexpected("invalid address '" + text + "' (a host name?)");
    bool v6 = p->address.family == net::Family::ipv6;
    if (kind == SaveKind::iptables && v6) return std::unexpected("IPv6 address " + text + " in iptables-save output");
    if (kind == SaveKind::ip6tables && !v6) return std::unexpected("IPv4 address " + text + " in ip6tables-save output");
    return *p;
}

template <class T>
std::expected<void, std::string> set_neg(std::optional<Neg<T>>& field, std::expected<T, std::string> v, bool neg) {
    if (!v) return std::unexpected(v.error());
    field = Neg<T>{std::move(*v), neg};
    return {};
}

std::expected<void, std::string> Reader::unsupported_option(const std::string& opt) {
    std::string words = opt;
    while (!done() && words_[i_].rfind("-", 0) != 0 && words_[i_] != "!") words += " " + words_[i_++];
    rule_.unsupported.push_back(words);
    return {};
}

std::expected<void, std::string> Reader::match_module(const std::string& name) {
    if (kKnownMatches.count(name)) return {};
    if (kOtherMatches.count(name)) {
        rule_.unsupported.push_back("-m " + name);
        return {};
    }
    rule_.unsupported.push_back("unknown match '-m " + name + "'");
    return {};
}

std::expected<void, std::string> Reader::option(const std::string& opt, bool neg) {
    auto need = [&](auto&& fn) -> std::expected<void, std::string> {
        auto v = value(opt);
        if (!v) return std::unexpected(v.error());
        if (neg && opt != "-p" && opt != "-s" && opt != "-d" && opt != "-i" && opt != "-o")
            rule_.unsupported.push_back("! " + opt + " " + *v);
        return fn(*v);
    };
    if (opt == "-p" || opt == "--protocol")
        return need([&](const std::string& v) { return set_neg(rule_.proto, std::expected<std::string, std::string>(v), neg); });
    if (opt == "-s" || opt == "--source" || opt == "--src")
        return need([&](const std::string& v) { return set_neg(rule_.source, parse_address(v, kind_), neg); });
    if (opt == "-d" || opt == "--destination" || opt == "--dst")
        return need([&](const std::string& v) { return set_neg(rule_.destination, parse_address(v, kind_), neg); });
    if (opt == "-i" || opt == "--in-interface")
        return need([&](const std::string& v) { return set_neg(rule_.in_if, std::expected<std::string, std::string>(v), neg); });
    if (opt == "-o" || opt == "--out-interface")
        return need([&](const std::string& v) { return set_neg(rule_.out_if, std::expected<std::string, std::string>(v), neg); });
    if (opt == "-m" || opt == "--match") return need([&](const std::string& v) { return match_module(v); });
    auto ports = [&](std::vector<PortSpan>& into) {
        return need([&](const std::string& v) -> std::expected<void, std::string> {
            auto p = parse_ports(v);
            if (!p) return std::unexpected(p.error());
            into = *p;
            return {};
        });
    };
    if (opt == "--dport" || opt == "--dports" || opt == "--destination-port" || opt == "--destination-ports")
        return ports(rule_.dports);
    if (opt == "--sport" || opt == "--sports" || opt == "--source-port" || opt == "--source-ports")
        return ports(rule_.sports);
    if (opt == "--state" || opt == "--ctstate")
        return need([&](const std::string& v) { rule_.states = split_commas(v); return std::expected<void, std::string>{}; });
    if (opt == "--icmp-type" || opt == "--icmpv6-type")
        return need([&](const std::string& v) { rule_.icmp_type = v; return std::expected<void, std::string>{}; });
    if (opt == "--uid-owner")
        return need([&](const std::string& v) { rule_.uid_owner = v; return std::expected<void, std::string>{}; });
    if (opt == "--gid-owner")
        return need([&](const std::string& v) { rule_.gid_owner = v; return std::expected<void, std::string>{}; });
    if (opt == "--mark" || opt == "--ctmark")
        return need([&](const std::string& v) -> std::expected<void, std::string> {
            auto m = parse_mark(v);
            if (!m) return std::unexpected(m.error());
            (opt == "--ctmark" ? rule_.connmark : rule_.mark) = *m;
            return {};
        });
    if (opt == "--limit")
        return need([&](const std::string& v) { rule_.limit = v; return std::expected<void, std::string>{}; });
    if (opt == "--limit-burst")
        return need([&](const std::string& v) -> std::expected<void, std::string> {
            auto m = parse_mark(v);
            if (!m) return std::unexpected("invalid burst '" + v + "'");
            rule_.limit_burst = m->first;
            return {};
        });
    if (opt == "--comment")
        return need([&](const std::string& v) { rule_.comment = v; return std::expected<void, std::string>{}; });
    if (opt == "--syn") {
        if (neg) rule_.unsupported.push_back("! --syn");
        rule_.syn = true;
        return {};
    }
    if (opt == "--tcp-flags") {
        auto mask = value(opt);
        if (!mask) return std::unexpected(mask.error());
        auto set = value(opt);
        if (!set) return std::unexpected(set.error());
        if (*mask == "FIN,SYN,RST,ACK" && *set == "SYN" && !neg) rule_.syn = true;
        else rule_.unsupported.push_back("--tcp-flags " + *mask + " " + *set);
        return {};
    }
    if (opt == "-f" || opt == "--fragment") {
        rule_.unsupported.push_back("-f");
        return {};
    }
    return unsupported_option(opt);
}

std::expected<void, std::string> Reader::target() {
    auto v = value("-j");
    if (!v) return std::unexpected(v.error());
    rule_.target = *v;
    while (!done()) {
        const std::string& opt = words_[i_++];
        if (opt.rfind("--", 0) != 0 && opt.rfind("-", 0) != 0)
            return std::unexpected("unexpected word '" + opt + "' after the target " + rule_.target);
        if (kFlagOptions.count(opt)) {
            rule_.target_options[opt] = "";
            continue;
        }
        auto val = value(opt);
        if (!val) return std::unexpected(val.error());
        rule_.target_options[opt] = *val;
    }
    return {};
}

std::expected<void, std::string> Reader::run() {
    while (!done()) {
        bool neg = false;
        if (words_[i_] == "!") neg = true, ++i_;
        if (done()) return std::unexpected("'!' at the end of the line");
        std::string opt = words_[i_++];
        if (opt == "-j" || opt == "--jump" || opt == "-g" || opt == "--goto") {
            rule_.goto_chain = opt == "-g" || opt == "--goto";
            return target();
        }
        if (opt.empty() || opt[0] != '-') return std::unexpected("unexpected word '" + opt + "'");
        if (auto ok = option(opt, neg); !ok) return ok;
    }
    return {};
}

// ebtables-save lines: "-p IPv6 -i eth1 -j mark --mark-set 0x600 --mark-target ACCEPT".
std::expected<void, std::string> read_ebtables(const std::vector<std::string>& w, Rule& rule) {
    for (std::size_t i = 0; i < w.size(); ++i) {
        bool neg = w[i] == "!";
        if (neg && ++i >= w.size()) return std::unexpected("'!' at the end of the line");
        const std::string& opt = w[i];
        bool has_value = i + 1 < w.size();
        if ((opt == "-p" || opt == "-i" || opt == "-o" || opt == "--logical-in" || opt == "-j") && !has_value)
            return std::unexpected("option " + opt + " has no value (is the line cut short?)");
        if (opt == "-p") rule.proto = Neg<std::string>{w[++i], neg};
        else if (opt == "-i" || opt == "--in-interface") rule.in_if = Neg<std::string>{w[++i], neg};
        else if (opt == "-o") rule.out_if = Neg<std::string>{w[++i], neg};
        else if (opt == "-j") rule.target = w[++i];
        else if (opt.rfind("--", 0) == 0 && has_value && rule.target.empty()) rule.unsupported.push_back(opt + " " + w[++i]);
        else if (opt.rfind("--", 0) == 0 && has_value) rule.target_options[opt] = w[++i];
        else if (opt.rfind("--", 0) == 0) return std::unexpected("option " + opt + " has no value (is the line cut short?)");
        else return std::unexpected("unexpected word '" + opt + "'");
    }
    return {};
}

}  // namespace

std::expected<void, std::string> parse_rule_options(const std::vector<std::string>& words, SaveKind kind, Rule& rule) {
    if (kind == SaveKind::ebtables) return read_ebtables(words, rule);
    return Reader(words, kind, rule).run();
}

}  // namespace gw::import
