#pragma once
// One controller event heard by several parts of the daemon (the uplink
// supervisor, the HA manager, routed IPv6), each called in the order it
// was added. Adding never replaces: no part has to know who came before.

#include <functional>
#include <utility>
#include <vector>

namespace gw::reconcile {

template <class... Args>
class Listeners {
public:
    void add(std::function<void(Args...)> listener) { list_.push_back(std::move(listener)); }
    void operator()(Args... args) const {
        for (const auto& listener : list_) listener(args...);
    }
    explicit operator bool() const { return !list_.empty(); }

private:
    std::vector<std::function<void(Args...)>> list_;
};

}  // namespace gw::reconcile
