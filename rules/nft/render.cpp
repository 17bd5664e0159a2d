// Tables, sets and chains as nft text, laid out like `nft list ruleset`
// but with one set element per line so diffs show single elements.
#include "rules/nft/render.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace gw::nft {

namespace {

const char* family_name(TableFamily f) {
    switch (f) {
    case TableFamily::inet: return "inet";
    case TableFamily::ip: return "ip";
    case TableFamily::ip6: return "ip6";
    case TableFamily::bridge: return "bridge";
    }
    return "inet";
}

const char* hook_name(Hook h) {
    switch (h) {
    case Hook::prerouting: return "prerouting";
    case Hook::input: return "input";
    case Hook::forward: return "forward";
    case Hook::output: return "output";
    case Hook::postrouting: return "postrouting";
    }
    return "input";
}

const char* type_name(ChainType t) {
    switch (t) {
    case ChainType::filter: return "filter";
    case ChainType::nat: return "nat";
    case ChainType::route: return "route";
    }
    return "filter";
}

struct NamedPriority {
    const char* name;
    int value;
};

// nft's standard priority names; the bridge family has its own values.
constexpr std::array kInetPriorities{NamedPriority{"raw", -300}, NamedPriority{"mangle", -150},
                                     NamedPriority{"dstnat", -100}, NamedPriority{"filter", 0},
                                     NamedPriority{"security", 50}, NamedPriority{"srcnat", 100}};
constexpr std::array kBridgePriorities{NamedPriority{"dstnat", -300}, NamedPriority{"filter", -200},
                                       NamedPriority{"out", 100}, NamedPriority{"srcnat", 300}};

std::string priority_text(TableFamily family, int priority) {
    const auto& names = family == TableFamily::bridge ? std::span<const NamedPriority>(kBridgePriorities)
                                                      : std::span<const NamedPriority>(kInetPriorities);
    for (const auto& n : names)
        if (n.value == priority) return n.name;
    return std::to_string(priority);
}

std::string keys_text(const std::vector<Key>& keys) {
    std::string out;
    for (auto k : keys) out += (out.empty() ? "" : " . ") + render_key(k);
    return out;
}

// Appended in place: a 10,000-forward ruleset has 20,000 elements, and a
// temporary string per part was much of rendering them.
void append_values(std::string& out, const std::vector<Key>& keys, const std::vector<Value>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
        Key k = keys.empty() ? Key::meta_mark : keys[std::min(i, keys.size() - 1)];
        if (i) out += " . ";
        render_value_into(out, k, values[i]);
    }
}

void append_element(std::string& out, const Set& set, const Element& e, const RenderOptions& o) {
    append_values(out, set.key, e.key);
    if (set.counter && o.counters) {
        out += ' ';
        out += render_stmt(e.counter, o);
    }
    if (!e.comment.empty()) {
        out += " comment \"";
        out += e.comment;
        out += '"';
    }
    if (set.verdict_map && e.verdict) {
        out += " : ";
        out += render_stmt(*e.verdict, o);
    } else if (!set.data.empty()) {
        out += " : ";
        append_values(out, set.data, e.data);
    }
}

// Lines inside a table are indented by one tab, inside a set or chain by two.
std::string chain_header(TableFamily family, const BaseChain& b) {
    return std::string("\t\ttype ") + type_name(b.type) + " hook " + hook_name(b.hook) + " priority " +
           priority_text(family, b.priority) + "; policy " +
           (b.policy == ChainPolicy::drop ? "drop" : "accept") + ";\n";
}

std::string chain_text(const Table* table, const Chain& chain, const RenderOptions& o) {
    std::string out = "\tchain " + chain.name + " {\n";
    if (chain.base) out += chain_header(table ? table->family : TableFamily::inet, *chain.base);
    for (const auto& r : chain.rules) out += "\t\t" + render_rule(r, o, table) + "\n";
    return out + "\t}\n";
}

// "hook ingress priority filter; devices = { eth0, ppp0 };" as nft lists it.
std::string flowtable_text(const Table& table, const Flowtable& ft) {
    std::string out = "\tflowtable " + ft.name + " {\n";
    out += "\t\thook ingress priority " + priority_text(table.family, ft.priority) + "\n";
    if (!ft.devices.empty()) {
        std::string list;
        for (const auto& d : ft.devices) list += (list.empty() ? "" : ", ") + d;
        out += "\t\tdevices = { " + list + " }\n";
    }
    return out + "\t}\n";
}

}  // namespace

std::string render_set(const Set& set, const RenderOptions& o) {
    bool map = set.verdict_map || !set.data.empty();
    std::string out = std::string("\t") + (map ? "map " : "set ") + set.name + " {\n";
    out += "\t\ttypeof " + keys_text(set.key);
    if (set.modulus) out += " mod " + std::to_string(set.modulus);
    if (set.verdict_map) out += " : verdict";
    else if (map) out += " : " + keys_text(set.data);
    out += "\n";
    if (set.interval) out += "\t\tflags interval\n";
    if (set.counter) out += "\t\tcounter\n";
    if (!set.comment.empty()) out += "\t\tcomment \"" + set.comment + "\"\n";
    if (!set.elements.empty()) {
        out += "\t\telements = {\n";
        for (std::size_t i = 0; i < set.elements.size(); ++i) {
            out += "\t\t\t";
            append_element(out, set, set.elements[i], o);
            out += i + 1 < set.elements.size() ? ",\n" : "\n";
        }
        out += "\t\t}\n";
    }
    return out + "\t}\n";
}

std::string render_chain(const Chain& chain, const RenderOptions& o, const Table* table) {
    return chain_text(table, chain, o);
}

std::string render_table(const Table& table, const RenderOptions& o) {
    std::string head = std::string(family_name(table.family)) + " " + table.name;
    std::string out;
    if (o.replace) out += "table " + head + "\ndelete table " + head + "\n";
    out += "table " + head + " {\n";
    bool first = true;
    // Appended piece by piece: a "\n" + text temporary copied each set's
    // text (half a megabyte for a 10,000-element set) twice.
    for (const auto& s : table.sets) {
        if (!first) out += '\n';
        out += render_set(s, o);
        first = false;
    }
    for (const auto& f : table.flowtables) {
        out += (first ? "" : "\n") + flowtable_text(table, f);
        first = false;
    }
    for (const auto& c : table.chains) {
        out += (first ? "" : "\n") + chain_text(&table, c, o);
        first = false;
    }
    return out + "}\n";
}

std::string render_ruleset(const Ruleset& ruleset, const RenderOptions& o) {
    std::string out;
    for (std::size_t i = 0; i < ruleset.tables.size(); ++i) {
        if (i) out += '\n';
        out += render_table(ruleset.tables[i], o);
    }
    return out;
}

}  // namespace gw::nft
