// Controller core: start-up, kernel events through the debounce timer,
// retries with back-off, and the record of what each reconcile did.
#include "daemon/reconcile/controller.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cerrno>

#include "daemon/loop/log.hpp"

namespace gw::reconcile {

std::string_view state_name(DaemonState s) {
    switch (s) {
    case DaemonState::starting: return "starting";
    case DaemonState::unconfigured: return "unconfigured";
    case DaemonState::running: return "running";
    case DaemonState::retrying: return "retrying";
    case DaemonState::failed: return "failed";
    }
    return "unknown";
}

Controller::Controller(Reconciler& reconciler, const host::Accounts& accounts, loop::TimeSource& time,
                       loop::Notifier& notifier, ControllerOptions options)
    : reconciler_(reconciler),
      accounts_(accounts),
      time_(time),
      notifier_(notifier),
      options_(std::move(options)),
      debounce_(time, options_.debounce, options_.debounce_max, [this] { run_active("event"); }),
      retry_timer_(time.make_timer([this] { run_active("retry"); })),
      confirm_timer_(time.make_timer([this] { roll_back(); })),
      backoff_(options_.retry_first, options_.retry_max) {
    if (!options_.generations_dir.empty())
        store_ = std::make_unique<generations::GenerationStore>(options_.generations_dir, options_.keep_generations);
}

Controller::~Controller() = default;

std::expected<void, std::string> Controller::start() {
    auto restored = restore_rollback_file();
    if (!restored && ::access(options_.config_path.c_str(), F_OK) != 0 && errno == ENOENT) {
        start_unconfigured();
        return {};
    }
    if (!restored) {
        auto cfg = config::load_config_file(options_.config_path, &accounts_);
        if (!cfg) return std::unexpected(cfg.error().message);
        active_ = std::move(*cfg);
    } else {
        active_ = std::move(*restored);
    }
    for (const auto& w : active_->warnings.items())
        loop::log(loop::LogLevel::warning, config::render_diagnostic_line(w, active_->source.label), false);
    auto r = reconcile(*active_, restored ? "restart-rollback" : "start");
    if (r.fatal())
        return std::unexpected("the kernel refused " + active_->source.label + ":\n" +
                               r.describe_errors(active_->source.label));
    if (on_config_active) on_config_active(*active_);
    if (!restored) note_generation(*active_, "start", "found in " + options_.config_path);
    if (restored) {
        last_rollback_ = status::RollbackRecord{std::chrono::system_clock::now(),
                                        "restarted while a confirm was pending", !r.fatal()};
        forget_rollback();
    }
    return {};
}

void Controller::start_unconfigured() {
    state_ = DaemonState::unconfigured;
    auto line = options_.config_path + " does not exist: gatewayd owns nothing; "
                "write it and run `systemctl reload gatewayd` (or `gwctl apply FILE`)";
    loop::log_notice(line);
    notifier_.status("unconfigured: " + line);
    notifier_.ready();
    ready_sent_ = true;
}

void Controller::kernel_changed(bool overrun) {
    if (overrun) {
        loop::log_info("netlink events were lost: full resync");
        reconciler_.forget_applied();
    }
    debounce_.poke();
}

void Controller::run_active(std::string_view trigger) {
    if (active_) reconcile(*active_, trigger);
    // A reconcile of a large ruleset briefly holds several copies of it
    // (desired, observed, their texts); give the freed pages back so an
    // idle daemon's RSS is what it keeps, not what it once needed.
    malloc_trim(0);
}

ReconcileResult Controller::reconcile(const config::LoadedConfig& cfg, std::string_view trigger, bool keep_record) {
    ++reconciles_;
    // Only kernel events may trust the last apply's view (the nft generation
    // still guards it); requests, retries and start-up read everything.
    auto r = reconciler_.run(cfg, Mode::apply, trigger == "event" ? Observe::since_last_apply : Observe::full);
    facts_ = r.facts;
    if (on_facts) on_facts(facts_);
    update_state(r);
    if (keep_record) record(r, cfg, trigger);
    return r;
}

void Controller::update_state(const ReconcileResult& r) {
    current_errors_.clear();
    for (const auto& e : r.errors) current_errors_.push_back(e.message);
    if (r.fatal()) {
        state_ = DaemonState::failed;
        retry_timer_->disarm();
    } else if (!r.ok()) {
        state_ = DaemonState::retrying;
        retry_timer_->arm(backoff_.next());
    } else {
        state_ = DaemonState::running;
        backoff_.reset();
        retry_timer_->disarm();
    }
    if (!ready_sent_ && r.nft_in_sync && !r.fatal()) {
        notifier_.ready();
        ready_sent_ = true;
    }
}

// Requests always leave a record; event-driven runs only when they changed
// something or failed, so a quiet daemon's LastApply stays meaningful.
void Controller::record(const ReconcileResult& r, const config::LoadedConfig& cfg, std::string_view trigger) {
    bool background = trigger == "event" || trigger == "retry";
    if (background && !r.changed && r.ok()) return;
    status::ApplyRecord rec{std::chrono::system_clock::now(), std::string(trigger), !r.fatal(), r.changed,
                    r.summary(Mode::apply), r.describe_errors(cfg.source.label), cfg.source.label};
    bool same_failure = background && !r.ok() && last_apply_ && last_apply_->errors == rec.errors;
    notifier_.status(std::string(state_name(state_)) + ": " + rec.result);
    if (!same_failure) {
        auto line = std::string(trigger) + ": " + rec.result;
        if (r.fatal()) loop::log_error(line + "\n" + rec.errors);
        else if (!r.ok()) loop::log_warning(line + "\n" + rec.errors);
        else loop::log_notice(background && r.changed ? line + "\n" + r.diff_text() : line);
    }
    last_apply_ = std::move(rec);
    if (on_applied && !same_failure) on_applied(*last_apply_);
}

}  // namespace gw::reconcile
