// One PPPoE uplink's session: pppd as a child, and the state the operator
// sees. disabled -> connecting (pppd runs) -> up (netlink shows an IPv4
// address on the link) -> retrying (pppd ended; a back-off timer with
// jitter starts the next attempt) -> connecting ... Stopping works in every
// state: a waiting retry timer is disarmed, a running pppd gets SIGTERM and
// SIGKILL after a grace period, and the stop completes only when no child
// is left. Time, processes and randomness come from outside, so tests
// drive every transition by hand.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/loop/backoff.hpp"
#include "daemon/loop/timer.hpp"
#include "daemon/status/status.hpp"
#include "daemon/uplinks/child.hpp"
#include "daemon/uplinks/history.hpp"
#include "daemon/uplinks/hooks.hpp"
#include "daemon/uplinks/pppd_output.hpp"
#include "rules/config/model.hpp"
#include "rules/net/address.hpp"

namespace gw::uplinks {

using namespace std::chrono_literals;

struct SessionSettings {
    std::string pppd_path = "/usr/sbin/pppd";
    std::string config_label;  // the config file, for password-file errors
    loop::Duration retry_first = 1s;
    loop::Duration retry_max = 120s;
    loop::Duration stop_grace = 5s;  // SIGTERM lets pppd say goodbye to the AC; then SIGKILL
    // A session that stayed up this long proved line and credentials: its
    // next failure starts the back-off over. A shorter one keeps it growing,
    // so a line that drops right after each connect is not hammered.
    loop::Duration stable_up = 60s;
};

using PasswordReader =
    std::function<std::expected<std::string, std::string>(const config::Uplink&, const std::string& label)>;

struct SessionDeps {
    Launcher& launcher;
    loop::TimeSource& time;
    HookRunner& hooks;
    std::function<double()> jitter;        // uniform in [0, 1)
    std::function<SystemTime()> wall_now;  // for status and history
    PasswordReader read_password;
};

enum class SessionState {
    disabled,    // no pppd, no retry pending
    connecting,  // pppd runs; no address yet
    up,          // the link holds an IPv4 address
    retrying,    // pppd ended; the back-off timer starts the next attempt
};
std::string_view session_state_name(SessionState s);

// `base` spread over [0.8, 1.2) * base by `unit` in [0, 1), so that gateways
// that lost the same line do not all redial in the same second.
loop::Duration with_jitter(loop::Duration base, double unit);

class Session {
public:
    Session(config::Uplink uplink, SessionSettings settings, SessionDeps deps);
    ~Session();  // a pppd still running is killed and reaped
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void start();
    // Stops in any state; `done` runs once no child is left (at once when
    // none runs). `run_hooks`: an up session runs its on-down hook.
    void stop(std::function<void()> done, bool run_hooks = true);
    // A new config with the same pppd settings: hooks, resolv-conf and the like.
    void update(const config::Uplink& uplink, const std::string& config_label);
    // The uplink's addresses from the latest reconcile (netlink).
    void on_addresses(const std::vector<net::Address>& addresses);

    SessionState state() const { return state_; }
    bool stopping() const { return stopping_; }
    const config::Uplink& uplink() const { return uplink_; }
    status::SessionStatus status() const;

private:
    void set_state(SessionState s, std::string reason);
    void on_line(std::string_view line);
    void child_exited(ExitStatus st);
    void fail(std::string why);
    void retry();
    void went_up(const std::string& address);
    void address_lost();
    void finish_stop();
    void run_hook(const std::optional<config::Located<std::string>>& command, const char* which,
                  const std::string& address);
    void write_dns();
    std::string tag() const { return "uplink " + uplink_.name.value + ": "; }

    config::Uplink uplink_;
    SessionSettings settings_;
    SessionDeps deps_;
    SessionState state_ = SessionState::disabled;
    std::string reason_;
    SystemTime since_;
    std::uint32_t reconnects_ = 0;
    std::optional<SystemTime> next_retry_;
    IpcpInfo ipcp_;
    std::string address_;
    std::vector<std::string> written_dns_;
    std::string last_line_;
    loop::Clock::time_point up_at_{};
    AddressHistory history_;
    loop::Backoff backoff_;
    std::unique_ptr<Process> process_;
    std::unique_ptr<Process> exited_;  // freed on the next start, not inside its own exit callback
    std::unique_ptr<loop::Timer> retry_timer_;
    std::unique_ptr<loop::Timer> kill_timer_;
    bool stopping_ = false;
    bool hooks_on_stop_ = true;
    std::function<void()> on_stopped_;
};

}  // namespace gw::uplinks
