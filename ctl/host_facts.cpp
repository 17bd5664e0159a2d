// getpwnam_r/getgrnam_r with a buffer that grows on ERANGE (a group with
// many members does not fit the sysconf hint).
#include "ctl/host_facts.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace gw::ctl {

namespace {

constexpr std::size_t kMaxBuffer = 1 << 20;

std::size_t initial_size(int sysconf_name) {
    long hint = sysconf(sysconf_name);
    return hint > 0 ? static_cast<std::size_t>(hint) : 4096;
}

// Calls lookup(buffer, size, &found) until the buffer is large enough.
template <class Entry, class Fn>
bool exists(std::size_t size, Fn lookup) {
    std::vector<char> buf(size);
    for (;;) {
        Entry entry{};
        Entry* found = nullptr;
        int rc = lookup(&entry, buf.data(), buf.size(), &found);
        if (rc == ERANGE && buf.size() < kMaxBuffer) {
            buf.resize(buf.size() * 2);
            continue;
        }
        return rc == 0 && found != nullptr;
    }
}

}  // namespace

bool SystemHostFacts::user_exists(std::string_view name) const {
    std::string n(name);
    return exists<passwd>(initial_size(_SC_GETPW_R_SIZE_MAX),
                          [&](passwd* e, char* b, std::size_t s, passwd** f) { return getpwnam_r(n.c_str(), e, b, s, f); });
}

bool SystemHostFacts::group_exists(std::string_view name) const {
    std::string n(name);
    return exists<group>(initial_size(_SC_GETGR_R_SIZE_MAX),
                         [&](group* e, char* b, std::size_t s, group** f) { return getgrnam_r(n.c_str(), e, b, s, f); });
}

}  // namespace gw::ctl
