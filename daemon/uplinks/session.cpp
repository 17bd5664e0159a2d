// The session state machine: start (password, argv, spawn), pppd output,
// netlink addresses -> up/down, exit -> back-off, and stop in every state.
#include "daemon/uplinks/session.hpp"

#include <signal.h>
#include <string.h>

#include <algorithm>

#include "daemon/loop/log.hpp"
#include "daemon/uplinks/pppd_args.hpp"
#include "daemon/uplinks/resolv_conf.hpp"
#include "rules/facts.hpp"

namespace gw::uplinks {

namespace {

std::string seconds_text(loop::Duration d) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

std::string first_ipv4(const std::vector<net::Address>& addresses) {
    for (const auto& a : addresses)
        if (a.family == net::Family::ipv4) return a.str();
    return {};
}

std::string describe_exit(ExitStatus st) {
    if (st.signaled) return "pppd was " + st.describe();
    return "pppd exited: " + pppd_exit_meaning(st.code) + " (status " + std::to_string(st.code) + ")";
}

}  // namespace

std::string_view session_state_name(SessionState s) {
    switch (s) {
    case SessionState::disabled: return "disabled";
    case SessionState::connecting: return "connecting";
    case SessionState::up: return "up";
    case SessionState::retrying: return "retrying";
    }
    return "unknown";
}

loop::Duration with_jitter(loop::Duration base, double unit) {
    unit = std::clamp(unit, 0.0, 1.0);
    return std::chrono::duration_cast<loop::Duration>(base * (0.8 + 0.4 * unit));
}

Session::Session(config::Uplink uplink, SessionSettings settings, SessionDeps deps)
    : uplink_(std::move(uplink)),
      settings_(std::move(settings)),
      deps_(std::move(deps)),
      since_(deps_.wall_now()),
      backoff_(settings_.retry_first, settings_.retry_max),
      retry_timer_(deps_.time.make_timer([this] { retry(); })),
      kill_timer_(deps_.time.make_timer([this] {
          if (!process_) return;
          loop::log_warning(tag() + "pppd did not stop within " + seconds_text(settings_.stop_grace) +
                            "; killing it");
          process_->signal_group(SIGKILL);
      })) {}

Session::~Session() = default;

void Session::set_state(SessionState s, std::string reason) {
    if (s != state_) since_ = deps_.wall_now();
    state_ = s;
    reason_ = std::move(reason);
}

void Session::start() {
    if (process_ || stopping_) return;
    exited_.reset();
    ipcp_ = {};
    last_line_.clear();
    auto password = deps_.read_password(uplink_, settings_.config_label);
    if (!password) {
        fail(password.error());
        return;
    }
    SpawnRequest req{pppd_argv(uplink_, settings_.pppd_path), {}, std::move(*password), kPasswordFd};
    auto proc = deps_.launcher.spawn(req, {[this](std::string_view line) { on_line(line); },
                                           [this](ExitStatus st) { child_exited(st); }});
    explicit_bzero(req.secret->data(), req.secret->size());
    if (!proc) {
        fail("cannot start " + settings_.pppd_path + ": " + proc.error());
        return;
    }
    process_ = std::move(*proc);
    set_state(SessionState::connecting, "");
    loop::log_info(tag() + "pppd started (pid " + std::to_string(process_->pid()) + ") on " +
                   uplink_.device.value);
}

void Session::on_line(std::string_view line) {
    loop::log_info(tag() + "pppd: " + std::string(line));
    if (line.find_first_not_of(' ') != std::string_view::npos) last_line_ = line;
    if (parse_pppd_line(line, ipcp_) && state_ == SessionState::up) write_dns();
}

void Session::child_exited(ExitStatus st) {
    exited_ = std::move(process_);
    kill_timer_->disarm();
    bool was_up = state_ == SessionState::up;
    bool was_stable = was_up && deps_.time.now() - up_at_ >= settings_.stable_up;
    if (was_up) address_lost();
    if (stopping_) {
        loop::log_info(tag() + "pppd stopped (" + st.describe() + ")");
        finish_stop();
        return;
    }
    if (was_stable) backoff_.reset();
    std::string why = (was_up ? "link lost: " : "") + describe_exit(st);
    if (!last_line_.empty()) why += "; last message: " + last_line_;
    fail(why);
}

void Session::fail(std::string why) {
    auto delay = with_jitter(backoff_.next(), deps_.jitter());
    next_retry_ = deps_.wall_now() + delay;
    loop::log_warning(tag() + why + "; next attempt in " + seconds_text(delay));
    set_state(SessionState::retrying, std::move(why));
    retry_timer_->arm(delay);
}

void Session::retry() {
    next_retry_.reset();
    ++reconnects_;
    start();
}

void Session::on_addresses(const std::vector<net::Address>& addresses) {
    if (!process_ || stopping_) return;  // the link of a pppd that is gone or going
    auto v4 = first_ipv4(addresses);
    if (state_ == SessionState::connecting && !v4.empty()) {
        went_up(v4);
    } else if (state_ == SessionState::up && v4.empty()) {
        address_lost();
        set_state(SessionState::connecting, "");
    } else if (state_ == SessionState::up && v4 != address_) {
        // A new address without a reconnect: the old one's life ended now.
        loop::log_notice(tag() + "address changed from " + address_ + " to " + v4);
        address_ = v4;
        history_.begin(v4, deps_.wall_now());
        run_hook(uplink_.hooks.on_up, "on-up", address_);
    }
}

void Session::went_up(const std::string& address) {
    address_ = address;
    up_at_ = deps_.time.now();
    set_state(SessionState::up, "");
    history_.begin(address, deps_.wall_now());
    std::string dns;
    for (const auto& d : ipcp_.dns) dns += " " + d;
    loop::log_notice(tag() + "up: address " + address + (ipcp_.peer.empty() ? "" : ", peer " + ipcp_.peer) +
                     (dns.empty() ? "" : ", DNS" + dns));
    write_dns();
    run_hook(uplink_.hooks.on_up, "on-up", address_);
}

void Session::address_lost() {
    history_.end(deps_.wall_now());
    loop::log_notice(tag() + "down: address " + address_ + " is gone");
    if (!stopping_ || hooks_on_stop_) run_hook(uplink_.hooks.on_down, "on-down", address_);
    address_.clear();
}

void Session::run_hook(const std::optional<config::Located<std::string>>& command, const char* which,
                       const std::string& address) {
    if (!command) return;
    HookCall call{uplink_.name.value, which, command->value, rules::default_uplink_ifname(uplink_),
                  address, ipcp_.peer, uplink_.use_dns.value ? ipcp_.dns : std::vector<std::string>{},
                  std::chrono::seconds(uplink_.hooks.timeout.value)};
    deps_.hooks.run(std::move(call));
}

void Session::write_dns() {
    if (!uplink_.use_dns.value || !uplink_.resolv_conf || ipcp_.dns.empty() || ipcp_.dns == written_dns_) return;
    const auto& path = uplink_.resolv_conf->value;
    if (auto ok = write_resolv_conf(path, render_resolv_conf(uplink_.name.value, ipcp_.dns)); !ok) {
        loop::log_warning(tag() + "cannot write DNS servers to " + ok.error());
        return;
    }
    written_dns_ = ipcp_.dns;
    loop::log_info(tag() + "DNS servers written to " + path);
}

void Session::update(const config::Uplink& uplink, const std::string& config_label) {
    bool new_target = uplink.resolv_conf != uplink_.resolv_conf;
    uplink_ = uplink;
    settings_.config_label = config_label;
    if (new_target) written_dns_.clear();
    if (state_ == SessionState::up) write_dns();
}

void Session::stop(std::function<void()> done, bool run_hooks) {
    on_stopped_ = std::move(done);
    hooks_on_stop_ = run_hooks;
    retry_timer_->disarm();
    next_retry_.reset();
    if (!process_) {
        finish_stop();
        return;
    }
    if (stopping_) return;
    stopping_ = true;
    loop::log_info(tag() + "stopping pppd (pid " + std::to_string(process_->pid()) + ")");
    process_->signal_group(SIGTERM);
    kill_timer_->arm(settings_.stop_grace);
}

void Session::finish_stop() {
    stopping_ = false;
    set_state(SessionState::disabled, "");
    auto done = std::move(on_stopped_);
    on_stopped_ = nullptr;
    if (done) done();
}

status::SessionStatus Session::status() const {
    status::SessionStatus s;
    s.state = std::string(session_state_name(state_));
    s.reason = reason_;
    if (state_ == SessionState::up) {
        s.address = address_;
        s.peer = ipcp_.peer;
        if (uplink_.use_dns.value) s.dns = ipcp_.dns;
    }
    s.since = since_;
    s.reconnects = reconnects_;
    s.next_retry = next_retry_;
    for (const auto& e : history_.entries()) s.history.push_back({e.address, e.since, e.until});
    auto stats = history_.stats();
    s.lifetimes = static_cast<std::uint32_t>(stats.count);
    s.mean_lifetime = stats.mean.count();
    s.median_lifetime = stats.median.count();
    return s;
}

}  // namespace gw::uplinks
