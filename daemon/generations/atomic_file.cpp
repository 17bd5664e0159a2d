#include "daemon/generations/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gw::generations {
namespace {

std::string folder_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string temp_template(const std::string& target) {
    auto slash = target.rfind('/');
    std::string name = slash == std::string::npos ? target : target.substr(slash + 1);
    return folder_of(target) + "/." + name + ".XXXXXX";
}

std::string failed(const std::string& what, const std::string& path, int err) {
    return "cannot " + what + " " + path + ": " + std::strerror(err);
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

mode_t mode_or(const std::string& path, mode_t fallback) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : fallback;
}

std::expected<StagedFile, std::string> stage_file(const std::string& target, std::string_view text, mode_t mode) {
    StagedFile f{temp_template(target), target};
    int fd = ::mkostemp(f.temp.data(), O_CLOEXEC);
    if (fd < 0) return std::unexpected(failed("create a file in", folder_of(target), errno));
    // fchmod: the daemon's umask must not narrow the operator's file mode.
    bool ok = write_all(fd, text) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
    int err = errno;
    if (::close(fd) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok) {
        ::unlink(f.temp.c_str());
        return std::unexpected(failed("write", f.temp, err));
    }
    return f;
}

std::expected<void, std::string> commit_staged(const StagedFile& f) {
    if (::rename(f.temp.c_str(), f.target.c_str()) != 0) {
        int err = errno;
        ::unlink(f.temp.c_str());
        return std::unexpected(failed("replace", f.target, err));
    }
    // The rename is durable only once the folder's entry is on disk.
    std::string folder = folder_of(f.target);
    int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return std::unexpected(failed("open", folder, errno));
    int rc = ::fsync(dir);
    int err = errno;
    ::close(dir);
    if (rc != 0) return std::unexpected(failed("sync", folder, err));
    return {};
}

void discard_staged(const StagedFile& f) {
    ::unlink(f.temp.c_str());
}

std::expected<void, std::string> write_file_atomically(const std::string& target, std::string_view text, mode_t mode) {
    auto staged = stage_file(target, text, mode);
    if (!staged) return std::unexpected(staged.error());
    return commit_staged(*staged);
}

}  // namespace gw::generations
