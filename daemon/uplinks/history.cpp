// Address history bookkeeping and lifetime statistics (see history.hpp).
#include "daemon/uplinks/history.hpp"

#include <algorithm>
#include <vector>

namespace gw::uplinks {

void AddressHistory::begin(const std::string& address, SystemTime t) {
    if (!entries_.empty() && !entries_.back().until) {
        if (entries_.back().address == address) return;
        end(t);
    }
    entries_.push_back({address, t, std::nullopt});
    while (entries_.size() > capacity_) entries_.pop_front();
}

void AddressHistory::end(SystemTime t) {
    if (!entries_.empty() && !entries_.back().until) entries_.back().until = t;
}

LifetimeStats AddressHistory::stats() const {
    std::vector<std::chrono::seconds> lives;
    for (const auto& e : entries_)
        if (e.until) lives.push_back(std::chrono::duration_cast<std::chrono::seconds>(*e.until - e.since));
    LifetimeStats s;
    s.count = lives.size();
    if (lives.empty()) return s;
    std::chrono::seconds sum{0};
    for (auto l : lives) sum += l;
    s.mean = sum / static_cast<long>(lives.size());
    std::sort(lives.begin(), lives.end());
    auto mid = lives.size() / 2;
    s.median = lives.size() % 2 ? lives[mid] : (lives[mid - 1] + lives[mid]) / 2;
    return s;
}

}  // namespace gw::uplinks
