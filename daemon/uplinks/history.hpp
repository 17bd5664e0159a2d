// An uplink's address history: the last addresses it held, each with when
// it came and went, and how long addresses live (count, mean, median of
// the finished ones) — "changed 114 times in ten days, median 39 minutes"
// is what tells an operator that everything must follow the address. Pure.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

namespace gw::uplinks {

using SystemTime = std::chrono::system_clock::time_point;

struct AddressSpan {
    std::string address;
    SystemTime since;
    std::optional<SystemTime> until;  // empty while the address is held
};

struct LifetimeStats {
    std::size_t count = 0;  // finished lifetimes in the history
    std::chrono::seconds mean{0};
    std::chrono::seconds median{0};
};

class AddressHistory {
public:
    explicit AddressHistory(std::size_t capacity = 16) : capacity_(capacity) {}

    // The uplink holds `address` from `t` on; a different current address ends first.
    void begin(const std::string& address, SystemTime t);
    // The current address (if any) is gone at `t`.
    void end(SystemTime t);

    const std::deque<AddressSpan>& entries() const { return entries_; }  // oldest first
    LifetimeStats stats() const;

private:
    std::size_t capacity_;
    std::deque<AddressSpan> entries_;
};

}  // namespace gw::uplinks
