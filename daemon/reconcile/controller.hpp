// The daemon's state and its one rule: the kernel follows the active
// config. Kernel events only mark it dirty and poke a debounce timer, which
// runs one idempotent reconcile; transient failures retry with back-off.
// Requests (Apply, Diff, Check, Reload, Confirm, Status) come from the bus
// or signals and run synchronously. Apply with a confirm timeout keeps the
// last confirmed config as the rollback target (also in the run directory,
// so a daemon restarted mid-confirm comes back with it) and re-applies it
// when Confirm does not arrive in time. Timers come from a TimeSource, so
// tests drive every path by hand.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "daemon/reconcile/listeners.hpp"
#include "daemon/generations/store.hpp"
#include "daemon/loop/backoff.hpp"
#include "daemon/loop/debounce.hpp"
#include "daemon/loop/notify.hpp"
#include "daemon/loop/timer.hpp"
#include "daemon/reconcile/reconciler.hpp"
#include "daemon/config/file.hpp"
#include "daemon/status/status.hpp"

namespace gw::reconcile {

using namespace std::chrono_literals;

struct ControllerOptions {
    std::string config_path = "/etc/gatewayd/gateway.yaml";
    std::string run_dir;  // keeps the rollback target of a pending confirm; "" = keep none
    // Where committed configs are kept (e.g. /var/lib/gatewayd/generations).
    // "" = not persistent: an apply lives until the next reload or restart
    // and the config file is never written (gwctl's direct mode, tests).
    std::string generations_dir;
    unsigned keep_generations = 10;
    // A netlink burst (an address swap and the routes that follow it) arrives
    // within a millisecond or two; 5 ms coalesces it (200 swaps, 200
    // reconciles on a loaded machine) and, since an event-driven reconcile
    // costs about a millisecond at any size, keeps event -> kernel latency
    // under 20 ms at the 99th percentile (bench/RESULTS.md).
    loop::Duration debounce = 5ms;
    loop::Duration debounce_max = 1s;
    loop::Duration retry_first = 500ms;
    loop::Duration retry_max = 60s;
};

enum class DaemonState {
    starting,      // before the first successful reconcile
    unconfigured,  // no config file: gatewayd owns nothing and touches nothing
    running,   // the kernel follows the active config
    retrying,  // transient errors: waiting to try again
    failed,    // the kernel refused the active config; waiting for a change
};
std::string_view state_name(DaemonState s);

// Where a request's config comes from: text, a path, or (empty path) the
// daemon's own config file.
struct ConfigRequest {
    std::string value;
    bool is_path = true;
};

struct RequestError {
    std::string name;     // D-Bus error name suffix: InvalidConfig, ApplyFailed, NoPendingConfirm
    std::string message;  // for the operator, possibly several lines
};

struct ApplyOutcome {
    bool changed = false;
    std::string diff;
    std::string warnings;  // transient errors left to retry, config warnings
};

// Who asked for a change, and why: recorded with the generation it commits.
struct Requester {
    std::string user = "root";
    std::string why = "apply";  // apply, rollback to generation K
};

struct CheckOutcome {
    bool valid = false;
    std::string json;  // {"file", "diagnostics": [...], "valid"}
};

class Controller {
public:
    Controller(Reconciler& reconciler, const host::Accounts& accounts, loop::TimeSource& time,
               loop::Notifier& notifier, ControllerOptions options);
    ~Controller();

    // Loads the rollback target left by a daemon that died mid-confirm, or
    // else the config file, and reconciles. An unreadable or invalid file is
    // an error: the daemon cannot know what to keep. A missing file is not:
    // a freshly installed package runs, owns nothing and waits for a reload
    // or an apply.
    std::expected<void, std::string> start();
    // A kernel event: something may have drifted.
    void kernel_changed(bool overrun);

    // Persistent mode: a committed apply (at once, or at Confirm) replaces
    // the config file atomically and adds a generation; both are staged
    // before the kernel changes, so a full disk or a read-only /etc fails
    // the apply with nothing changed.
    std::expected<ApplyOutcome, RequestError> apply(const ConfigRequest& req, unsigned confirm_seconds,
                                                    const Requester& who = {});
    std::expected<void, RequestError> confirm();
    // Applies generation `number` (0: the one before the newest) like apply.
    std::expected<ApplyOutcome, RequestError> rollback(unsigned number, unsigned confirm_seconds,
                                                       const std::string& user);
    std::vector<generations::Generation> history() const;
    std::expected<std::string, RequestError> generation_text(unsigned number) const;
    std::expected<ApplyOutcome, RequestError> reload();
    std::expected<ApplyOutcome, RequestError> diff(const ConfigRequest& req);
    CheckOutcome check(const ConfigRequest& req);
    status::StatusReport status();

