#include "rules/explain/nft_eval.hpp"

#include <algorithm>

#include "rules/explain/render.hpp"
#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"

namespace gw::explain {
namespace {

using nft::Key;
using nft::Value;

constexpr std::uint64_t kNfprotoBridge = 7;
constexpr std::uint64_t kCtStatusSnat = 0x10;
constexpr int kMaxDepth = 16;  // jump nesting; the compiler never goes beyond 2

struct Eval {
    const nft::Table& table;
    Packet& p;
    const RouteView& route;
    ChainRun& run;
};

std::optional<Value> key_value(const Eval& e, Key key) {
    const Packet& p = e.p;
    bool v4 = p.family == net::Family::ipv4;
    switch (key) {
    case Key::meta_iifname: return p.iif.empty() ? std::nullopt : std::optional<Value>(p.iif);
    case Key::meta_oifname: return p.oif.empty() ? std::nullopt : std::optional<Value>(p.oif);
    case Key::meta_nfproto:
        if (e.table.family == nft::TableFamily::bridge) return Value{kNfprotoBridge};
        return Value{v4 ? nft::kNfprotoIpv4 : nft::kNfprotoIpv6};
    case Key::meta_l4proto: return Value{std::uint64_t{p.l4proto}};
    case Key::meta_mark: return Value{std::uint64_t{p.mark}};
    case Key::meta_skuid: return p.skuid ? std::optional<Value>(std::uint64_t{*p.skuid}) : std::nullopt;
    case Key::meta_skgid: return p.skgid ? std::optional<Value>(std::uint64_t{*p.skgid}) : std::nullopt;
    case Key::ip_saddr: return v4 ? std::optional<Value>(net::Prefix{p.saddr, 32}) : std::nullopt;
    case Key::ip_daddr: return v4 ? std::optional<Value>(net::Prefix{p.daddr, 32}) : std::nullopt;
    case Key::ip6_saddr: return !v4 ? std::optional<Value>(net::Prefix{p.saddr, 128}) : std::nullopt;
    case Key::ip6_daddr: return !v4 ? std::optional<Value>(net::Prefix{p.daddr, 128}) : std::nullopt;
    case Key::th_sport: return p.has_ports() ? std::optional<Value>(std::uint64_t{p.sport}) : std::nullopt;
    case Key::th_dport: return p.has_ports() ? std::optional<Value>(std::uint64_t{p.dport}) : std::nullopt;
    case Key::icmp_type:
        return p.l4proto == nft::kProtoIcmp ? std::optional<Value>(std::uint64_t{p.icmp_type}) : std::nullopt;
    case Key::icmpv6_type:
        return p.l4proto == nft::kProtoIcmpv6 ? std::optional<Value>(std::uint64_t{p.icmp_type}) : std::nullopt;
    case Key::ct_state: return Value{std::uint64_t{p.ct_state}};
    case Key::ct_status: return Value{std::uint64_t{p.ct_status}};
    case Key::ct_mark: return Value{std::uint64_t{p.ct_mark}};
    case Key::ether_type: return Value{std::uint64_t{p.ether_type}};
    case Key::fib_daddr_type: return Value{std::uint64_t{e.route.is_local(p.daddr) ? 2u : 1u}};
    case Key::tcp_flags: return p.is_tcp() ? std::optional<Value>(std::uint64_t{nft::kTcpFlagSyn}) : std::nullopt;
    // A counter: explain takes its first value (the first port of a MAP-E set).
    case Key::numgen_inc: return Value{std::uint64_t{0}};
    }
    return std::nullopt;
}

// `want` as written in a rule or element against the packet's `have`.
bool value_matches(const Value& want, const Value& have) {
    if (const auto* p = std::get_if<net::Prefix>(&want)) {
        const auto* h = std::get_if<net::Prefix>(&have);
        return h && h->address.family == p->address.family && p->contains(h->address);
    }
    if (const auto* r = std::get_if<nft::IntRange>(&want)) {
        const auto* h = std::get_if<std::uint64_t>(&have);
        return h && *h >= r->first && *h <= r->last;
    }
    if (const auto* s = std::get_if<std::string>(&want)) {
        const auto* h = std::get_if<std::string>(&have);
        if (!h) return false;
        if (!s->empty() && s->back() == '*') return h->starts_with(s->substr(0, s->size() - 1));
        return *h == *s;
    }
    return want == have;
}

const nft::Chain* find_chain(const nft::Table& t, const std::string& name) {
    for (const auto& c : t.chains)
        if (c.name == name) return &c;
    return nullptr;
}

// The element whose every key part matches; null when none does (or a key
// has no value for this packet: the lookup breaks the rule then).
const nft::Element* lookup_element(const Eval& e, const std::vector<Key>& keys,
                                   const std::vector<nft::Element>& elements, bool& breaks) {
    std::vector<Value> have;
    for (auto k : keys) {
        auto v = key_value(e, k);
        if (!v) {
            breaks = true;
            return nullptr;
        }
        have.push_back(*v);
    }
    for (const auto& el : elements) {
        if (el.key.size() != have.size()) continue;
        bool all = true;
        for (std::size_t i = 0; i < have.size() && all; ++i) all = value_matches(el.key[i], have[i]);
        if (all) return &el;
    }
    return nullptr;
}

enum class Flow { next, stop_rule, terminal, return_ };

struct RuleState {
    const nft::Chain* chain;
    const nft::Rule* rule;
    const nft::Element* element = nullptr;
    std::string set;
};

Flow run_chain(Eval& e, const nft::Chain& chain, int depth);

Flow verdict_flow(Eval& e, const nft::Verdict& v, const RuleState& rs, int depth) {
    auto decide = [&](ChainVerdict cv) {
        e.run.verdict = cv;
        e.run.decided = Effect{rs.chain, rs.rule, rs.element, rs.set, ""};
        return Flow::terminal;
    };
    switch (v.kind) {
    case nft::VerdictKind::accept: return decide(ChainVerdict::accept);
    case nft::VerdictKind::drop: return decide(ChainVerdict::drop);
    case nft::VerdictKind::continue_: return Flow::next;
    case nft::VerdictKind::return_: return Flow::return_;
    case nft::VerdictKind::jump:
    case nft::VerdictKind::goto_: {
        const auto* target = find_chain(e.table, v.chain);
        if (!target || depth >= kMaxDepth) return Flow::stop_rule;
        Flow f = run_chain(e, *target, depth + 1);
        if (f == Flow::terminal) return f;
        return v.kind == nft::VerdictKind::goto_ ? Flow::return_ : Flow::stop_rule;
    }
    }
    return Flow::stop_rule;
}

Flow nat_flow(Eval& e, const nft::Nat& n, RuleState& rs) {
    Packet& p = e.p;
    std::optional<net::Address> addr = n.address;
    std::optional<std::uint16_t> port = n.port;
    if (!n.map_keys.empty()) {
        const auto* map = find_set(e.table, n.map_name);
        bool breaks = false;
        const auto* el = map ? lookup_element(e, n.map_keys, map->elements, breaks) : nullptr;
        if (!el || el->data.empty()) return Flow::stop_rule;
        rs.element = el;
        rs.set = n.map_name;
        if (const auto* pf = std::get_if<net::Prefix>(&el->data[0])) addr = pf->address;
        std::size_t port_at = n.kind == nft::NatKind::masquerade ? 0 : 1;  // masquerade maps hold the port only
        if (n.map_has_port && el->data.size() > port_at)
            if (const auto* v = std::get_if<std::uint64_t>(&el->data[port_at])) port = static_cast<std::uint16_t>(*v);
    }
    // The kernel marks a connection translated only when the mapping
    // changed its tuple: a DNAT to the address and port the packet already
    // has leaves "ct status dnat" unset (nf_nat_setup_info).
    std::string what;
    if (n.kind == nft::NatKind::dnat) {
        auto before = std::pair(p.daddr, p.dport);
        if (addr) p.daddr = *addr;
        if (port && p.has_ports()) p.dport = *port;
        bool changed = std::pair(p.daddr, p.dport) != before;
        if (changed) p.ct_status |= nft::kCtStatusDnat;
        what = "DNAT to " + endpoint_text(p.daddr, p.has_ports() ? std::optional(p.dport) : std::nullopt);
        if (!changed) what += " (the same address and port: not marked as translated)";
    } else {
        if (n.kind == nft::NatKind::masquerade) addr = e.route.source_for(p.oif, p.daddr);
        if (!addr) return Flow::stop_rule;  // masquerade with no address on the link: nothing to use
        if (p.saddr != *addr) p.ct_status |= kCtStatusSnat;
        p.saddr = *addr;
        what = std::string(n.kind == nft::NatKind::masquerade ? "masquerade" : "SNAT") + " to " + addr->str();
    }
    e.run.effects.push_back(Effect{rs.chain, rs.rule, rs.element, rs.set, what});
    e.run.verdict = ChainVerdict::accept;  // a NAT statement ends its chain
    e.run.decided = e.run.effects.back();
    return Flow::terminal;
}

void set_meta(Eval& e, const nft::SetMeta& s, const RuleState& rs) {
    Packet& p = e.p;
    std::uint32_t v = s.value.value_or(0);
    if (s.from == Key::ct_mark) v = p.ct_mark;
    if (s.from == Key::meta_mark) v = p.mark;
    std::string what;
    switch (s.target) {
    case nft::SetTarget::meta_mark: p.mark = v; what = "meta mark set " + std::to_string(v); break;
    case nft::SetTarget::ct_mark: p.ct_mark = v; what = "ct mark set " + std::to_string(v); break;
    case nft::SetTarget::meta_broute: p.broute = v != 0; what = "meta broute set 1"; break;
    }
    e.run.effects.push_back(Effect{rs.chain, rs.rule, rs.element, rs.set, what});
}

bool match_stmt(Eval& e, const nft::Stmt& stmt, RuleState& rs) {
    if (const auto* c = std::get_if<nft::Cmp>(&stmt)) {
        auto have = key_value(e, c->key);
        return have && value_matches(c->value, *have) != c->negate;
    }
    if (const auto* b = std::get_if<nft::AnyBits>(&stmt)) {
        auto have = key_value(e, b->key);
        const auto* n = have ? std::get_if<std::uint64_t>(&*have) : nullptr;
        return n && (*n & b->bits) != 0;
    }
    if (const auto* m = std::get_if<nft::MaskedCmp>(&stmt)) {
        auto have = key_value(e, m->key);
        const auto* p = have ? std::get_if<net::Prefix>(&*have) : nullptr;
        if (!p || p->address.family != m->value.family) return false;
        for (std::size_t i = 0; i < m->value.bytes.size(); ++i)
            if ((p->address.bytes[i] & m->mask.bytes[i]) != m->value.bytes[i]) return false;
        return true;
    }
    const auto& l = std::get<nft::Lookup>(stmt);
    const nft::Set* named = l.set.empty() ? nullptr : find_set(e.table, l.set);
    const auto& elements = named ? named->elements : l.inline_set;
    bool breaks = false;
    const auto* el = lookup_element(e, l.keys, elements, breaks);
    if (breaks) return false;
    if (el && !l.set.empty()) {
        rs.element = el;
        rs.set = l.set;
    }
    return (el != nullptr) != l.negate;
}

Flow run_rule(Eval& e, const nft::Chain& chain, const nft::Rule& rule, int depth) {
    RuleState rs{&chain, &rule};
    for (const auto& stmt : rule.stmts) {
        if (std::holds_alternative<nft::Cmp>(stmt) || std::holds_alternative<nft::AnyBits>(stmt) ||
            std::holds_alternative<nft::MaskedCmp>(stmt)) {
            if (!match_stmt(e, stmt, rs)) return Flow::next;
        } else if (const auto* l = std::get_if<nft::Lookup>(&stmt)) {
            const auto* set = l->set.empty() ? nullptr : find_set(e.table, l->set);
            bool vmap = set ? set->verdict_map
                            : std::any_of(l->inline_set.begin(), l->inline_set.end(),
                                          [](const nft::Element& el) { return el.verdict.has_value(); });
            if (!vmap) {
                if (!match_stmt(e, stmt, rs)) return Flow::next;
                continue;
            }
            bool breaks = false;
            const auto* el = lookup_element(e, l->keys, set ? set->elements : l->inline_set, breaks);
            if (!el || !el->verdict) return Flow::next;
            rs.element = el;
            rs.set = l->set;
            Flow f = verdict_flow(e, *el->verdict, rs, depth);
            if (f != Flow::stop_rule) return f;
            return Flow::next;
        } else if (const auto* v = std::get_if<nft::Verdict>(&stmt)) {
            Flow f = verdict_flow(e, *v, rs, depth);
            return f == Flow::stop_rule ? Flow::next : f;
        } else if (const auto* r = std::get_if<nft::Reject>(&stmt)) {
            e.run.verdict = ChainVerdict::reject;
            e.run.reject = r->kind;
            e.run.decided = Effect{rs.chain, rs.rule, rs.element, rs.set, ""};
            return Flow::terminal;
        } else if (const auto* n = std::get_if<nft::Nat>(&stmt)) {
            Flow f = nat_flow(e, *n, rs);
            return f == Flow::stop_rule ? Flow::next : f;
        } else if (const auto* s = std::get_if<nft::SetMeta>(&stmt)) {
            set_meta(e, *s, rs);
        } else if (const auto* o = std::get_if<nft::Opaque>(&stmt)) {
            e.run.unknown.push_back(o->description);
            return Flow::next;
        }
        // counter, log, limit (taken as under its rate), MSS clamping: no verdict
    }
    return Flow::next;
}

Flow run_chain(Eval& e, const nft::Chain& chain, int depth) {
    for (const auto& rule : chain.rules) {
        Flow f = run_rule(e, chain, rule, depth);
        if (f == Flow::terminal) return f;
        if (f == Flow::return_) return Flow::next;
    }
    return Flow::next;
}

}  // namespace

const nft::Set* find_set(const nft::Table& t, const std::string& name) {
    for (const auto& s : t.sets)
        if (s.name == name) return &s;
    return nullptr;
}

ChainRun run_base_chain(const nft::Table& table, const nft::Chain& chain, Packet& packet,
                        const RouteView& route) {
    ChainRun run;
    run.decided.chain = &chain;
    Eval e{table, packet, route, run};
    run_chain(e, chain, 0);
    return run;
}

}  // namespace gw::explain
