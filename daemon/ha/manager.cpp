#include "daemon/ha/manager.hpp"

#include <signal.h>

#include "daemon/generations/atomic_file.hpp"
#include "daemon/host/secret_file.hpp"
#include "daemon/loop/log.hpp"
#include "rules/ha/ha_conf.hpp"

namespace gw::ha {

namespace {

std::string where(const config::LoadedConfig& cfg, const config::Loc& loc) {
    return cfg.source.label + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": ";
}

std::vector<InstanceKey> instance_keys(const config::Config& cfg) {
    std::vector<InstanceKey> keys;
    for (const auto& vi : cfg.ha->instances) {
        const auto* itf = cfg.find_interface(vi.interface.value);
        keys.push_back({itf ? itf->link_name() : vi.interface.value, vi.vrid.value,
                        vi.family() == net::Family::ipv6});
    }
    return keys;
}

}  // namespace

Manager::Manager(uplinks::Launcher& launcher, loop::TimeSource& time, sd_event* event,
                 uplinks::Supervisor& supervisor, std::string run_dir)
    : launcher_(launcher),
      time_(time),
      event_(event),
      supervisor_(supervisor),
      run_dir_(std::move(run_dir)),
      keepalived_(launcher, time, "keepalived"),
      conntrackd_(launcher, time, "conntrackd"),
      sync_(launcher, time, "/usr/sbin/conntrackd", run_dir_ + "/conntrackd.conf") {}

Manager::~Manager() = default;

void Manager::attach(reconcile::Controller& c) {
    // Attached before the supervisor (daemon.cpp): it reads the role this sets.
    c.on_config_active.add([this](const config::LoadedConfig& cfg) { apply(cfg); });
    c.add_status.add([this](status::StatusReport& report) { add_status(report); });
}

std::expected<std::string, std::string> Manager::keepalived_text() const {
    std::map<std::string, std::string> secrets;
    for (const auto& vi : cfg_->config.ha->instances) {
        if (!vi.auth_secret_file) continue;
        auto secret = host::read_secret_file(vi.auth_secret_file->value);
        if (!secret)
            return std::unexpected(where(*cfg_, vi.auth_secret_file->loc) + "instance " + vi.name.value +
                                   ": auth-secret-file " + vi.auth_secret_file->value + " " + secret.error());
        if (secret->size() > config::kVrrpPasswordMax)
            return std::unexpected(where(*cfg_, vi.auth_secret_file->loc) + "instance " + vi.name.value +
                                   ": the VRRP password is longer than 8 characters (keepalived would cut it)");
        secrets[vi.name.value] = *secret;
    }
    return render_keepalived_conf(cfg_->config, secrets);
}

std::expected<uplinks::SpawnRequest, std::string> Manager::prepare_keepalived() {
    auto text = keepalived_text();
    if (!text) return std::unexpected(text.error());
    std::string file = run_dir_ + "/keepalived.conf";
    if (auto ok = generations::write_file_atomically(file, *text, 0600); !ok) return std::unexpected(ok.error());
    keepalived_written_ = *text;
    // -n: stay our child; -P: VRRP only; -l -G: log to our pipe, not syslog.
    return uplinks::SpawnRequest{{cfg_->config.ha->keepalived.value, "-n", "-P", "-l", "-G", "-D", "-f", file,
                                  "-p", run_dir_ + "/keepalived.pid", "-r", run_dir_ + "/keepalived-vrrp.pid"},
                                 {}, std::nullopt, 3};
}

std::expected<uplinks::SpawnRequest, std::string> Manager::prepare_conntrackd() {
    std::string file = run_dir_ + "/conntrackd.conf";
    auto text = render_conntrackd_conf(cfg_->config, {run_dir_ + "/conntrackd.lock", run_dir_ + "/conntrackd.ctl"});
    if (auto ok = generations::write_file_atomically(file, text, 0600); !ok) return std::unexpected(ok.error());
    ::unlink((run_dir_ + "/conntrackd.lock").c_str());  // ours: the conntrackd that held it was our child, now gone
    return uplinks::SpawnRequest{{cfg_->config.ha->conntrackd.value, "-C", file}, {}, std::nullopt, 3};
}

void Manager::ensure_bus() {
    if (bus_) return;
    auto bus = KeepalivedBus::open(event_, [this](const KeepalivedBus::Report& r) { on_report(r); });
    if (!bus) {
        loop::log_warning("keepalived's D-Bus API unavailable (" + bus.error() + "); this gateway stays not MASTER");
        return;
    }
    bus_ = std::move(*bus);
}

void Manager::apply(const config::LoadedConfig& cfg) {
    cfg_ = cfg;
    if (!cfg.config.ha) {
        keys_.clear();
        roles_.set_instances({});
        keepalived_.stop({});
        conntrackd_.stop({});
        supervisor_.set_master(false);
        return;
    }
    ensure_bus();
    keys_ = instance_keys(cfg.config);
    if (!adverts_) adverts_ = AdvertListener::open(event_);
    if (adverts_) {
        std::set<std::string> links, own;
        for (const auto& k : keys_)
            if (!k.ipv6) links.insert(k.ifname);
        for (const auto& itf : cfg.config.interfaces)
            for (const auto& a : itf.addresses) own.insert(a.value.address.str());
        adverts_->watch(links, std::move(own));
    }
    roles_.set_instances(keys_);
    if (bus_) bus_->set_instances(keys_);
    if (keepalived_.running()) {
        auto text = keepalived_text();
        if (text && *text != keepalived_written_) {
            if (auto ok = generations::write_file_atomically(run_dir_ + "/keepalived.conf", *text, 0600); ok) {
                keepalived_written_ = *text;
                loop::log_info("keepalived: configuration changed; reloading");
                keepalived_.signal(SIGHUP);
            }
        }
    }
    keepalived_.start([this] { return prepare_keepalived(); });
    if (cfg.config.ha->sync) {
        sync_.set_binary(cfg.config.ha->conntrackd.value, run_dir_ + "/conntrackd.conf");
        conntrackd_.start([this] { return prepare_conntrackd(); });
    } else {
        conntrackd_.stop({});
    }
    role_changed();
}

void Manager::on_report(const KeepalivedBus::Report& r) {
    auto now = std::chrono::system_clock::now();
    bool changed = r.forget ? roles_.forget_all(now) : roles_.report(r.key, r.role, now);
    if (!r.forget) loop::log_info("VRRP " + r.key.object_path() + ": " + role_name(r.role));
    else loop::log_info("VRRP: keepalived left the bus; not MASTER");
    if (changed) role_changed();
}

void Manager::role_changed() {
    bool master = roles_.master();
    supervisor_.set_master(master);
    if (cfg_ && cfg_->config.ha && cfg_->config.ha->sync && conntrackd_.running()) sync_.want(master);
}

void Manager::stop_all(std::function<void()> done) {
    auto remaining = std::make_shared<int>(2);
    auto one = [remaining, done] {
        if (--*remaining == 0 && done) done();
    };
    keepalived_.stop(one);
    conntrackd_.stop(one);
}

}  // namespace gw::ha

