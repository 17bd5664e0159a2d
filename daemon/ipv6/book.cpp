// DelegationBook (manager.hpp): the delegations the leases reported.
#include "daemon/ipv6/manager.hpp"

namespace gw::ipv6 {

namespace {

// A replaced prefix is announced with lifetime 0 for as long as hosts may
// still hold addresses in it, at most two hours: RFC 4862 5.5.3 (e) lets
// an unauthenticated RA cut a valid lifetime down to two hours, no lower.
constexpr std::chrono::seconds kRetireAtMost{7200};

}  // namespace

void DelegationBook::retire(Held& h, Clock::time_point now) {
    if (!h.current || !h.current->prefix) return;
    auto keep = std::min<std::chrono::seconds>(std::chrono::seconds(h.current->valid), kRetireAtMost);
    if (keep.count() == 0) keep = kRetireAtMost;
    h.retired.emplace_back(*h.current->prefix, now + keep);
    h.current.reset();
}

bool DelegationBook::update(const std::string& uplink, const LeaseEvent& ev, Clock::time_point now) {
    auto& h = held_[uplink];
    auto before = facts(now);
    std::erase_if(h.retired, [&](const auto& r) { return r.second <= now; });
    if (ev.change == LeaseChange::gone) retire(h, now);
    if (ev.change == LeaseChange::bound) {
        if (h.current && h.current->prefix != ev.delegation.prefix) retire(h, now);
        std::erase_if(h.retired, [&](const auto& r) { return r.first == ev.delegation.prefix; });
        h.current = ev.delegation;
        h.received = now;
    }
    return facts(now) != before;
}

void DelegationBook::forget(const std::string& uplink) { held_.erase(uplink); }

std::map<std::string, rules::Delegation, std::less<>> DelegationBook::facts(Clock::time_point now) const {
    std::map<std::string, rules::Delegation, std::less<>> out;
    for (const auto& [uplink, h] : held_) {
        // A delegation that is gone still deprecates the prefixes it had.
        rules::Delegation d = h.current.value_or(rules::Delegation{});
        for (const auto& [prefix, until] : h.retired)
            if (until > now) d.retired.push_back(prefix);
        if (d.prefix || !d.retired.empty()) out.emplace(uplink, std::move(d));
    }
    return out;
}

std::optional<DelegationBook::Clock::time_point> DelegationBook::received(const std::string& uplink) const {
    auto it = held_.find(uplink);
    if (it == held_.end() || !it->second.current) return std::nullopt;
    return it->second.received;
}

std::optional<DelegationBook::Clock::time_point> DelegationBook::next_expiry(Clock::time_point now) const {
    std::optional<Clock::time_point> next;
    for (const auto& [uplink, h] : held_)
        for (const auto& [prefix, until] : h.retired)
            if (until > now && (!next || until < *next)) next = until;
    return next;
}

}  // namespace gw::ipv6
