// Values, statements and rules as nft text.
#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <type_traits>

#include "rules/nft/keys.hpp"
#include "rules/nft/render.hpp"

namespace gw::nft {

namespace {

std::string hex32(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08" PRIx64, v);
    return buf;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? '\'' : c;  // nft strings have no escapes
    return out + "\"";
}

std::string bits(Key key, std::uint64_t value) {
    std::string out;
    for (std::uint64_t bit = 1; bit != 0 && value != 0; bit <<= 1) {
        if (!(value & bit)) continue;
        auto name = value_symbol(key, bit);
        if (!name) continue;
        out += (out.empty() ? "" : ",") + std::string(*name);
        value &= ~bit;
    }
    if (value != 0) out += (out.empty() ? "" : ",") + hex32(value);
    return out.empty() ? "0x0" : out;
}

void append_number(std::string& out, Key key, std::uint64_t v) {
    if (is_bitmask(key)) {
        out += bits(key, v);
    } else if (key == Key::meta_mark || key == Key::ct_mark) {
        out += hex32(v);
    } else if (auto name = value_symbol(key, v)) {
        out += *name;
    } else {
        char digits[24];
        out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
    }
}

std::string number(Key key, std::uint64_t v) {
    std::string out;
    append_number(out, key, v);
    return out;
}

std::string prefix(const net::Prefix& p) {
    if (p.length == p.address.bits()) return p.address.str();
    return p.str();
}

std::string join_keys(const std::vector<Key>& keys) {
    std::string out;
    for (auto k : keys) out += (out.empty() ? "" : " . ") + render_key(k);
    return out;
}

std::string inline_set(const std::vector<Key>& keys, const std::vector<Element>& elements,
                       const RenderOptions& o) {
    std::string out = "{ ";
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i) out += ", ";
        const auto& e = elements[i];
        for (std::size_t k = 0; k < e.key.size(); ++k)
            out += (k ? " . " : "") + render_value(keys[std::min(k, keys.size() - 1)], e.key[k]);
        if (e.verdict) out += " : " + render_stmt(*e.verdict, o);
    }
    return out + " }";
}

bool is_verdict_map(const Lookup& l, const Table* table) {
    if (l.set.empty())
        return std::any_of(l.inline_set.begin(), l.inline_set.end(), [](const Element& e) { return e.verdict.has_value(); });
    if (!table) return false;
    return std::any_of(table->sets.begin(), table->sets.end(),
                       [&](const Set& s) { return s.name == l.set && s.verdict_map; });
}

std::string lookup_text(const Lookup& l, const RenderOptions& o, const Table* table) {
    std::string target = l.set.empty() ? inline_set(l.keys, l.inline_set, o) : "@" + l.set;
    if (is_verdict_map(l, table)) return join_keys(l.keys) + " vmap " + target;
    return join_keys(l.keys) + (l.negate ? " != " : " ") + target;
}

std::string counter_text(const Counter& c, const RenderOptions& o) {
    if (!o.counters) return "counter";
    return "counter packets " + std::to_string(c.packets) + " bytes " + std::to_string(c.bytes);
}

const char* unit_name(RateUnit u) {
    switch (u) {
    case RateUnit::second: return "second";
    case RateUnit::minute: return "minute";
    case RateUnit::hour: return "hour";
    case RateUnit::day: return "day";
    }
    return "second";
}

}  // namespace

std::string render_key(Key key) {
    if (key == Key::meta_iifname) return "iifname";
    if (key == Key::meta_oifname) return "oifname";
    return std::string(key_info(key).nft);
}

void render_value_into(std::string& out, Key key, const Value& value) {
    if (const auto* n = std::get_if<std::uint64_t>(&value)) {
        append_number(out, key, *n);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
        out += quoted(*s);
    } else if (const auto* p = std::get_if<net::Prefix>(&value)) {
        out += prefix(*p);
    } else {
        const auto& r = std::get<IntRange>(value);
        append_number(out, key, r.first);
        out += '-';
        append_number(out, key, r.last);
    }
}

std::string render_value(Key key, const Value& value) {
    std::string out;
    render_value_into(out, key, value);
    return out;
}

