// The resolv.conf text for an uplink's DNS servers and its atomic replacement.
#include "daemon/uplinks/resolv_conf.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace gw::uplinks {

std::string render_resolv_conf(const std::string& uplink, const std::vector<std::string>& servers) {
    std::string text = "# written by gatewayd: DNS servers of uplink " + uplink + "\n";
    for (const auto& s : servers) text += "nameserver " + s + "\n";
    return text;
}

std::expected<void, std::string> write_resolv_conf(const std::string& path, const std::string& text) {
    std::string tmp = path + ".gatewayd-tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return std::unexpected(tmp + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int saved = errno;
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) < 0) {
        if (ok) saved = errno;
        ::unlink(tmp.c_str());
        return std::unexpected(path + ": " + std::strerror(saved));
    }
    return {};
}

}  // namespace gw::uplinks
