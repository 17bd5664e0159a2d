#include "daemon/host/accounts.hpp"

#include "daemon/host/secret_file.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace gw::host {
namespace {

// getpw*_r want a caller buffer; ERANGE means "bigger, please". `pick`
// takes what the caller wants from the entry found.
template <class Entry, class Key, class Fn, class Pick>
auto lookup(Key key, int size_hint, Fn fn, Pick pick) -> std::optional<decltype(pick(Entry{}))> {
    long hint = sysconf(size_hint);
    std::vector<char> buf(hint > 0 ? static_cast<std::size_t>(hint) : 4096);
    for (int tries = 0; tries < 8; ++tries) {
        Entry entry{};
        Entry* found = nullptr;
        int rc = fn(key, &entry, buf.data(), buf.size(), &found);
        if (rc == ERANGE) {
            buf.resize(buf.size() * 2);
            continue;
        }
        if (rc != 0 || !found) return std::nullopt;
        return pick(entry);
    }
    return std::nullopt;
}

std::uint32_t uid_of(const passwd& p) { return p.pw_uid; }
std::uint32_t gid_of(const group& g) { return g.gr_gid; }
std::string user_name_of(const passwd& p) { return p.pw_name; }
std::string group_name_of(const group& g) { return g.gr_name; }

}  // namespace

std::optional<std::uint32_t> SystemAccounts::uid(std::string_view name) const {
    return lookup<passwd>(std::string(name).c_str(), _SC_GETPW_R_SIZE_MAX, getpwnam_r, uid_of);
}

std::optional<std::uint32_t> SystemAccounts::gid(std::string_view name) const {
    return lookup<group>(std::string(name).c_str(), _SC_GETGR_R_SIZE_MAX, getgrnam_r, gid_of);
}

std::optional<std::string> SystemAccounts::user_name(std::uint32_t uid) const {
    return lookup<passwd>(static_cast<uid_t>(uid), _SC_GETPW_R_SIZE_MAX, getpwuid_r, user_name_of);
}

std::optional<std::string> SystemAccounts::group_name(std::uint32_t gid) const {
    return lookup<group>(static_cast<gid_t>(gid), _SC_GETGR_R_SIZE_MAX, getgrgid_r, group_name_of);
}

std::optional<std::uint32_t> MapAccounts::uid(std::string_view user) const {
    auto it = users.find(user);
    return it == users.end() ? std::nullopt : std::optional(it->second);
}

std::optional<std::uint32_t> MapAccounts::gid(std::string_view group) const {
    auto it = groups.find(group);
    return it == groups.end() ? std::nullopt : std::optional(it->second);
}

std::optional<std::string> SystemAccounts::executable_problem(std::string_view path) const {
    return host::executable_problem(std::string(path));
}

std::optional<config::FileProblem> SystemAccounts::secret_file_problem(std::string_view path) const {
    return host::secret_file_problem(std::string(path));
}

std::optional<std::size_t> SystemAccounts::secret_length(std::string_view path) const {
    auto secret = host::read_secret_file(std::string(path));
    return secret ? std::optional(secret->size()) : std::nullopt;
}

}  // namespace gw::host
