// Classifying desired vs observed. Both sides are put in canonical form
// first: elements sorted (the kernel's order means nothing), and the
// observed tables, sets and chains ordered like the desired ones, so only
// real differences remain; rule order inside a chain is kept (it matters).
#include "rules/nft/diff.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <optional>
#include <tuple>

#include "rules/nft/render.hpp"

namespace gw::nft {

namespace {

// Ports and ranges sort together by number: "{ 135, 137-139, 445 }".
std::optional<IntRange> as_range(const Value& v) {
    if (const auto* n = std::get_if<std::uint64_t>(&v)) return IntRange{*n, *n};
    if (const auto* r = std::get_if<IntRange>(&v)) return *r;
    return std::nullopt;
}

template <class T>
int order_of(const T& a, const T& b) {
    auto c = a <=> b;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// What Prefix's <=> says (family, address bytes, length), with the bytes
// compared at once rather than one by one.
int prefix_order(const net::Prefix& x, const net::Prefix& y) {
    if (x.address.family != y.address.family) return order_of(x.address.family, y.address.family);
    if (int c = std::memcmp(x.address.bytes.data(), y.address.bytes.data(), x.address.bytes.size()))
        return c < 0 ? -1 : 1;
    return order_of(x.length, y.length);
}

// -1, 0, 1 in one pass: value_less(a, b) then value_less(b, a) walked each
// part twice, and sorting 10,000 forward elements makes millions of these.
int value_order(const Value& a, const Value& b) {
    // The common cases, two numbers or two addresses, without building ranges.
    if (const auto* x = std::get_if<std::uint64_t>(&a))
        if (const auto* y = std::get_if<std::uint64_t>(&b)) return order_of(*x, *y);
    if (const auto* x = std::get_if<net::Prefix>(&a))
        if (const auto* y = std::get_if<net::Prefix>(&b)) return prefix_order(*x, *y);
    auto ra = as_range(a), rb = as_range(b);
    if (ra && rb) return order_of(std::tie(ra->first, ra->last), std::tie(rb->first, rb->last));
    if (a.index() != b.index()) return order_of(a.index(), b.index());
    if (const auto* x = std::get_if<std::string>(&a)) return order_of(*x, std::get<std::string>(b));
    return 0;  // unreachable: equal kinds were all handled above
}

int values_order(const std::vector<Value>& a, const std::vector<Value>& b) {
    auto n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i)
        if (int c = value_order(a[i], b[i])) return c;
    return order_of(a.size(), b.size());
}

}  // namespace

bool value_less(const Value& a, const Value& b) {
    return value_order(a, b) < 0;
}

namespace {

void canonical_rule(Rule& rule) {
    for (auto& s : rule.stmts)
        if (auto* l = std::get_if<Lookup>(&s)) sort_elements(l->inline_set);
}

// Observed objects named like desired ones, in the desired order; the rest
// after them in their own order.
template <class T, class Same>
void align(std::vector<T>& observed, const std::vector<T>& desired, Same same) {
    std::vector<T> out;
    for (const auto& d : desired) {
        auto it = std::find_if(observed.begin(), observed.end(), [&](const T& o) { return same(o, d); });
        if (it == observed.end()) continue;
        out.push_back(std::move(*it));
        observed.erase(it);
    }
    for (auto& o : observed) out.push_back(std::move(o));
    observed = std::move(out);
}

bool same_declaration(const Set& a, const Set& b) {
    return a.name == b.name && a.key == b.key && a.data == b.data && a.verdict_map == b.verdict_map &&
           a.interval == b.interval && a.counter == b.counter && a.comment == b.comment;
}

// Adds the sets whose elements differ; false when anything else differs.
bool only_elements(const Table& d, const Table& o, std::vector<SetRef>& changed) {
    if (d.family != o.family || d.name != o.name || d.chains != o.chains) return false;
    if (d.flowtables != o.flowtables) return false;
    if (d.sets.size() != o.sets.size()) return false;
    for (std::size_t i = 0; i < d.sets.size(); ++i) {
        if (!same_declaration(d.sets[i], o.sets[i])) return false;
        if (d.sets[i].elements != o.sets[i].elements) changed.push_back({d.family, d.name, d.sets[i].name});
    }
    return true;
}

}  // namespace

bool element_less(const Element& a, const Element& b) {
    if (int k = values_order(a.key, b.key)) return k < 0;
    return values_order(a.data, b.data) < 0;
}

namespace {

// Elements made only of numbers and addresses, each part of the same kind
// in every element (forward maps and sets), sort as fixed-width byte
// strings whose memcmp order is element_less's: a number as 8 bytes big
// endian, an address as family, 16 bytes and length. Sorting 10,000 such
// elements then compares bytes rather than variants part by part.
struct FlatKeys {
    std::size_t stride = 0;
    std::vector<std::uint8_t> bytes;
    const std::uint8_t* at(std::uint32_t i) const { return bytes.data() + i * stride; }
};

constexpr std::size_t kFlatNumber = 8;
constexpr std::size_t kFlatPrefix = 1 + 16 + 4;

bool same_kinds(const std::vector<Value>& a, const std::vector<Value>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].index() != b[i].index()) return false;
    return true;
}

// The width of a flat part; 0 when the value has no flat form.
std::size_t flat_width(const Value& v) {
    if (std::holds_alternative<std::uint64_t>(v)) return kFlatNumber;
    if (std::holds_alternative<net::Prefix>(v)) return kFlatPrefix;
    return 0;
}

