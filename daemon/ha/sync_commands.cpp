#include "daemon/ha/sync_commands.hpp"

#include "daemon/loop/log.hpp"

namespace gw::ha {

namespace {

std::vector<std::string> sequence(bool master) {
    if (master) return {"-c", "-f", "-R", "-B"};
    return {"-t", "-n"};
}

std::string describe(const std::string& flag) {
    if (flag == "-c") return "commit external cache";
    if (flag == "-f") return "flush caches";
    if (flag == "-R") return "resync with the kernel table";
    if (flag == "-B") return "bulk send to the peer";
    if (flag == "-t") return "shorten kernel timers";
    if (flag == "-n") return "request resync from the peer";
    return flag;
}

}  // namespace

SyncCommands::SyncCommands(uplinks::Launcher& launcher, loop::TimeSource& time, std::string conntrackd,
                           std::string config_file)
    : launcher_(launcher),
      conntrackd_(std::move(conntrackd)),
      config_file_(std::move(config_file)),
      next_timer_(time.make_timer([this] { next(); })) {}

void SyncCommands::set_binary(std::string conntrackd, std::string config_file) {
    conntrackd_ = std::move(conntrackd);
    config_file_ = std::move(config_file);
}

void SyncCommands::want(bool master) {
    wanted_ = master;
    if (!process_ && !next_timer_->armed()) next();
}

void SyncCommands::next() {
    exited_.reset();
    if (wanted_ != running_for_) {
        running_for_ = wanted_;
        queue_ = sequence(*wanted_);
        last_action_ = *running_for_ ? "MASTER:" : "not MASTER:";
    }
    if (queue_.empty()) return;
    std::string flag = queue_.front();
    queue_.erase(queue_.begin());
    uplinks::ProcessEvents events;
    events.on_line = [](std::string_view line) { loop::log_info("conntrackd: " + std::string(line)); };
    events.on_exit = [this, flag](uplinks::ExitStatus st) { finished(flag, st); };
    auto p = launcher_.spawn({{conntrackd_, "-C", config_file_, flag}, {}, std::nullopt, 3}, std::move(events));
    if (!p) {
        loop::log_warning("conntrackd: cannot run " + describe(flag) + ": " + p.error());
        next_timer_->arm(loop::Duration(0));
        return;
    }
    process_ = std::move(*p);
}

void SyncCommands::finished(const std::string& flag, uplinks::ExitStatus st) {
    std::string result = describe(flag) + " " + (st.signaled || st.code != 0 ? st.describe() : "ok");
    last_action_ += (last_action_.ends_with(":") ? " " : ", ") + result;
    last_time_ = std::chrono::system_clock::now();
    loop::log_info("conntrackd: " + result);
    exited_ = std::move(process_);
    next_timer_->arm(loop::Duration(0));
}

}  // namespace gw::ha
