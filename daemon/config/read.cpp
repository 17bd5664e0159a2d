#include "daemon/config/read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gw::config {
namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return std::strerror(EISDIR);
    if (S_ISFIFO(mode)) return "not a regular file (a FIFO)";
    if (S_ISCHR(mode)) return "not a regular file (a character device)";
    if (S_ISBLK(mode)) return "not a regular file (a block device)";
    if (S_ISSOCK(mode)) return "not a regular file (a socket)";
    return "not a regular file";
}

}  // namespace

std::string config_size_problem(std::size_t size) {
    if (size <= kMaxConfigBytes) return {};
    return "larger than " + std::to_string(kMaxConfigBytes >> 20) + " MiB: not a gateway config";
}

std::expected<std::string, std::string> read_config_bytes(const std::string& path) {
    // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
    if (f.fd < 0) return std::unexpected(std::strerror(errno));
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) return std::unexpected(std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return std::unexpected(kind_of(st.st_mode));
    if (auto why = config_size_problem(static_cast<std::size_t>(st.st_size)); !why.empty())
        return std::unexpected(why);
    std::string text;
    // Room for the file as stat saw it: growing the string chunk by chunk
    // copied a 10,000-forward config (750 KB) over again five times. The
    // loop below still reads to the end, whatever the size is by then.
    text.reserve(static_cast<std::size_t>(st.st_size));
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return std::unexpected(std::strerror(errno));
        if (n == 0) return text;
        text.append(buf, static_cast<std::size_t>(n));
        if (auto why = config_size_problem(text.size()); !why.empty()) return std::unexpected(why);
    }
}

}  // namespace gw::config
