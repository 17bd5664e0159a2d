// A line diff printed in unified format, linear-ish in time and memory in
// the size of both texts (a router with 1 GB must be able to diff 10,000
// forwards against 10). Common head and tail lines are cut first; lines
// that occur once on each side anchor the rest (patience diff: the longest
// run of such lines in the same order, O(n log n)); what lies between two
// anchors is diffed by Myers' shortest edit script while that stays cheap
// (at most kMaxMyersEdits edits, memory O(edits^2)), else it is printed as
// its old lines removed and its new lines added — a longer diff, never a
// wrong one.
#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "rules/nft/diff.hpp"

namespace gw::nft {

namespace {

std::vector<std::string_view> split_lines(const std::string& text) {
    std::vector<std::string_view> out;
    std::string_view rest(text);
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        out.push_back(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
    return out;
}

enum class Op { keep, del, ins };

struct Edit {
    Op op;
    int a;  // line index in the old text (keep/del)
    int b;  // line index in the new text (keep/ins)
};

using Lines = std::vector<std::string_view>;
using Script = std::vector<Edit>;

// A half-open window of both texts still to be diffed.
struct Window {
    int lo_a, hi_a, lo_b, hi_b;
    int n() const { return hi_a - lo_a; }
    int m() const { return hi_b - lo_b; }
};

// Past this many edits Myers' search costs more than the diff is worth.
constexpr int kMaxMyersEdits = 1000;
// Anchoring recurses into the gaps between anchors at most this deep, so a
// text made to defeat it costs O(depth * n log n), not O(n^2).
constexpr int kMaxAnchorDepth = 6;

std::size_t ix(int i) { return static_cast<std::size_t>(i); }

void all_replaced(const Window& w, Script& out) {
    for (int i = w.lo_a; i < w.hi_a; ++i) out.push_back({Op::del, i, w.lo_b});
    for (int j = w.lo_b; j < w.hi_b; ++j) out.push_back({Op::ins, w.hi_a, j});
}

// Myers' greedy search where trace[d] keeps only diagonals -d..d (2d+1
// values), so memory is O(D^2) for D edits; false when D would pass the cap.
bool myers(const Lines& a, const Lines& b, const Window& w, Script& out) {
    int n = w.n(), m = w.m();
    int cap = std::min(n + m, kMaxMyersEdits);
    std::vector<std::vector<int>> trace;
    std::vector<int> v(2 * ix(cap) + 3, 0);
    auto at = [&](std::vector<int>& vec, int k) -> int& { return vec[ix(k + cap + 1)]; };
    auto choose_down = [](int k, int d, int left, int right) { return k == -d || (k != d && left < right); };
    int found = -1;
    for (int d = 0; d <= cap && found < 0; ++d) {
        for (int k = -d; k <= d; k += 2) {
            int x = choose_down(k, d, at(v, k - 1), at(v, k + 1)) ? at(v, k + 1) : at(v, k - 1) + 1;
            int y = x - k;
            while (x < n && y < m && a[ix(w.lo_a + x)] == b[ix(w.lo_b + y)]) ++x, ++y;
            at(v, k) = x;
            if (x >= n && y >= m) found = d;
        }
        trace.emplace_back(v.begin() + (cap + 1 - d), v.begin() + (cap + 2 + d));
    }
    if (found < 0) return false;
    Script rev;
    int x = n, y = m;
    for (int d = found; d > 0; --d) {
        const auto& prev = trace[ix(d - 1)];  // diagonals -(d-1)..d-1
        auto prev_at = [&](int k) { return prev[ix(k + d - 1)]; };
        int k = x - y;
        bool down = k == -d || (k != d && prev_at(k - 1) < prev_at(k + 1));
        int pk = down ? k + 1 : k - 1;
        int px = prev_at(pk), py = px - pk;
        for (; x > px && y > py; --x, --y) rev.push_back({Op::keep, w.lo_a + x - 1, w.lo_b + y - 1});
        if (down) rev.push_back({Op::ins, w.lo_a + x, w.lo_b + y - 1});
        else rev.push_back({Op::del, w.lo_a + x - 1, w.lo_b + y});
        x = px, y = py;
    }
    for (; x > 0 && y > 0; --x, --y) rev.push_back({Op::keep, w.lo_a + x - 1, w.lo_b + y - 1});
    out.insert(out.end(), rev.rbegin(), rev.rend());
    return true;
}

struct Anchor {
    int a, b;
};

// Lines found exactly once in each side of the window, in old-text order,
// reduced to the longest run whose new-text positions also increase.
std::vector<Anchor> unique_anchors(const Lines& a, const Lines& b, const Window& w) {
    struct Seen {
        int count_a = 0, count_b = 0, at_a = 0, at_b = 0;
    };
    std::unordered_map<std::string_view, Seen> seen;
    seen.reserve(ix(w.n() + w.m()));
    for (int i = w.lo_a; i < w.hi_a; ++i) {
        auto& s = seen[a[ix(i)]];
        ++s.count_a, s.at_a = i;
    }
    for (int j = w.lo_b; j < w.hi_b; ++j) {
        auto it = seen.find(b[ix(j)]);
        if (it != seen.end()) ++it->second.count_b, it->second.at_b = j;
    }
    std::vector<Anchor> candidates;
    for (int i = w.lo_a; i < w.hi_a; ++i) {
        const auto& s = seen.find(a[ix(i)])->second;
        if (s.count_a == 1 && s.count_b == 1) candidates.push_back({i, s.at_b});
    }
    // Longest increasing subsequence on b by patience sorting.
    std::vector<int> tails, parent(candidates.size(), -1);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        auto pos = std::lower_bound(tails.begin(), tails.end(), candidates[c].b,
                                    [&](int t, int value) { return candidates[ix(t)].b < value; });
        if (pos != tails.begin()) parent[c] = *(pos - 1);
        if (pos == tails.end()) tails.push_back(static_cast<int>(c));
        else *pos = static_cast<int>(c);
    }
    std::vector<Anchor> chain;
    for (int c = tails.empty() ? -1 : tails.back(); c >= 0; c = parent[ix(c)]) chain.push_back(candidates[ix(c)]);
    return {chain.rbegin(), chain.rend()};
}

void diff_window(const Lines& a, const Lines& b, Window w, int depth, Script& out);

// Equal lines at both ends of a window are kept without searching.
void trim_and_diff(const Lines& a, const Lines& b, Window w, int depth, Script& out) {
    while (w.lo_a < w.hi_a && w.lo_b < w.hi_b && a[ix(w.lo_a)] == b[ix(w.lo_b)])
        out.push_back({Op::keep, w.lo_a++, w.lo_b++});
    Script tail;
    while (w.lo_a < w.hi_a && w.lo_b < w.hi_b && a[ix(w.hi_a - 1)] == b[ix(w.hi_b - 1)])
        tail.push_back({Op::keep, --w.hi_a, --w.hi_b});
    diff_window(a, b, w, depth, out);
    out.insert(out.end(), tail.rbegin(), tail.rend());
}

void diff_window(const Lines& a, const Lines& b, Window w, int depth, Script& out) {
    if (w.n() == 0 || w.m() == 0) return all_replaced(w, out);
    if (depth < kMaxAnchorDepth) {
        auto anchors = unique_anchors(a, b, w);
        if (!anchors.empty()) {
            int lo_a = w.lo_a, lo_b = w.lo_b;
            for (const auto& anchor : anchors) {
                trim_and_diff(a, b, {lo_a, anchor.a, lo_b, anchor.b}, depth + 1, out);
                out.push_back({Op::keep, anchor.a, anchor.b});
                lo_a = anchor.a + 1, lo_b = anchor.b + 1;
            }
            return trim_and_diff(a, b, {lo_a, w.hi_a, lo_b, w.hi_b}, depth + 1, out);
        }
    }
    if (!myers(a, b, w, out)) all_replaced(w, out);
}

Script edit_script(const Lines& a, const Lines& b) {
    Script out;
    out.reserve(a.size() + b.size());
    trim_and_diff(a, b, {0, static_cast<int>(a.size()), 0, static_cast<int>(b.size())}, 0, out);
    return out;
}

std::string range(int first, int count) {
    // Unified format: an empty range names the line before it.
    return std::to_string(count ? first + 1 : first) + "," + std::to_string(count);
}

void append_hunk(const Script& es, std::size_t from, std::size_t to, const Lines& a, const Lines& b,
                 std::string& out) {
    int na = 0, nb = 0;
    for (std::size_t i = from; i < to; ++i) {
        if (es[i].op != Op::ins) ++na;
        if (es[i].op != Op::del) ++nb;
    }
    out += "@@ -" + range(es[from].a, na) + " +" + range(es[from].b, nb) + " @@\n";
    for (std::size_t i = from; i < to; ++i) {
        const auto& e = es[i];
        out += e.op == Op::keep ? ' ' : e.op == Op::del ? '-' : '+';
        out += e.op == Op::ins ? b[ix(e.b)] : a[ix(e.a)];
        out += '\n';
    }
}

// The diff from nothing (a first apply: 40,000 lines at 10,000 forwards):
// one hunk adding every line, what the edit script would give, without it.
std::string all_added(const Lines& b, const std::string& from_name, const std::string& to_name) {
    std::string out = "--- " + from_name + "\n+++ " + to_name + "\n@@ -" + range(0, 0) + " +" +
                      range(0, static_cast<int>(b.size())) + " @@\n";
    for (auto line : b) {
        out += '+';
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace

std::string unified_diff(const std::string& from, const std::string& to, const std::string& from_name,
                         const std::string& to_name, int context) {
    if (from == to) return {};
    if (from.empty()) return all_added(split_lines(to), from_name, to_name);
    auto a = split_lines(from), b = split_lines(to);
    auto es = edit_script(a, b);
    auto ctx = static_cast<std::size_t>(std::max(context, 0));
    std::string out = "--- " + from_name + "\n+++ " + to_name + "\n";
    std::size_t i = 0;
    while (i < es.size()) {
        while (i < es.size() && es[i].op == Op::keep) ++i;
        if (i == es.size()) break;
        std::size_t start = i > ctx ? i - ctx : 0, end = i;
        // Extend over changes whose context windows touch.
        for (std::size_t j = i; j < es.size(); ++j) {
            if (es[j].op != Op::keep) end = j + 1;
            else if (j - end + 1 > 2 * ctx) break;
        }
        std::size_t stop = std::min(es.size(), end + ctx);
        append_hunk(es, start, stop, a, b, out);
        i = stop;
    }
    return out;
}

}  // namespace gw::nft
