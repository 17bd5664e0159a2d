// Controller requests: Apply (with confirm/rollback), Confirm, Reload,
// Diff, Check and Status. In persistent mode a committed Apply replaces the
// config file (controller_commit.cpp); otherwise Apply of a text lives until
// the next reload or restart. A pending confirm's rollback target is the last confirmed
// config; it is kept in the run directory too, so a daemon that dies
// before the deadline comes back with it rather than with the unconfirmed one.
#include <unistd.h>

#include "daemon/loop/log.hpp"
#include "daemon/reconcile/controller.hpp"

namespace gw::reconcile {
namespace {

RequestError invalid(const config::LoadFailure& f) { return {"InvalidConfig", f.message}; }

config::Diagnostics diagnostics_of(const ReconcileResult& r, const config::LoadedConfig& cfg) {
    config::Diagnostics d = cfg.warnings;
    for (const auto& e : r.errors) d.error(e.loc, "", e.message);
    d.sort();
    return d;
}

}  // namespace

std::expected<config::LoadedConfig, config::LoadFailure> Controller::load(const ConfigRequest& req) const {
    if (!req.is_path) return config::load_config({req.value, "<bus>"}, &accounts_);
    return config::load_config_file(req.value.empty() ? options_.config_path : req.value, &accounts_);
}

std::expected<ReconcileResult, RequestError> Controller::switch_to(config::LoadedConfig cfg, std::string_view trigger) {
    auto r = reconcile(cfg, trigger);
    if (r.fatal()) {
        if (active_) {
            loop::log_notice("restoring " + active_->source.label + " after the failed " + std::string(trigger));
            auto back = reconcile(*active_, "restore", false);
            if (back.fatal())
                loop::log_error("restoring failed too:\n" + back.describe_errors(active_->source.label));
        }
        return std::unexpected(RequestError{"ApplyFailed", r.describe_errors(cfg.source.label)});
    }
    active_ = std::move(cfg);
    if (on_config_active) on_config_active(*active_);
    return r;
}

std::expected<ApplyOutcome, RequestError> Controller::apply(const ConfigRequest& req, unsigned confirm_seconds,
                                                            const Requester& who) {
    auto cfg = load(req);
    if (!cfg) return std::unexpected(invalid(cfg.error()));
    auto commit = stage_commit(*cfg, who);
    if (!commit) return std::unexpected(commit.error());
    // The target is saved before the change, so even a crash during the
    // apply leaves the way back on disk.
    bool new_target = confirm_seconds > 0 && !rollback_;
    if (new_target) remember_rollback();
    auto r = switch_to(std::move(*cfg), "apply");
    if (!r) {
        if (new_target) forget_rollback();
        if (*commit) discard_commit(**commit);  // a pending confirm keeps its own
        return std::unexpected(r.error());
    }
    // This apply supersedes what an earlier pending confirm would have
    // committed; while a confirm is pending, every apply waits for it.
    drop_commit();
    if (*commit) (*commit)->result = r->summary(Mode::apply);
    if (confirm_seconds == 0 && rollback_) {
        pending_commit_ = std::move(*commit);
    } else if (confirm_seconds > 0) {
        pending_commit_ = std::move(*commit);
        confirm_seconds_ = confirm_seconds;
        deadline_ = std::chrono::system_clock::now() + std::chrono::seconds(confirm_seconds);
        confirm_timer_->arm(std::chrono::seconds(confirm_seconds));
        loop::log_notice("waiting " + std::to_string(confirm_seconds) + " s for confirmation");
    } else if (*commit) {
        finish_commit(std::move(**commit));
    }
    return ApplyOutcome{r->changed, r->diff_text(), r->describe_errors(active_->source.label)};
}

std::expected<void, RequestError> Controller::confirm() {
    if (!rollback_) return std::unexpected(RequestError{"NoPendingConfirm", "no apply is waiting for confirmation"});
    forget_rollback();
    if (pending_commit_) {
        auto commit = std::move(*pending_commit_);
        pending_commit_.reset();
        commit.result += " (confirmed)";
        finish_commit(std::move(commit));
    }
    loop::log_notice("configuration confirmed");
    return {};
}

std::expected<ApplyOutcome, RequestError> Controller::reload() {
    notifier_.reloading();
    auto cfg = load({"", true});
    std::expected<ReconcileResult, RequestError> r = cfg ? switch_to(std::move(*cfg), "reload")
                                                         : std::unexpected(invalid(cfg.error()));
    if (r) note_generation(*active_, "reload", "re-read from " + options_.config_path);
    notifier_.ready();
    if (!r) {
        loop::log_error("reload failed, keeping the running configuration:\n" + r.error().message);
        return std::unexpected(r.error());
    }
    return ApplyOutcome{r->changed, r->diff_text(), r->describe_errors(active_->source.label)};
}

std::expected<ApplyOutcome, RequestError> Controller::diff(const ConfigRequest& req) {
    auto cfg = load(req);
    if (!cfg) return std::unexpected(invalid(cfg.error()));
    auto r = reconciler_.run(*cfg, Mode::diff);
    if (!r.ok()) return std::unexpected(RequestError{"DiffFailed", r.describe_errors(cfg->source.label)});
    return ApplyOutcome{r.changed, r.diff_text(), {}};
}

CheckOutcome Controller::check(const ConfigRequest& req) {
    auto cfg = load(req);
    if (!cfg) return CheckOutcome{false, cfg.error().json};
    auto r = reconciler_.run(*cfg, Mode::check);
    return CheckOutcome{!r.fatal(), config::render_diagnostics_json(diagnostics_of(r, *cfg), cfg->source.label)};
}

status::StatusReport Controller::status() {
    status::StatusReport s = reconciler_.observe_status(active_ ? &active_->config : nullptr);
    s.daemon = true;
    s.state = state_name(state_);
    if (active_) s.config = active_->source.label;
    else if (state_ == DaemonState::unconfigured)
        s.config = "none (" + options_.config_path + " does not exist): gatewayd owns nothing";
    s.last_apply = last_apply_;
    s.last_rollback = last_rollback_;
    s.confirm_deadline = deadline_;
    s.errors.insert(s.errors.begin(), current_errors_.begin(), current_errors_.end());
    if (add_status) add_status(s);
    return s;
}

// ---- confirm and rollback ------------------------------------------------------

void Controller::roll_back() {
    if (!rollback_) return;
    config::LoadedConfig target = std::move(*rollback_);
    auto reason = "not confirmed within " + std::to_string(confirm_seconds_) + " s";
    forget_rollback();
    drop_commit();  // the file keeps the last committed config
    loop::log_warning("rolling back to " + target.source.label + ": " + reason);
    auto r = reconcile(target, "rollback");
    active_ = std::move(target);
    if (on_config_active) on_config_active(*active_);
    last_rollback_ = status::RollbackRecord{std::chrono::system_clock::now(), reason, !r.fatal()};
}

std::string Controller::rollback_path(const char* suffix) const {
    return options_.run_dir.empty() ? std::string{} : options_.run_dir + "/rollback" + suffix;
}

void Controller::remember_rollback() {
    rollback_ = active_;
    if (!rollback_ || options_.run_dir.empty()) return;
    auto saved = generations::write_file_atomically(rollback_path(".yaml"), rollback_->source.text, 0600);
    if (saved) saved = generations::write_file_atomically(rollback_path(".source"), rollback_->source.label, 0600);
    if (!saved) loop::log_warning("cannot save the rollback target in " + options_.run_dir + ": " + saved.error());
}

void Controller::forget_rollback() {
    rollback_.reset();
    deadline_.reset();
    confirm_timer_->disarm();
    if (options_.run_dir.empty()) return;
    ::unlink(rollback_path(".yaml").c_str());
    ::unlink(rollback_path(".source").c_str());
}

std::optional<config::LoadedConfig> Controller::restore_rollback_file() {
    if (options_.run_dir.empty() || ::access(rollback_path(".yaml").c_str(), F_OK) != 0) return std::nullopt;
    auto text = config::read_config_file(rollback_path(".yaml"));
    auto label = config::read_config_file(rollback_path(".source"));
    if (!text) return std::nullopt;
    if (label) text->label = label->text;
    auto cfg = config::load_config(std::move(*text), &accounts_);
    if (!cfg) {
        loop::log_warning("ignoring an invalid rollback target:\n" + cfg.error().message);
        return std::nullopt;
    }
    loop::log_warning("a confirm was pending when the daemon stopped: restoring " + cfg->source.label);
    return std::move(*cfg);
}

}  // namespace gw::reconcile
