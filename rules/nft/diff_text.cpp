// A line diff (Myers' O(ND) shortest edit script) printed in unified
// format. Common head and tail lines are cut first, so a ruleset where one
// forward changed costs a few steps however long the text is.
#include <algorithm>
#include <string_view>

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

// Myers: trace[d] holds the furthest x reached on each diagonal k (offset
// by d) after d edits; walking it back yields the edit script.
std::vector<Edit> middle_script(const Lines& a, const Lines& b, int lo_a, int hi_a, int lo_b, int hi_b) {
    int n = hi_a - lo_a, m = hi_b - lo_b, max = n + m;
    // One side empty (a first apply: nothing in the kernel yet) is all
    // inserts or all deletes; the search below would cost O((n+m)^2) here.
    if (n == 0 || m == 0) {
        std::vector<Edit> out;
        for (int i = 0; i < n; ++i) out.push_back({Op::del, lo_a + i, lo_b});
        for (int j = 0; j < m; ++j) out.push_back({Op::ins, lo_a, lo_b + j});
        return out;
    }
    std::vector<std::vector<int>> trace;
    std::vector<int> v(2 * static_cast<std::size_t>(max) + 3, 0);
    auto at = [&](std::vector<int>& vec, int k) -> int& { return vec[static_cast<std::size_t>(k + max + 1)]; };
    int found = -1;
    for (int d = 0; d <= max && found < 0; ++d) {
        for (int k = -d; k <= d; k += 2) {
            int x = (k == -d || (k != d && at(v, k - 1) < at(v, k + 1))) ? at(v, k + 1) : at(v, k - 1) + 1;
            int y = x - k;
            while (x < n && y < m && a[static_cast<std::size_t>(lo_a + x)] == b[static_cast<std::size_t>(lo_b + y)])
                ++x, ++y;
            at(v, k) = x;
            if (x >= n && y >= m) found = d;
        }
        trace.push_back(v);
    }
    std::vector<Edit> rev;
    int x = n, y = m;
    for (int d = found; d > 0; --d) {
        auto& prev = trace[static_cast<std::size_t>(d - 1)];
        int k = x - y;
        int pk = (k == -d || (k != d && at(prev, k - 1) < at(prev, k + 1))) ? k + 1 : k - 1;
        int px = at(prev, pk), py = px - pk;
        for (; x > px && y > py; --x, --y) rev.push_back({Op::keep, lo_a + x - 1, lo_b + y - 1});
        if (pk == k + 1) rev.push_back({Op::ins, lo_a + x, lo_b + y - 1});
        else rev.push_back({Op::del, lo_a + x - 1, lo_b + y});
        x = px, y = py;
    }
    for (; x > 0 && y > 0; --x, --y) rev.push_back({Op::keep, lo_a + x - 1, lo_b + y - 1});
    return {rev.rbegin(), rev.rend()};
}

std::vector<Edit> edit_script(const Lines& a, const Lines& b) {
    int n = static_cast<int>(a.size()), m = static_cast<int>(b.size());
    int head = 0;
    while (head < n && head < m && a[static_cast<std::size_t>(head)] == b[static_cast<std::size_t>(head)]) ++head;
    int tail = 0;
    while (tail < n - head && tail < m - head &&
           a[static_cast<std::size_t>(n - 1 - tail)] == b[static_cast<std::size_t>(m - 1 - tail)])
        ++tail;
    std::vector<Edit> out;
    for (int i = 0; i < head; ++i) out.push_back({Op::keep, i, i});
    auto mid = middle_script(a, b, head, n - tail, head, m - tail);
    out.insert(out.end(), mid.begin(), mid.end());
    for (int i = tail; i > 0; --i) out.push_back({Op::keep, n - i, m - i});
    return out;
}

std::string range(int first, int count) {
    // Unified format: an empty range names the line before it.
    return std::to_string(count ? first + 1 : first) + "," + std::to_string(count);
}

std::string hunk(const std::vector<Edit>& es, std::size_t from, std::size_t to, const Lines& a,
                 const Lines& b) {
    int a0 = -1, b0 = -1, na = 0, nb = 0;
    std::string body;
    for (std::size_t i = from; i < to; ++i) {
        const auto& e = es[i];
        if (a0 < 0) a0 = e.a, b0 = e.b;
        if (e.op != Op::ins) ++na;
        if (e.op != Op::del) ++nb;
        const auto& line = e.op == Op::ins ? b[static_cast<std::size_t>(e.b)] : a[static_cast<std::size_t>(e.a)];
        body += (e.op == Op::keep ? " " : e.op == Op::del ? "-" : "+") + std::string(line) + "\n";
    }
    return "@@ -" + range(a0, na) + " +" + range(b0, nb) + " @@\n" + body;
}

}  // namespace

std::string unified_diff(const std::string& from, const std::string& to, const std::string& from_name,
                         const std::string& to_name, int context) {
    if (from == to) return {};
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
        out += hunk(es, start, stop, a, b);
        i = stop;
    }
    return out;
}

}  // namespace gw::nft