    DaemonState state() const { return state_; }
    const std::optional<status::ApplyRecord>& last_apply() const { return last_apply_; }
    bool confirm_pending() const { return rollback_.has_value(); }
    std::optional<status::SystemTime> confirm_deadline() const { return deadline_; }
    const config::LoadedConfig* active() const { return active_ ? &*active_ : nullptr; }
    const rules::Facts& facts() const { return facts_; }
    int reconciles() const { return reconciles_; }

    // Called after every reconcile that changed the kernel or failed, with
    // its record (the bus turns it into the Applied signal).
    std::function<void(const status::ApplyRecord&)> on_applied;

    // The seam for uplink supervision (PPPoE: pppd children, hooks; see
    // daemon/uplinks/). on_config_active hears of every config that
    // becomes live (start, apply, reload, rollback) to start, restart or
    // stop sessions; on_facts gets the facts of each reconcile (an uplink's
    // address came or went: run its on-up/on-down hook); add_status adds
    // what only the supervisor knows (since, reconnects, address history).
    // Each part adds its listener; they are called in the order added.
    // None: no uplink processes, which is all next-hop uplinks need.
    Listeners<const config::LoadedConfig&> on_config_active;
    Listeners<const rules::Facts&> on_facts;
    Listeners<status::StatusReport&> add_status;

private:
    std::expected<config::LoadedConfig, config::LoadFailure> load(const ConfigRequest& req) const;
    // Applies `cfg` and makes it active; on a fatal error the previous
    // config is re-applied (netlink may have been half done) and kept.
    std::expected<ReconcileResult, RequestError> switch_to(config::LoadedConfig cfg, std::string_view trigger);
    ReconcileResult reconcile(const config::LoadedConfig& cfg, std::string_view trigger, bool keep_record = true);
    void record(const ReconcileResult& r, const config::LoadedConfig& cfg, std::string_view trigger);
    void update_state(const ReconcileResult& r);
    void start_unconfigured();
    void run_active(std::string_view trigger);
    void roll_back();
    void remember_rollback();
    void forget_rollback();
    std::optional<config::LoadedConfig> restore_rollback_file();
    std::string rollback_path(const char* suffix) const;

    // The file and the generation a committed apply writes (controller_commit.cpp).
    struct PendingCommit {
        std::optional<generations::StagedFile> file;  // none when the file already holds the text
        generations::GenerationStore::Staged generation;
        Requester who;
        std::string result;  // what the apply did, one line
    };
    std::expected<std::optional<PendingCommit>, RequestError> stage_commit(const config::LoadedConfig& cfg,
                                                                           const Requester& who);
    void finish_commit(PendingCommit commit);
    static void discard_commit(const PendingCommit& commit);
    void drop_commit();  // the pending confirm's
    // A config that became live by start or reload (edited by hand) joins
    // the history when it differs from the newest generation.
    void note_generation(const config::LoadedConfig& cfg, const std::string& who, const std::string& summary);
    // `number`, or for 0 the generation before the newest.
    std::expected<unsigned, RequestError> resolve_generation(unsigned number) const;

    Reconciler& reconciler_;
    const host::Accounts& accounts_;
    loop::TimeSource& time_;
    loop::Notifier& notifier_;
    ControllerOptions options_;

    std::optional<config::LoadedConfig> active_;
    std::optional<config::LoadedConfig> rollback_;  // the last confirmed config while a confirm is pending
    std::optional<status::SystemTime> deadline_;
    std::unique_ptr<generations::GenerationStore> store_;  // persistent mode only
    std::optional<PendingCommit> pending_commit_;         // staged until Confirm
    unsigned confirm_seconds_ = 0;
    std::optional<status::ApplyRecord> last_apply_;
    std::optional<status::RollbackRecord> last_rollback_;
    rules::Facts facts_;
    DaemonState state_ = DaemonState::starting;
    bool ready_sent_ = false;
    int reconciles_ = 0;
    std::vector<std::string> current_errors_;  // of the last reconcile of the active config

    loop::Debouncer debounce_;
    std::unique_ptr<loop::Timer> retry_timer_;
    std::unique_ptr<loop::Timer> confirm_timer_;
    loop::Backoff backoff_;
};

}  // namespace gw::reconcile