namespace {

std::string stmt_text(const Cmp& c, const RenderOptions&) {
    return render_key(c.key) + (c.negate ? " != " : " ") + render_value(c.key, c.value);
}

// Flags read as a list ("ct state new"); on a plain number nft would read
// that as equality, so the bit test is spelled out ("ct mark & 0xff != 0").
std::string stmt_text(const AnyBits& b, const RenderOptions&) {
    if (!is_bitmask(b.key)) return render_key(b.key) + " & " + number(b.key, b.bits) + " != " + number(b.key, 0);
    return render_key(b.key) + " " + bits(b.key, b.bits);
}

std::string stmt_text(const MaskedCmp& m, const RenderOptions&) {
    return render_key(m.key) + " & " + m.mask.str() + " == " + m.value.str();
}

std::string stmt_text(const Counter& c, const RenderOptions& o) {
    return counter_text(c, o);
}

std::string stmt_text(const Log& l, const RenderOptions&) {
    std::string out = l.prefix.empty() ? "log" : "log prefix " + quoted(l.prefix);
    if (l.group) out += " group " + std::to_string(*l.group);
    return out;
}

std::string stmt_text(const Limit& l, const RenderOptions&) {
    std::string out = "limit rate " + std::to_string(l.rate) + "/" + unit_name(l.per);
    if (l.burst) out += " burst " + std::to_string(l.burst) + " packets";
    return out;
}

std::string stmt_text(const Verdict& v, const RenderOptions&) {
    switch (v.kind) {
    case VerdictKind::accept: return "accept";
    case VerdictKind::drop: return "drop";
    case VerdictKind::jump: return "jump " + v.chain;
    case VerdictKind::goto_: return "goto " + v.chain;
    case VerdictKind::return_: return "return";
    case VerdictKind::continue_: return "continue";
    }
    return "accept";
}

std::string stmt_text(const Reject& r, const RenderOptions&) {
    switch (r.kind) {
    case RejectKind::tcp_reset: return "reject with tcp reset";
    case RejectKind::admin_prohibited: return "reject with icmpx admin-prohibited";
    case RejectKind::port_unreachable: return "reject";
    }
    return "reject";
}

std::string nat_target(const Nat& n) {
    bool v6 = n.family == net::Family::ipv6;
    std::string out;
    if (n.address) out = v6 && n.port ? "[" + n.address->str() + "]" : n.address->str();
    if (n.port) out += ":" + std::to_string(*n.port);
    return out;
}

std::string nat_map_lookup(const Nat& n) {
    return join_keys(n.map_keys) + (n.modulus ? " mod " + std::to_string(n.modulus) : "") + " map @" + n.map_name;
}

std::string stmt_text(const Nat& n, const RenderOptions&) {
    if (n.kind == NatKind::masquerade) {
        if (!n.map_keys.empty()) return "masquerade to :" + nat_map_lookup(n);
        return n.port ? "masquerade to :" + std::to_string(*n.port) : "masquerade";
    }
    std::string out = n.kind == NatKind::dnat ? "dnat " : "snat ";
    out += n.family == net::Family::ipv4 ? "ip to " : "ip6 to ";
    if (!n.map_keys.empty()) return out + nat_map_lookup(n);
    return out + nat_target(n);
}

std::string stmt_text(const SetMeta& s, const RenderOptions&) {
    std::string out;
    switch (s.target) {
    case SetTarget::meta_mark: out = "meta mark set "; break;
    case SetTarget::ct_mark: out = "ct mark set "; break;
    case SetTarget::meta_broute: out = "meta broute set "; break;
    }
    if (s.from) return out + render_key(*s.from);
    std::uint64_t v = s.value.value_or(0);
    return out + (s.target == SetTarget::meta_broute ? std::to_string(v) : hex32(v));
}

std::string stmt_text(const MssClamp&, const RenderOptions&) {
    return "tcp option maxseg size set rt mtu";
}

std::string stmt_text(const FlowOffload& f, const RenderOptions&) {
    return "flow add @" + f.flowtable;
}

std::string stmt_text(const Opaque& o, const RenderOptions&) {
    return "[unsupported: " + o.description + "]";
}

}  // namespace

std::string render_stmt(const Stmt& stmt, const RenderOptions& options, const Table* table) {
    return std::visit(
        [&](const auto& s) {
            if constexpr (std::is_same_v<std::decay_t<decltype(s)>, Lookup>) return lookup_text(s, options, table);
            else return stmt_text(s, options);
        },
        stmt);
}

std::string render_rule(const Rule& rule, const RenderOptions& options, const Table* table) {
    std::string out;
    bool opaque = false;
    for (const auto& s : rule.stmts) {
        opaque = opaque || std::holds_alternative<Opaque>(s);
        out += (out.empty() ? "" : " ") + render_stmt(s, options, table);
    }
    if (!rule.comment.empty()) out += " comment " + quoted(rule.comment);
    return opaque ? "# " + out : out;
}

}  // namespace gw::nft
