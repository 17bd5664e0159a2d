#include "ctl/config_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/host/accounts.hpp"

namespace gw::ctl {

namespace {

// A config is small; anything this big is the wrong file.
constexpr off_t kMaxConfigSize = 16 << 20;

std::string reason(const std::string& path, int err) {
    return "cannot read " + path + ": " + std::strerror(err);
}

}  // namespace

std::expected<std::string, std::string> read_text_file(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(reason(path, errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode) || st.st_size > kMaxConfigSize) {
        int err = S_ISDIR(st.st_mode) ? EISDIR : st.st_size > kMaxConfigSize ? EFBIG : errno;
        close(fd);
        return std::unexpected(reason(path, err));
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            return std::unexpected(reason(path, err));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    close(fd);
    return text;
}

std::expected<LoadedConfig, std::string> load_config_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return std::unexpected(text.error());
    host::SystemAccounts host;  // egress users/groups: does this host know them?
    LoadedConfig out{path, std::move(*text), {}};
    out.result = config::parse_config(out.text, path, &host);
    return out;
}

}  // namespace gw::ctl
