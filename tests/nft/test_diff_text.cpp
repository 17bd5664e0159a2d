// unified_diff() is exact (the hunks turn the old text into the new one)
// and bounded: a 10,000-line change against 10 lines, or two texts with
// nothing in common, stay within a fixed memory budget (a quadratic search
// held gigabytes here). Memory is the child's peak RSS, read by wait4().
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <sstream>

#include "rules/nft/diff.hpp"

using namespace gw::nft;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// Applies a unified diff to `from`, checking every context and removed
// line against it; returns the result, or "<mismatch>".
std::string patch(const std::string& from, const std::string& diff) {
    auto a = lines_of(from), d = lines_of(diff);
    std::string out;
    std::size_t at = 0;  // next line of `from` not yet copied
    for (std::size_t i = 2; i < d.size(); ++i) {
        int old_start = 0, old_count = 0;
        if (std::sscanf(d[i].c_str(), "@@ -%d,%d", &old_start, &old_count) != 2) return "<mismatch>";
        std::size_t first = old_count ? static_cast<std::size_t>(old_start - 1) : static_cast<std::size_t>(old_start);
        for (; at < first; ++at) out += a[at] + "\n";
        for (++i; i < d.size() && d[i].rfind("@@", 0) != 0; ++i) {
            char op = d[i][0];
            std::string body = d[i].substr(1);
            if (op == '+') { out += body + "\n"; continue; }
            if (at >= a.size() || a[at] != body) return "<mismatch>";
            if (op == ' ') out += body + "\n";
            ++at;
        }
        --i;
    }
    for (; at < a.size(); ++at) out += a[at] + "\n";
    return out;
}

std::string random_text(std::mt19937& rng, int lines, int alphabet) {
    std::string out;
    std::uniform_int_distribution<int> pick(0, alphabet - 1);
    for (int i = 0; i < lines; ++i) out += "line " + std::to_string(pick(rng)) + "\n";
    return out;
}

std::string forwards(int n, const char* suffix = "") {
    std::string out = "table inet gatewayd {\n\tmap forward_tcp {\n\t\telements = {\n";
    for (int i = 0; i < n; ++i)
        out += "\t\t\t" + std::to_string(20000 + i) + " : 172.16.1." + std::to_string(100 + i % 100) + suffix + ",\n";
    return out + "\t\t}\n\t}\n}\n";
}

// Runs `work` in a child with a 2 GiB address-space cap (so a regression
// fails instead of swapping the machine); returns its peak RSS in KiB, or
// -1 if it did not exit 0.
template <class Work>
long child_peak_kib(Work work) {
    pid_t pid = fork();
    if (pid == 0) {
#ifndef __SANITIZE_ADDRESS__
        rlimit cap{2L << 30, 2L << 30};
        setrlimit(RLIMIT_AS, &cap);
#endif
        _exit(work() ? 0 : 1);
    }
    int status = 0;
    rusage usage{};
    if (wait4(pid, &status, 0, &usage) != pid) return -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("unified_diff: the hunks turn the old text into the new one (random texts)") {
    std::mt19937 rng(20);
    for (int round = 0; round < 400; ++round) {
        int alphabet = 2 + round % 40;  // small alphabets: many repeated lines
        auto a = random_text(rng, static_cast<int>(rng() % 60), alphabet);
        auto b = random_text(rng, static_cast<int>(rng() % 60), alphabet);
        auto d = unified_diff(a, b, "a", "b", static_cast<int>(round % 4));
        CAPTURE(a);
        CAPTURE(b);
        if (a == b) CHECK(d.empty());
        else CHECK(patch(a, d) == b);
    }
}

TEST_CASE("unified_diff: a change among unique lines is found exactly") {
    auto a = forwards(50), b = forwards(50);
    b.replace(b.find("20007 :"), 7, "30007 :");
    CHECK(unified_diff(a, b, "k", "c", 0) ==
          "--- k\n+++ c\n@@ -11,1 +11,1 @@\n-\t\t\t20007 : 172.16.1.107,\n+\t\t\t30007 : 172.16.1.107,\n");
}

TEST_CASE("unified_diff: 10 lines against 10,000 and texts with nothing in common stay small") {
    const long budget_kib = 256 * 1024;
    struct Case {
        const char* name;
        std::string from, to;
    };
    std::mt19937 rng(7);
    Case cases[] = {
        {"10 forwards -> 10,000", forwards(10), forwards(10000)},
        {"10,000 forwards -> 10", forwards(10000), forwards(10)},
        {"20,000 lines, all changed", forwards(20000), forwards(20000, " counter")},
        {"20,000 repeated lines", random_text(rng, 20000, 3), random_text(rng, 20000, 3)},
    };
    for (const auto& c : cases) {
        long kib = child_peak_kib([&] { return patch(c.from, unified_diff(c.from, c.to, "k", "c")) == c.to; });
        MESSAGE(std::string(c.name) << ": peak RSS " << kib / 1024 << " MiB");
        CAPTURE(c.name);
        CHECK(kib > 0);
        CHECK(kib < budget_kib);
    }
}
