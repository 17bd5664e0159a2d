#include "daemon/generations/store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gw::generations {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

// "key=value" lines; values are one line each (newlines become spaces).
std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

std::string render_meta(const Generation& g) {
    auto usec = std::chrono::duration_cast<std::chrono::microseconds>(g.time.time_since_epoch()).count();
    return "time=" + std::to_string(usec) + "\nuser=" + one_line(g.user) + "\nsummary=" + one_line(g.summary) + "\n";
}

Generation parse_meta(unsigned number, const fs::path& meta) {
    Generation g;
    g.number = number;
    std::ifstream in(meta);
    for (std::string line; std::getline(in, line);) {
        auto eq = line.find('=');
        if (eq == std::string::npos) continue;
        auto key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "time") g.time = Clock::time_point(std::chrono::microseconds(std::stoll(value)));
        else if (key == "user") g.user = value;
        else if (key == "summary") g.summary = value;
    }
    return g;
}

std::optional<unsigned> number_of(const fs::path& p) {
    if (p.extension() != ".yaml") return std::nullopt;
    auto stem = p.stem().string();
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), ::isdigit)) return std::nullopt;
    return static_cast<unsigned>(std::stoul(stem));
}

}  // namespace

GenerationStore::GenerationStore(std::string dir, unsigned keep) : dir_(std::move(dir)), keep_(std::max(keep, 1u)) {}

std::string GenerationStore::path_of(unsigned number, const char* ext) const {
    return dir_ + "/" + std::to_string(number) + ext;
}

std::vector<Generation> GenerationStore::list() const {
    std::vector<Generation> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
        auto n = number_of(entry.path());
        if (!n) continue;
        out.push_back(parse_meta(*n, path_of(*n, ".meta")));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
    return out;
}

std::optional<Generation> GenerationStore::newest() const {
    auto all = list();
    if (all.empty()) return std::nullopt;
    return all.back();
}

std::expected<std::string, std::string> GenerationStore::text(unsigned number) const {
    std::ifstream in(path_of(number, ".yaml"), std::ios::binary);
    if (!in) return std::unexpected("there is no generation " + std::to_string(number));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::expected<GenerationStore::Staged, std::string> GenerationStore::stage(const std::string& text) const {
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
        return std::unexpected("cannot create " + dir_ + ": " + std::strerror(errno));
    auto last = newest();
    unsigned number = last ? last->number + 1 : 1;
    auto staged = stage_file(path_of(number, ".yaml"), text, 0600);
    if (!staged) return std::unexpected(staged.error());
    return Staged{number, std::move(*staged)};
}

std::expected<unsigned, std::string> GenerationStore::commit(const Staged& staged, Generation meta) {
    meta.number = staged.number;
    // The metadata first: a generation's text without it would list with no
    // time or user; metadata without its text is never listed.
    if (auto ok = write_file_atomically(path_of(staged.number, ".meta"), render_meta(meta), 0600); !ok) {
        discard(staged);
        return std::unexpected(ok.error());
    }
    if (auto ok = commit_staged(staged.text); !ok) return std::unexpected(ok.error());
    prune(staged.number);
    return staged.number;
}

void GenerationStore::prune(unsigned newest) {
    for (const auto& g : list()) {
        if (g.number + keep_ > newest) continue;
        ::unlink(path_of(g.number, ".yaml").c_str());
        ::unlink(path_of(g.number, ".meta").c_str());
    }
}

}  // namespace gw::generations
