#include "daemon/kernel/rtnl/sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace gw::kernel {
namespace {

std::string proc_path(const std::string& path) { return "/proc/sys/" + path; }

// Paths come from compiled config; refuse anything that could leave /proc/sys.
bool safe(const std::string& path) {
    return !path.empty() && path.front() != '/' && path.find("..") == std::string::npos;
}

}  // namespace

std::optional<std::string> read_sysctl(const std::string& path) {
    if (!safe(path)) return std::nullopt;
    int fd = ::open(proc_path(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string value;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) value.append(buf, static_cast<std::size_t>(n));
    int saved = errno;
    ::close(fd);
    if (n < 0) {
        errno = saved;
        return std::nullopt;
    }
    while (!value.empty() && (value.back() == '\n' || value.back() == ' ')) value.pop_back();
    return value;
}

int write_sysctl(const std::string& path, const std::string& value) {
    if (!safe(path)) return EINVAL;
    int fd = ::open(proc_path(path).c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    std::string line = value + "\n";
    ssize_t n = ::write(fd, line.data(), line.size());
    int err = n < 0 ? errno : (static_cast<std::size_t>(n) == line.size() ? 0 : EIO);
    ::close(fd);
    return err;
}

}  // namespace gw::kernel
