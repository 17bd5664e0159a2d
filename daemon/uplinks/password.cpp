// password-file: open without following links, check owner and mode on the
// open descriptor (no race with a rename), read, strip the newline.
#include "daemon/uplinks/password.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gw::uplinks {

namespace {

std::string where(const config::Uplink& u, const std::string& label) {
    const auto& loc = u.password_file ? u.password_file->loc : u.loc;
    if (!loc.known()) return label + ": ";
    return label + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": ";
}

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Why the file may not hold a password, or "" when it may.
std::string unsafe_because(const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid) + ", not root";
    if (st.st_mode & 077) return "has mode " + mode_text(st.st_mode) + "; others may read it";
    return "";
}

}  // namespace

std::expected<std::string, std::string> read_password_file(const config::Uplink& u, const std::string& label) {
    std::string prefix = where(u, label) + "uplink " + u.name.value + ": password-file ";
    if (!u.password_file) return std::unexpected(prefix + "is missing");
    const std::string& path = u.password_file->value;
    prefix += path + " ";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) return std::unexpected(prefix + "cannot be read: " + std::strerror(errno));
    struct stat st{};
    std::string text, why;
    if (fstat(fd, &st) < 0) why = std::string("cannot be read: ") + std::strerror(errno);
    else why = unsafe_because(st);
    char buf[512];
    for (ssize_t n; why.empty() && (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) why = std::string("cannot be read: ") + std::strerror(errno);
        else text.append(buf, static_cast<size_t>(n));
        if (text.size() > 1024) why = "is too long for a password";
    }
    ::close(fd);
    if (!why.empty()) return std::unexpected(prefix + why + " (it must be a root-owned file with mode 0600)");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return std::unexpected(prefix + "is empty");
    return text;
}

}  // namespace gw::uplinks
