// Spawning: everything the child needs (argv, environment, descriptors) is
// prepared before fork, so the child only rearranges descriptors and execs.
// The parent watches a pidfd (readable when the child exits; reaped only
// then, so the pid and its group id cannot be reused while we signal them)
// and the output pipe.
#include "daemon/uplinks/child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "daemon/loop/event_loop.hpp"
#include "daemon/loop/sd_objects.hpp"

extern char** environ;

namespace gw::uplinks {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

class UniqueFd {
public:
    explicit UniqueFd(int fd = -1) : fd_(fd) {}
    UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        reset(o.release());
        return *this;
    }
    ~UniqueFd() { reset(); }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

// systemd's messages to the daemon itself: a child must not speak for it.
constexpr std::string_view kDaemonOnly[] = {"NOTIFY_SOCKET=", "WATCHDOG_PID=", "WATCHDOG_USEC="};

// The daemon's environment with `extra` added (replacing the same keys).
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto key = kv.substr(0, kv.find('=') + 1);
        bool replaced = false;
        for (auto own : kDaemonOnly) replaced = replaced || key == own;
        for (const auto& x : extra) replaced = replaced || std::string_view(x).starts_with(key);
        if (!replaced) out.emplace_back(kv);
    }
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

std::vector<char*> c_strings(std::vector<std::string>& words) {
    std::vector<char*> out;
    for (auto& w : words) out.push_back(w.data());
    out.push_back(nullptr);
    return out;
}

struct ChildFds {
    int devnull, out_w, secret_r, secret_fd;
};

// In the forked child: only descriptor work, signal state and exec.
[[noreturn]] void exec_child(char** argv, char** envp, ChildFds fds, pid_t parent) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the daemon died before prctl
    // The daemon blocks the signals sd-event delivers and ignores SIGPIPE;
    // both would be inherited across exec.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl{};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) sigaction(s, &dfl, nullptr);
    // Move everything out of the way of 0..secret_fd first.
    int in = fcntl(fds.devnull, F_DUPFD_CLOEXEC, 16);
    int out = fcntl(fds.out_w, F_DUPFD_CLOEXEC, 16);
    int secret = fds.secret_r >= 0 ? fcntl(fds.secret_r, F_DUPFD_CLOEXEC, 16) : -1;
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(127);
    if (secret >= 0 && dup2(secret, fds.secret_fd) < 0) _exit(127);
    unsigned keep = secret >= 0 ? static_cast<unsigned>(fds.secret_fd) : 2;
    if (keep > 3) close_range(3, keep - 1, 0);
    close_range(keep + 1, ~0U, 0);
    execve(argv[0], argv, envp);
    const char* why = std::strerror(errno);
    (void)!write(2, "cannot execute ", 15);
    (void)!write(2, argv[0], std::strlen(argv[0]));
    (void)!write(2, ": ", 2);
    (void)!write(2, why, std::strlen(why));
    (void)!write(2, "\n", 1);
    _exit(127);
}

// A pipe whose read end holds `secret` followed by EOF: small secrets fit
// the pipe buffer, so the daemon never blocks on the child reading it.
std::expected<UniqueFd, std::string> secret_pipe(const std::string& secret) {
    if (secret.size() > 4096) return std::unexpected("secret too long for a pipe");
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return std::unexpected(errno_text("pipe2"));
    UniqueFd r(p[0]), w(p[1]);
    if (write(w.get(), secret.data(), secret.size()) != static_cast<ssize_t>(secret.size()))
        return std::unexpected(errno_text("writing the secret pipe"));
    return r;
}

class SdEventProcess final : public Process {
public:
    SdEventProcess(pid_t pid, UniqueFd pidfd, UniqueFd out, ProcessEvents events)
        : pid_(pid), pidfd_(std::move(pidfd)), out_(std::move(out)), events_(std::move(events)) {}

    ~SdEventProcess() override {
        exit_source_.reset();
        out_source_.reset();
        if (reaped_) return;
        ::kill(-pid_, SIGKILL);
        while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }

    pid_t pid() const override { return pid_; }
    bool running() const override { return !reaped_; }
    void signal_group(int signo) override {
        if (!reaped_) ::kill(-pid_, signo);
    }

