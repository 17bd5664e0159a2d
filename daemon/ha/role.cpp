#include "daemon/ha/role.hpp"

#include <algorithm>

namespace gw::ha {

VrrpRole role_from_keepalived(std::uint32_t state) {
    switch (state) {
    case 0: return VrrpRole::init;
    case 1: return VrrpRole::backup;
    case 2: return VrrpRole::master;
    case 3: return VrrpRole::fault;
    default: return VrrpRole::unknown;
    }
}

std::string role_name(VrrpRole r) {
    switch (r) {
    case VrrpRole::unknown: return "unknown";
    case VrrpRole::init: return "INIT";
    case VrrpRole::backup: return "BACKUP";
    case VrrpRole::master: return "MASTER";
    case VrrpRole::fault: return "FAULT";
    }
    return "unknown";
}

std::string InstanceKey::object_path() const {
    return "/org/keepalived/Vrrp1/Instance/" + ifname + "/" + std::to_string(vrid) + "/" + (ipv6 ? "IPv6" : "IPv4");
}

void RoleBook::set_instances(const std::vector<InstanceKey>& keys) {
    std::map<InstanceKey, Entry> next;
    for (const auto& k : keys) {
        auto it = entries_.find(k);
        next[k] = it != entries_.end() ? it->second : Entry{};
    }
    entries_ = std::move(next);
}

bool RoleBook::report(const InstanceKey& key, VrrpRole role, Time now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return false;
    bool was = master();
    if (it->second.role != role) it->second = Entry{role, now};
    return master() != was;
}

bool RoleBook::forget_all(Time now) {
    bool was = master();
    for (auto& [key, e] : entries_)
        if (e.role != VrrpRole::unknown) e = Entry{VrrpRole::unknown, now};
    return master() != was;
}

bool RoleBook::master() const {
    return !entries_.empty() &&
           std::all_of(entries_.begin(), entries_.end(), [](const auto& e) { return e.second.role == VrrpRole::master; });
}

VrrpRole RoleBook::role(const InstanceKey& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? VrrpRole::unknown : it->second.role;
}

std::optional<RoleBook::Time> RoleBook::since(const InstanceKey& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? std::nullopt : it->second.since;
}

}  // namespace gw::ha
