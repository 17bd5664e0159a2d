#include "daemon/host/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gw::host {

namespace {

std::string mode_text(mode_t mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
    return buf;
}

// Why the file may not hold a secret, or "" when it may.
std::string unsafe_because(const struct stat& st) {
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (st.st_uid != 0) return "is owned by uid " + std::to_string(st.st_uid) + ", not root";
    if (st.st_mode & 077) return "has mode " + mode_text(st.st_mode) + "; others may read it";
    return "";
}

int open_secret(const std::string& path) {
    return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
}

std::string read_all(int fd, std::string& text) {
    char buf[512];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::string("cannot be read: ") + std::strerror(errno);
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > 1024) return "is too long for a secret";
    }
    return "";
}

}  // namespace

std::expected<std::string, std::string> read_secret_file(const std::string& path) {
    int fd = open_secret(path);
    if (fd < 0) return std::unexpected(std::string("cannot be read: ") + std::strerror(errno));
    struct stat st{};
    std::string text, why;
    if (fstat(fd, &st) < 0) why = std::string("cannot be read: ") + std::strerror(errno);
    else why = unsafe_because(st);
    if (why.empty()) why = read_all(fd, text);
    ::close(fd);
    if (!why.empty()) return std::unexpected(why);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return std::unexpected("is empty");
    return text;
}

std::optional<config::FileProblem> secret_file_problem(const std::string& path) {
    int fd = open_secret(path);
    if (fd < 0 && errno == ENOENT) return config::FileProblem{"does not exist", true};
    if (fd < 0 && errno == EACCES) return std::nullopt;
    if (fd < 0) return config::FileProblem{std::string("cannot be read: ") + std::strerror(errno)};
    struct stat st{};
    std::string why = fstat(fd, &st) < 0 ? std::string("cannot be read: ") + std::strerror(errno) : unsafe_because(st);
    ::close(fd);
    if (why.empty()) return std::nullopt;
    return config::FileProblem{why};
}

std::optional<std::string> executable_problem(const std::string& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) < 0) return std::string("cannot be run: ") + std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return std::string("is not a regular file");
    if (::access(path.c_str(), X_OK) < 0) return std::string("cannot be run: ") + std::strerror(errno);
    return std::nullopt;
}

}  // namespace gw::host
