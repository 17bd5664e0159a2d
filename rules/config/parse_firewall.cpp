// firewall: the input, forward and output chains, each a policy, the
// logging of what the policy drops, and an ordered rule list. The rule
// reader is shared with ipv6.bridge-split.allow-inbound; where a rule sits
// decides which of from/to it may use.
#include "rules/config/sections.hpp"

namespace gw::config {

namespace {

constexpr std::string_view kFirewallKeys[] = {"icmp-echo", "fast-path", "input", "forward", "output"};
constexpr std::string_view kChainKeys[] = {"policy", "log", "rules"};
constexpr std::string_view kLogKeys[] = {"prefix", "rate", "per", "burst"};
// The kernel keeps at most 127 characters of a log prefix.
constexpr std::size_t kMaxLogPrefix = 127;

const char* chain_name(ChainKind k) {
    return k == ChainKind::input ? "input" : k == ChainKind::forward ? "forward" : "output";
}

void parse_log_prefix(Reader& r, const Node& n, const std::string& path, LogSpec& log) {
    auto s = r.read_string(n, path);
    if (!s) return;
    bool printable = true;
    for (char c : s->value) printable = printable && c >= ' ' && c < 0x7f && c != '"' && c != '\\';
    if (s->value.empty() || s->value.size() > kMaxLogPrefix || !printable) {
        r.error(n.loc, path, "invalid log prefix",
                "1 to 127 printable characters, without '\"' or '\\'");
        return;
    }
    log.prefix = *s;
}

void parse_log(Reader& r, const Node& n, const std::string& path, LogSpec& log) {
    if (n.is_scalar()) {
        assign(log.enabled, r.read_bool(n, path));
        return;
    }
    if (!r.expect_map(n, path)) return;
    r.check_keys(n, path, kLogKeys);
    log.enabled = Located<bool>{true, n.loc};
    if (const Node* p = n.find("prefix")) parse_log_prefix(r, *p, join_path(path, "prefix"), log);
    if (const Node* p = n.find("rate")) assign(log.rate, r.read_uint(*p, join_path(path, "rate"), 1, 1000000));
    if (const Node* p = n.find("burst")) assign(log.burst, r.read_uint(*p, join_path(path, "burst"), 1, 1000000));
    if (const Node* p = n.find("per")) {
        auto per = r.read_enum<std::string>(*p, join_path(path, "per"),
                                            {{"second", "second"}, {"minute", "minute"}, {"hour", "hour"}, {"day", "day"}});
        assign(log.per, std::move(per));
    }
}

void parse_chain(Reader& r, const Node& n, const std::string& path, ChainSpec& chain, RuleSite site) {
    chain.loc = n.loc;
    if (!r.expect_map_or_null(n, path)) return;
    r.check_keys(n, path, kChainKeys);
    if (const Node* p = n.find("policy"))
        assign(chain.policy, r.read_enum<Policy>(*p, join_path(path, "policy"),
                                                 {{"accept", Policy::accept}, {"drop", Policy::drop}}));
    if (const Node* l = n.find("log")) parse_log(r, *l, join_path(path, "log"), chain.log);
    if (const Node* rules = n.find("rules"); rules && !rules->is_null()) {
        auto rp = join_path(path, "rules");
        if (!r.expect_list(*rules, rp)) return;
        for (std::size_t i = 0; i < rules->items.size(); ++i)
            if (auto rule = parse_rule(r, rules->items[i], join_path(rp, i), site)) chain.rules.push_back(std::move(*rule));
    }
}

}  // namespace

void set_firewall_defaults(Config& cfg) {
    for (ChainSpec* c : {&cfg.firewall.input, &cfg.firewall.forward, &cfg.firewall.output}) {
        if (c->log.prefix->empty())
            c->log.prefix = Located<std::string>{std::string("gw-") + chain_name(c->kind) + "-drop: "};
    }
}

void parse_firewall(Reader& r, const Node& n, Config& cfg) {
    auto& fw = cfg.firewall;
    if (r.expect_map_or_null(n, "firewall")) {
        r.check_keys(n, "firewall", kFirewallKeys);
        if (const Node* e = n.find("icmp-echo")) assign(fw.icmp_echo, r.read_bool(*e, "firewall.icmp-echo"));
        if (const Node* f = n.find("fast-path")) assign(fw.fast_path, r.read_bool(*f, "firewall.fast-path"));
        if (const Node* c = n.find("input")) parse_chain(r, *c, "firewall.input", fw.input, RuleSite::input);
        if (const Node* c = n.find("forward")) parse_chain(r, *c, "firewall.forward", fw.forward, RuleSite::forward);
        if (const Node* c = n.find("output")) parse_chain(r, *c, "firewall.output", fw.output, RuleSite::output);
    }
}

}  // namespace gw::config
