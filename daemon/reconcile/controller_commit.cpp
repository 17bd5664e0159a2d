// Controller: what a committed apply writes. The new text is staged (the
// config file's replacement and the generation's copy, both written and
// fsynced) before the kernel changes; it is committed (renamed into place)
// when the apply is final — at once, or when Confirm comes — and discarded
// when the kernel refuses it or the confirm times out. So the file on disk
// is always the last committed config, and a restart or reboot brings back
// what was applied.
#include "daemon/loop/log.hpp"
#include "daemon/reconcile/controller.hpp"

namespace gw::reconcile {

std::expected<std::optional<Controller::PendingCommit>, RequestError> Controller::stage_commit(
    const config::LoadedConfig& cfg, const Requester& who) {
    if (!store_) return std::nullopt;
    auto write_failed = [](const std::string& why) {
        return std::unexpected(RequestError{"WriteFailed", why + "\nnothing was applied: the kernel is unchanged"});
    };
    PendingCommit commit;
    commit.who = who;
    auto on_disk = config::read_config_file(options_.config_path);
    if (!on_disk || on_disk->text != cfg.source.text) {
        auto file = generations::stage_file(options_.config_path, cfg.source.text,
                                            generations::mode_or(options_.config_path, 0644));
        if (!file) return write_failed(file.error());
        commit.file = std::move(*file);
    }
    auto generation = store_->stage(cfg.source.text);
    if (!generation) {
        if (commit.file) generations::discard_staged(*commit.file);
        return write_failed(generation.error());
    }
    commit.generation = std::move(*generation);
    return commit;
}

void Controller::finish_commit(PendingCommit commit) {
    if (commit.file) {
        if (auto ok = generations::commit_staged(*commit.file); !ok) {
            generations::GenerationStore::discard(commit.generation);
            loop::log_error("the kernel has the new configuration, but " + ok.error());
            return;
        }
    }
    // The file now holds exactly the live text: name it so in status and diagnostics.
    if (active_) active_->source.label = options_.config_path;
    auto n = store_->commit(commit.generation,
                            {0, std::chrono::system_clock::now(), commit.who.user, commit.who.why + ": " + commit.result});
    if (!n) loop::log_warning("the configuration is committed, but its generation was not kept: " + n.error());
    else loop::log_notice("committed " + options_.config_path + " as generation " + std::to_string(*n));
}

void Controller::discard_commit(const PendingCommit& commit) {
    if (commit.file) generations::discard_staged(*commit.file);
    generations::GenerationStore::discard(commit.generation);
}

void Controller::drop_commit() {
    if (pending_commit_) discard_commit(*pending_commit_);
    pending_commit_.reset();
}

void Controller::note_generation(const config::LoadedConfig& cfg, const std::string& who, const std::string& summary) {
    if (!store_) return;
    if (auto newest = store_->newest()) {
        auto text = store_->text(newest->number);
        if (text && *text == cfg.source.text) return;
    }
    auto staged = store_->stage(cfg.source.text);
    auto n = staged ? store_->commit(*staged, {0, std::chrono::system_clock::now(), who, summary})
                    : std::expected<unsigned, std::string>(std::unexpected(staged.error()));
    if (!n) loop::log_warning("cannot keep " + cfg.source.label + " as a generation: " + n.error());
}

std::vector<generations::Generation> Controller::history() const {
    return store_ ? store_->list() : std::vector<generations::Generation>{};
}

std::expected<unsigned, RequestError> Controller::resolve_generation(unsigned number) const {
    if (!store_) return std::unexpected(RequestError{"NoHistory", "this daemon keeps no generations"});
    if (number != 0) return number;
    auto all = store_->list();
    if (all.size() < 2) return std::unexpected(RequestError{"NoSuchGeneration", "there is no earlier generation"});
    return all[all.size() - 2].number;
}

std::expected<std::string, RequestError> Controller::generation_text(unsigned number) const {
    auto resolved = resolve_generation(number);
    if (!resolved) return std::unexpected(resolved.error());
    auto text = store_->text(*resolved);
    if (!text) return std::unexpected(RequestError{"NoSuchGeneration", text.error()});
    return *text;
}

std::expected<ApplyOutcome, RequestError> Controller::rollback(unsigned number, unsigned confirm_seconds,
                                                               const std::string& user) {
    auto target = resolve_generation(number);
    if (!target) return std::unexpected(target.error());
    auto text = generation_text(*target);
    if (!text) return std::unexpected(text.error());
    return apply({*text, false}, confirm_seconds, {user, "rollback to generation " + std::to_string(*target)});
}

}  // namespace gw::reconcile
