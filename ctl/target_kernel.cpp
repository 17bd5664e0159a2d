#include "ctl/target_kernel.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "daemon/kernel/linux_kernel.hpp"
#include "daemon/kernel/probe/features.hpp"
#include "rules/split_path.hpp"
#include "rules/target_kernel.hpp"

namespace gw::ctl {
namespace {

bool write_file(const char* path, const std::string& text) {
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

std::optional<rules::KernelFeatures> probe_here() {
    auto k = kernel::LinuxKernel::open();
    if (!k) return std::nullopt;
    return kernel::probe_kernel_features(**k);
}

// Not root: a child becomes root of a new user namespace with a network
// namespace of its own, where a check-only nft transaction is allowed.
// The features are the kernel's, whichever namespace asks.
std::optional<rules::KernelFeatures> probe_unprivileged() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
    uid_t uid = ::geteuid();
    gid_t gid = ::getegid();
    pid_t pid = ::fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
        ::close(fds[0]);
        char out[3] = {0, 0, 0};
        bool in_ns = ::unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 && write_file("/proc/self/setgroups", "deny") &&
                     write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") &&
                     write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
        auto f = in_ns ? probe_here() : std::nullopt;
        if (f) out[0] = 1, out[1] = static_cast<char>(f->broute | f->bridge_conntrack << 1 | f->br_netfilter << 2 |
                                                       f->flowtable << 3);
        (void)!::write(fds[1], out, 2);
        ::_exit(0);
    }
    ::close(fds[1]);
    char in[2] = {0, 0};
    bool got = ::read(fds[0], in, 2) == 2 && in[0] == 1;
    ::close(fds[0]);
    ::waitpid(pid, nullptr, 0);
    if (!got) return std::nullopt;
    return rules::KernelFeatures{(in[1] & 1) != 0, (in[1] & 2) != 0, (in[1] & 4) != 0, (in[1] & 8) != 0};
}

}  // namespace

OptionResult parse_target_kernel_option(std::string_view a, const std::string_view* next, TargetKernelArgs& out,
                                        bool& used_next) {
    for (auto [name, slot] : {std::pair{std::string_view("--kernel-features"), &out.features},
                              std::pair{std::string_view("--target-kernel"), &out.release}}) {
        if (a.starts_with(std::string(name) + "=")) {
            *slot = std::string(a.substr(name.size() + 1));
            return OptionResult::taken;
        }
        if (a != name) continue;
        if (!next) return OptionResult::bad;
        *slot = std::string(*next);
        used_next = true;
        return OptionResult::taken;
    }
    return OptionResult::not_mine;
}

std::optional<Target> target_kernel(const TargetKernelArgs& args) {
    if (args.features && args.release) {
        std::fputs("gwctl: give --kernel-features or --target-kernel, not both\n", stderr);
        return std::nullopt;
    }
    if (args.features || args.release) {
        auto k = args.features ? rules::parse_kernel_features(*args.features)
                               : rules::features_of_release(*args.release);
        if (!k) {
            std::fprintf(stderr, "gwctl: %s\n", k.error().c_str());
            return std::nullopt;
        }
        return Target{*k, args.features ? "--kernel-features " + *args.features : "--target-kernel " + *args.release};
    }
    auto k = ::geteuid() == 0 ? probe_here() : probe_unprivileged();
    if (!k) {
        // Said, not silent: the preview then holds for a kernel with
        // br_netfilter and neither meta broute nor bridge conntrack.
        rules::KernelFeatures assumed;
        std::fprintf(stderr, "gwctl: cannot probe the running kernel (no nftables access, and no user namespace "
                             "to probe in): previewing for a kernel with %s; name the target with "
                             "--kernel-features or --target-kernel\n",
                     rules::describe_features(assumed).c_str());
        return Target{assumed, "assumed: the running kernel could not be probed"};
    }
    return Target{*k, "probed from the running kernel"};
}

std::vector<std::string> target_notes(const config::Config& config, const Target& target) {
    std::vector<std::string> out;
    if (!config.ipv6.bridge_split) return out;
    auto path = rules::choose_split_path(config, target.kernel);
    out.push_back("kernel " + rules::describe_features(target.kernel) + " (" + target.source +
                  "): IPv6 bridge split " + std::string(rules::split_path_name(path)));
    return out;
}

}  // namespace gw::ctl
