#include "daemon/host/accounts.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace gw::host {
namespace {

// getpw*_r want a caller buffer; ERANGE means "bigger, please".
template <class Entry, class Fn>
std::optional<std::uint32_t> lookup(std::string_view name, int size_hint, Fn fn) {
    std::string key(name);
    long hint = sysconf(size_hint);
    std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
    for (int tries = 0; tries < 8; ++tries) {
        Entry entry{};
        Entry* found = nullptr;
        int rc = fn(key.c_str(), &entry, buf.data(), buf.size(), &found);
        if (rc == ERANGE) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (rc != 0 || !found) return std::nullopt;
        if constexpr (requires { entry.pw_uid; }) return entry.pw_uid;
        else return entry.gr_gid;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint32_t> SystemAccounts::uid(std::string_view name) const {
    return lookup<struct passwd>(name, _SC_GETPW_R_SIZE_MAX, getpwnam_r);
}

std::optional<std::uint32_t> SystemAccounts::gid(std::string_view name) const {
    return lookup<struct group>(name, _SC_GETGR_R_SIZE_MAX, getgrnam_r);
}

std::optional<std::uint32_t> MapAccounts::uid(std::string_view user) const {
    auto it = users.find(user);
    return it == users.end() ? std::nullopt : std::optional(it->second);
}

std::optional<std::uint32_t> MapAccounts::gid(std::string_view group) const {
    auto it = groups.find(group);
    return it == groups.end() ? std::nullopt : std::optional(it->second);
}

}  // namespace gw::host