// The low `width` bytes of v, most significant first: moved to the top,
// put in big-endian order and copied at once (a byte at a time was a
// loop per byte for each of 30,000 parts of the forward sets).
void put_big_endian(std::uint64_t v, std::size_t width, std::uint8_t*& out) {
    std::uint64_t top = v << (8 * (8 - width));
    if constexpr (std::endian::native == std::endian::little) top = std::byteswap(top);
    std::memcpy(out, &top, width);
    out += width;
}

void put_flat(const Value& v, std::uint8_t*& out) {
    if (const auto* n = std::get_if<std::uint64_t>(&v)) return put_big_endian(*n, kFlatNumber, out);
    const auto& p = std::get<net::Prefix>(v);
    *out++ = static_cast<std::uint8_t>(p.address.family);
    out = std::copy(p.address.bytes.begin(), p.address.bytes.end(), out);
    put_big_endian(static_cast<std::uint32_t>(p.length), 4, out);
}

std::optional<FlatKeys> flat_keys(const std::vector<Element>& elements) {
    const Element& first = elements.front();
    FlatKeys flat;
    for (const auto* parts : {&first.key, &first.data})
        for (const auto& v : *parts) {
            auto width = flat_width(v);
            if (width == 0) return std::nullopt;
            flat.stride += width;
        }
    for (const auto& e : elements)
        if (!same_kinds(e.key, first.key) || !same_kinds(e.data, first.data)) return std::nullopt;
    flat.bytes.resize(flat.stride * elements.size());
    auto* out = flat.bytes.data();
    for (const auto& e : elements) {
        for (const auto& v : e.key) put_flat(v, out);
        for (const auto& v : e.data) put_flat(v, out);
    }
    return flat;
}

}  // namespace

void sort_elements(std::vector<Element>& elements) {
    // Compiled sets and sets in the kernel's form arrive sorted: checking is linear.
    if (std::is_sorted(elements.begin(), elements.end(), element_less)) return;
    // Positions are sorted, then each element moved once: an Element (two
    // vectors, a verdict, a comment) costs far more to move than an index.
    std::vector<std::uint32_t> order(elements.size());
    std::iota(order.begin(), order.end(), 0u);
    if (auto flat = flat_keys(elements))
        std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
            return std::memcmp(flat->at(a), flat->at(b), flat->stride) < 0;
        });
    else
        std::stable_sort(order.begin(), order.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return element_less(elements[a], elements[b]); });
    std::vector<Element> sorted;
    sorted.reserve(elements.size());
    for (auto i : order) sorted.push_back(std::move(elements[i]));
    elements = std::move(sorted);
}

Ruleset with_sorted_elements(Ruleset ruleset) {
    for (auto& t : ruleset.tables) {
        for (auto& s : t.sets) sort_elements(s.elements);
        for (auto& f : t.flowtables) std::sort(f.devices.begin(), f.devices.end());
        for (auto& c : t.chains)
            for (auto& r : c.rules) canonical_rule(r);
    }
    return ruleset;
}

namespace {

bool sorted_elements(const std::vector<Element>& elements) {
    return std::is_sorted(elements.begin(), elements.end(), element_less);
}

// What with_sorted_elements() would leave as it is.
bool in_canonical_order(const Ruleset& ruleset) {
    for (const auto& t : ruleset.tables) {
        for (const auto& s : t.sets)
            if (!sorted_elements(s.elements)) return false;
        for (const auto& f : t.flowtables)
            if (!std::is_sorted(f.devices.begin(), f.devices.end())) return false;
        for (const auto& c : t.chains)
            for (const auto& r : c.rules)
                for (const auto& st : r.stmts)
                    if (const auto* l = std::get_if<Lookup>(&st); l && !sorted_elements(l->inline_set)) return false;
    }
    return true;
}

}  // namespace

RulesetDiff diff_rulesets(const Ruleset& desired, Ruleset observed) {
    // The desired side (the kernel form of a compiled ruleset) is normally
    // in canonical order already: copying 20,000 elements to sort nothing
    // was a good part of a 10,000-forward diff.
    std::optional<Ruleset> sorted;
    if (!in_canonical_order(desired)) sorted = with_sorted_elements(desired);
    const Ruleset& d = sorted ? *sorted : desired;
    Ruleset o = with_sorted_elements(std::move(observed));
    align(o.tables, d.tables, [](const Table& x, const Table& y) { return x.family == y.family && x.name == y.name; });
    for (std::size_t i = 0; i < std::min(d.tables.size(), o.tables.size()); ++i) {
        align(o.tables[i].sets, d.tables[i].sets, [](const Set& x, const Set& y) { return x.name == y.name; });
        align(o.tables[i].chains, d.tables[i].chains, [](const Chain& x, const Chain& y) { return x.name == y.name; });
    }
    RulesetDiff diff;
    if (d == o) return diff;  // no text to render: the sides are equal
    RenderOptions plain;
    diff.text = unified_diff(render_ruleset(o, plain), render_ruleset(d, plain), "kernel", "config");
    bool elements = d.tables.size() == o.tables.size();
    for (std::size_t i = 0; elements && i < d.tables.size(); ++i)
        elements = only_elements(d.tables[i], o.tables[i], diff.changed_sets);
    diff.kind = elements ? ChangeKind::elements : ChangeKind::structure;
    if (!elements) diff.changed_sets.clear();
    return diff;
}

}  // namespace gw::nft