namespace gw::ha {

void Manager::add_status(status::StatusReport& report) const {
    if (!cfg_ || !cfg_->config.ha) return;
    const auto& ha = *cfg_->config.ha;
    status::HaStatus s;
    s.master = roles_.master();
    s.keepalived = keepalived_.state();
    for (std::size_t i = 0; i < ha.instances.size() && i < keys_.size(); ++i) {
        const auto& k = keys_[i];
        status::VrrpInstanceStatus vs{ha.instances[i].name.value, k.ifname, k.vrid, role_name(roles_.role(k)),
                                      roles_.since(k), "", 0, std::nullopt};
        if (const HeardAdvert* a = adverts_ ? adverts_->last(k.ifname, k.vrid) : nullptr) {
            vs.peer = a->source;
            vs.peer_priority = a->priority;
            vs.peer_advert = a->when;
        }
        s.instances.push_back(std::move(vs));
    }
    s.sync = ha.sync ? "conntrackd " + conntrackd_.state() : "off";
    s.last_sync_action = sync_.last_action();
    s.last_sync_time = sync_.last_time();
    for (const auto& u : ha.only_on_master)
        if (supervisor_.held_back(u.value)) s.held_back.push_back(u.value);
    report.ha = std::move(s);
}

}  // namespace gw::ha