    std::expected<void, std::string> watch(sd_event* event) {
        sd_event_source* s = nullptr;
        if (int rc = sd_event_add_io(event, &s, pidfd_.get(), EPOLLIN, &SdEventProcess::on_pidfd, this); rc < 0)
            return std::unexpected("sd_event_add_io: " + std::string(std::strerror(-rc)));
        exit_source_.reset(s);
        if (int rc = sd_event_add_io(event, &s, out_.get(), EPOLLIN, &SdEventProcess::on_output, this); rc < 0)
            return std::unexpected("sd_event_add_io: " + std::string(std::strerror(-rc)));
        out_source_.reset(s);
        return {};
    }

private:
    static int on_output(sd_event_source*, int, uint32_t, void* userdata) {
        auto* self = static_cast<SdEventProcess*>(userdata);
        loop::run_guarded("child output", [self] { self->read_output(); });
        return 0;
    }

    static int on_pidfd(sd_event_source*, int, uint32_t, void* userdata) {
        auto* self = static_cast<SdEventProcess*>(userdata);
        loop::run_guarded("child exit", [self] { self->reap(); });
        return 0;
    }

    // Reads what is there; at EOF the last partial line counts too.
    void read_output() {
        char buf[4096];
        for (;;) {
            ssize_t n = ::read(out_.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return;  // EAGAIN: later
            if (n == 0) {
                if (!partial_.empty()) emit(std::exchange(partial_, {}));
                out_source_.reset();
                out_.reset();
                return;
            }
            split_lines(std::string_view(buf, static_cast<size_t>(n)));
        }
    }

    void split_lines(std::string_view chunk) {
        partial_.append(chunk);
        std::size_t start = 0;
        for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
            emit(partial_.substr(start, nl - start));
        partial_.erase(0, start);
        if (partial_.size() > 4096) emit(std::exchange(partial_, {}));
    }

    void emit(const std::string& line) {
        if (events_.on_line) events_.on_line(line);
    }

    // The child is a zombie: what is left of its group goes, it is reaped,
    // its last output read, and then its owner hears of it (and may destroy us).
    void reap() {
        ::kill(-pid_, SIGKILL);
        siginfo_t info{};
        while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED) < 0 && errno == EINTR) {
        }
        reaped_ = true;
        exit_source_.reset();
        if (out_.get() >= 0) read_output();
        out_source_.reset();
        out_.reset();
        ExitStatus st{info.si_code != CLD_EXITED, info.si_status};
        auto on_exit = std::move(events_.on_exit);
        if (on_exit) on_exit(st);
    }

    pid_t pid_;
    UniqueFd pidfd_;
    UniqueFd out_;
    ProcessEvents events_;
    loop::SdEventSourcePtr exit_source_;
    loop::SdEventSourcePtr out_source_;
    std::string partial_;
    bool reaped_ = false;
};

}  // namespace

std::string ExitStatus::describe() const {
    if (!signaled) return "exit status " + std::to_string(code);
    const char* name = sigabbrev_np(code);
    return "killed by " + (name ? "SIG" + std::string(name) : "signal " + std::to_string(code));
}

std::expected<std::unique_ptr<Process>, std::string> SdEventLauncher::spawn(const SpawnRequest& req,
                                                                            ProcessEvents events) {
    if (req.argv.empty()) return std::unexpected("nothing to run");
    auto argv_words = req.argv;
    auto env_words = child_environment(req.env);
    auto argv = c_strings(argv_words);
    auto envp = c_strings(env_words);
    UniqueFd secret;
    if (req.secret) {
        auto p = secret_pipe(*req.secret);
        if (!p) return std::unexpected(p.error());
        secret = std::move(*p);
    }
    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0) return std::unexpected(errno_text("pipe2"));
    UniqueFd out_r(out[0]), out_w(out[1]);
    UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (devnull.get() < 0) return std::unexpected(errno_text("/dev/null"));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return std::unexpected(errno_text("fork"));
    if (pid == 0)
        exec_child(argv.data(), envp.data(), {devnull.get(), out_w.get(), secret.get(), req.secret_fd}, parent);
    // Also here, so a signal to the group can never race the child's own setpgid.
    setpgid(pid, pid);
    out_w.reset();
    fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
    // Debian 12's <sys/pidfd.h> declares pidfd_open without C linkage; the syscall is plain.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    std::string pidfd_error = pidfd.get() < 0 ? errno_text("pidfd_open") : "";
    auto proc = std::make_unique<SdEventProcess>(pid, std::move(pidfd), std::move(out_r), std::move(events));
    // On failure proc's destructor kills and reaps the child.
    if (!pidfd_error.empty()) return std::unexpected(pidfd_error);
    if (auto ok = proc->watch(event_); !ok) return std::unexpected(ok.error());
    return proc;
}

}  // namespace gw::uplinks
