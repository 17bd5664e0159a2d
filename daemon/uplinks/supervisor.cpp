// Sessions per config: start, keep, restart after the old pppd is gone, stop;
// facts and status passed to each session.
#include "daemon/uplinks/supervisor.hpp"

#include <random>
#include <set>

#include "daemon/loop/log.hpp"
#include "daemon/uplinks/password.hpp"
#include "daemon/uplinks/pppd_args.hpp"
#include "rules/config/uplink_kinds.hpp"

namespace gw::uplinks {

namespace {

std::function<double()> random_unit() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

Supervisor::Supervisor(Launcher& launcher, loop::TimeSource& time, SessionSettings settings,
                       PasswordReader read_password)
    : launcher_(launcher),
      time_(time),
      settings_(std::move(settings)),
      read_password_(read_password ? std::move(read_password) : PasswordReader(read_password_file)),
      hooks_(launcher, time),
      tidy_timer_(time.make_timer([this] { tidy(); })) {}

Supervisor::~Supervisor() = default;

void Supervisor::attach(reconcile::Controller& c) {
    c.on_config_active.add([this](const config::LoadedConfig& cfg) { apply(cfg); });
    c.on_facts.add([this](const rules::Facts& facts) { on_facts(facts); });
    c.add_status.add([this](status::StatusReport& report) { add_status(report); });
}

std::unique_ptr<Session> Supervisor::make_session(const config::Uplink& uplink) {
    SessionDeps deps{launcher_, time_, hooks_, random_unit(),
                     [] { return std::chrono::system_clock::now(); }, read_password_};
    return std::make_unique<Session>(uplink, settings_, std::move(deps));
}

void Supervisor::apply(const config::LoadedConfig& cfg) {
    if (shutting_down_) return;
    if (!last_ || &cfg != &*last_) last_ = cfg;
    settings_.config_label = cfg.source.label;
    std::map<std::string, const config::Uplink*> wanted;
    std::set<std::string> disabled;
    held_.clear();
    const auto& ha = cfg.config.ha;
    for (const auto& u : cfg.config.uplinks) {
        if (!config::uplink_kind(u).supervised) continue;
        if (!u.enabled.value)
            disabled.insert(u.name.value);
        else if (ha && ha->follows_role(u.name.value) && !master_)
            held_.insert(u.name.value);
        else
            wanted[u.name.value] = &u;
    }
    for (auto& [name, slot] : slots_) {
        if (wanted.contains(name)) continue;
        slot.next.reset();
        if (slot.session->stopping() || slot.stopped) continue;
        loop::log_info("uplink " + name +
                       (disabled.contains(name) ? ": disabled in the config"
                        : held_.contains(name)  ? ": held back, this gateway is not the VRRP MASTER"
                                                : ": removed from the config") +
                       "; stopping");
        stop_slot(name, slot);
    }
    for (const auto& [name, u] : wanted) {
        auto it = slots_.find(name);
        if (it == slots_.end()) {
            auto& slot = slots_[name];
            slot.session = make_session(*u);
            slot.session->start();
            continue;
        }
        auto& slot = it->second;
        if (slot.session->stopping() || slot.stopped) {
            slot.next = *u;
        } else if (pppd_identity(slot.session->uplink(), settings_.pppd_path) != pppd_identity(*u, settings_.pppd_path)) {
            loop::log_info("uplink " + name + ": pppd settings changed; restarting the session");
            slot.next = *u;
            stop_slot(name, slot);
        } else {
            slot.session->update(*u, cfg.source.label);
        }
    }
}

void Supervisor::set_master(bool master) {
    if (master == master_) return;
    master_ = master;
    if (last_) apply(*last_);
}

void Supervisor::stop_slot(const std::string& name, Slot& slot) {
    if (slot.session->stopping() || slot.stopped) return;
    slot.session->stop(
        [this, name] {
            slots_.at(name).stopped = true;
            tidy_timer_->arm(loop::Duration(0));
        },
        !shutting_down_);
}

void Supervisor::tidy() {
    for (auto it = slots_.begin(); it != slots_.end();) {
        auto& slot = it->second;
        if (!slot.stopped) {
            ++it;
        } else if (slot.next && !shutting_down_) {
            slot.session = make_session(*slot.next);
            slot.next.reset();
            slot.stopped = false;
            slot.session->start();
            ++it;
        } else {
            it = slots_.erase(it);
        }
    }
    if (shutting_down_ && slots_.empty() && hooks_.idle() && all_stopped_) std::exchange(all_stopped_, nullptr)();
}

void Supervisor::on_facts(const rules::Facts& facts) {
    for (auto& [name, slot] : slots_) {
        // No entry (not even an empty one): the addresses could not be
        // observed this time, which says nothing about the link.
        auto it = facts.uplink_addresses.find(name);
        if (slot.stopped || it == facts.uplink_addresses.end()) continue;
        slot.session->on_addresses(it->second);
    }
}

void Supervisor::add_status(status::StatusReport& report) const {
    for (auto& l : report.uplinks) {
        if (auto it = slots_.find(l.name); it != slots_.end()) {
            l.session = it->second.session->status();
            l.state = l.session->state;
        }
        // Also while its last pppd is still being stopped.
        if (held_.contains(l.name)) l.state = "held-back";
    }
}

void Supervisor::stop_all(std::function<void()> done) {
    shutting_down_ = true;
    all_stopped_ = std::move(done);
    hooks_.kill_all();
    for (auto& [name, slot] : slots_) {
        slot.next.reset();
        stop_slot(name, slot);
    }
    tidy_timer_->arm(loop::Duration(0));
}

const Session* Supervisor::session(const std::string& uplink) const {
    auto it = slots_.find(uplink);
    return it != slots_.end() ? it->second.session.get() : nullptr;
}

}  // namespace gw::uplinks
