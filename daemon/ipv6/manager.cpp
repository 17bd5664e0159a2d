#include "daemon/ipv6/manager.hpp"

#include <signal.h>
#include <sys/inotify.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/generations/atomic_file.hpp"
#include "daemon/loop/log.hpp"
#include "rules/ipv6/delegation.hpp"
#include "rules/ipv6/radvd_conf.hpp"

namespace gw::ipv6 {

namespace {

constexpr std::string_view kLeasePrefix = "dhcpv6-";
constexpr std::string_view kLeaseSuffix = ".lease";

// dhcpcd runs it with its environment for each event; a rename makes the
// whole file appear at once for the inotify watch.
std::string hook_script(const std::string& run_dir) {
    return "#!/bin/sh\n"
           "# written by gatewayd: hands dhcpcd's lease to the daemon\n"
           "umask 077\n"
           "f=\"" + run_dir + "/" + std::string(kLeasePrefix) + "${interface}" + std::string(kLeaseSuffix) + "\"\n"
           "/usr/bin/env > \"$f.tmp\" && /bin/mv -f \"$f.tmp\" \"$f\"\n";
}

// DHCPv6 only, and only the prefix: no router solicitations (the kernel
// takes RAs, accept_ra=2), no address, and `-` delegates to no interface:
// gatewayd puts the /64s on the LAN links itself.
std::string dhcpcd_conf(const config::Uplink& up, const std::string& ifname) {
    return "# written by gatewayd from gateway.yaml\n"
           "noipv6rs\n"
           "option dhcp6_name_servers\n"
           "interface " + ifname + "\n"
           "  ia_pd 1/::/" + std::to_string(up.dhcpv6_pd->size_hint.value) + " -\n";
}

}  // namespace

Manager::Manager(uplinks::Launcher& launcher, loop::TimeSource& time, sd_event* event, std::string run_dir,
                 Programs programs)
    : launcher_(launcher),
      time_(time),
      event_(event),
      run_dir_(std::move(run_dir)),
      programs_(std::move(programs)),
      radvd_(launcher, time, "radvd"),
      expiry_(time.make_timer([this] { book_changed(); })) {}

Manager::~Manager() = default;

void Manager::attach(reconcile::Controller& c, reconcile::Reconciler& reconciler) {
    controller_ = &c;
    reconciler.set_delegations([this] { return book_.facts(std::chrono::system_clock::now()); });
    c.on_config_active.add([this](const config::LoadedConfig& cfg) { apply(cfg); });
    c.on_facts.add([this](const rules::Facts& facts) { after_reconcile(facts); });
    c.add_status.add([this](status::StatusReport& report) { add_status(report, controller_->facts()); });
}

void Manager::watch_leases() {
    if (inotify_) return;
    sd_event_source* src = nullptr;
    auto on_event = [](sd_event_source*, const struct inotify_event* ev, void* self) -> int {
        if (ev->len > 0) static_cast<Manager*>(self)->read_lease(ev->name);
        return 0;
    };
    int r = sd_event_add_inotify(event_, &src, run_dir_.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE, on_event, this);
    if (r < 0) {
        loop::log_warning("DHCPv6: cannot watch " + run_dir_ + " for leases: " + std::strerror(-r));
        return;
    }
    inotify_.reset(src);
}

void Manager::read_lease(const std::string& file_name) {
    if (!file_name.starts_with(kLeasePrefix) || !file_name.ends_with(kLeaseSuffix)) return;
    auto ifname = file_name.substr(kLeasePrefix.size(), file_name.size() - kLeasePrefix.size() - kLeaseSuffix.size());
    auto up = uplink_of_link_.find(ifname);
    if (up == uplink_of_link_.end()) return;
    std::ifstream in(run_dir_ + "/" + file_name);
    std::stringstream text;
    text << in.rdbuf();
    auto ev = parse_dhcpcd_env(text.str());
    if (ev.change == LeaseChange::none) return;
    loop::log_info("DHCPv6 " + up->second + ": " + ev.reason +
                   (ev.delegation.prefix ? " " + ev.delegation.prefix->str() : std::string(", no prefix")));
    if (book_.update(up->second, ev, std::chrono::system_clock::now())) book_changed();
}

// The facts the next reconcile reads changed: LAN addresses, radvd's file
// and the firewall follow in it.
void Manager::book_changed() {
    arm_expiry();
    if (controller_) controller_->kernel_changed(false);
}

void Manager::arm_expiry() {
    auto now = std::chrono::system_clock::now();
    auto next = book_.next_expiry(now);
    if (!next) {
        expiry_->disarm();
        return;
    }
    // A second late, so that at the firing the prefix is past its end.
    expiry_->arm(std::chrono::duration_cast<loop::Duration>(*next - now) + std::chrono::seconds(1));
}

std::expected<uplinks::SpawnRequest, std::string> Manager::prepare_dhcpcd(const config::Uplink& up) {
    auto ifname = rules::default_uplink_ifname(up);
    auto hook = run_dir_ + "/dhcpv6-hook";
    if (auto ok = generations::write_file_atomically(hook, hook_script(run_dir_), 0700); !ok)
        return std::unexpected(ok.error());
    auto conf = run_dir_ + "/dhcpcd-" + up.name.value + ".conf";
    if (auto ok = generations::write_file_atomically(conf, dhcpcd_conf(up, ifname), 0600); !ok)
        return std::unexpected(ok.error());
    // -B: stay our child; --noconfigure: the hook reports, gatewayd configures.
    return uplinks::SpawnRequest{{programs_.dhcpcd, "-6", "-B", "--noconfigure", "-f", conf, "-c", hook, ifname},
                                 {}, std::nullopt, 3};
}

std::string Manager::radvd_conf_path() const { return run_dir_ + "/radvd.conf"; }

std::expected<uplinks::SpawnRequest, std::string> Manager::prepare_radvd() {
    auto file = radvd_conf_path();
    if (auto ok = generations::write_file_atomically(file, radvd_written_, 0600); !ok)
        return std::unexpected(ok.error());
    // -n: stay our child; -m stderr: log to our pipe.
    return uplinks::SpawnRequest{{programs_.radvd, "-n", "-m", "stderr", "-C", file, "-p", run_dir_ + "/radvd.pid"},
                                 {}, std::nullopt, 3};
}

// Clients of uplinks the config no longer asks a prefix for stop, without a
// release (the lease stays valid at the ISP); those stopped earlier go.
void Manager::stop_unwanted_clients(const config::Config& cfg) {
    std::erase_if(stopping_, [](const auto& program) { return !program->running(); });
    for (auto it = clients_.begin(); it != clients_.end();) {
        const auto* up = cfg.find_uplink(it->first);
        if (up && up->asks_for_prefix()) {
            ++it;
            continue;
        }
        it->second->stop({});
        stopping_.push_back(std::move(it->second));
        book_.forget(it->first);
        arm_expiry();
        it = clients_.erase(it);
    }
}

void Manager::apply(const config::LoadedConfig& cfg) {
    cfg_ = cfg;
    stop_unwanted_clients(cfg.config);
    uplink_of_link_.clear();
    for (const auto& up : cfg.config.uplinks) {
        if (!up.asks_for_prefix()) continue;
        uplink_of_link_[rules::default_uplink_ifname(up)] = up.name.value;
        if (!clients_.contains(up.name.value))
            clients_[up.name.value] = std::make_unique<uplinks::Program>(launcher_, time_, "dhcpcd " + up.name.value);
    }
    if (!uplink_of_link_.empty()) watch_leases();
}

// dhcpcd runs while the uplink's link is there: a ppp link exists only
// while its session is up, and is made anew on each reconnect. dhcpcd
// started before it gives up at once ("interface not found") and one
// whose link went away exits, so it is started when the session comes up
// and stopped when it goes (no release: the ISP keeps the binding, and
// the next session's client asks for the same prefix again).
void Manager::follow_links(const rules::Facts& facts) {
    for (auto& [name, program] : clients_) {
        const auto* up = cfg_->config.find_uplink(name);
        if (!up || !rules::uplink_is_up(*up, facts)) {
            program->stop({});
            continue;
        }
        program->start([this, name] {
            const auto* u = cfg_ ? cfg_->config.find_uplink(name) : nullptr;
            if (!u || !u->dhcpv6_pd) return std::expected<uplinks::SpawnRequest, std::string>(std::unexpected("gone"));
            return prepare_dhcpcd(*u);
        });
    }
}

void Manager::after_reconcile(const rules::Facts& facts) {
    if (!cfg_) return;
    follow_links(facts);
    auto text = render_radvd_conf(cfg_->config, facts);
    if (text.empty()) {
        radvd_written_.clear();
        radvd_.stop({});
        return;
    }
    if (text == radvd_written_ && radvd_.running()) return;
    radvd_written_ = text;
    if (radvd_.running()) {
        if (auto ok = generations::write_file_atomically(radvd_conf_path(), text, 0600); ok) {
            loop::log_info("radvd: announcements changed; reloading");
            radvd_.signal(SIGHUP);
        }
        return;
    }
    radvd_.start([this] { return prepare_radvd(); });
}

void Manager::add_status(status::StatusReport& report, const rules::Facts& facts) const {
    if (!cfg_ || (clients_.empty() && radvd_.state() == "stopped")) return;
    status::Routed6Status s;
    s.radvd = radvd_.state();
    for (const auto& [name, program] : clients_) {
        status::DelegationStatus d{name, program->state(), "", 0, 0, book_.received(name), {}, {}};
        if (auto it = facts.delegations.find(name); it != facts.delegations.end()) {
            d.prefix = it->second.prefix ? it->second.prefix->str() : "";
            d.preferred = it->second.preferred;
            d.valid = it->second.valid;
            for (const auto& a : it->second.dns) d.dns.push_back(a.str());
            for (const auto& p : it->second.retired) d.retired.push_back(p.str());
        }
        s.uplinks.push_back(std::move(d));
    }
    for (const auto& lp : lan_prefixes(cfg_->config, facts)) {
        status::LanPrefixStatus l{lp.interface->name.value, lp.interface->link_name(),
                                  lp.prefix ? lp.prefix->str() : "", {}, false};
        for (const auto& p : lp.retired) l.retired.push_back(p.str());
        l.ra = *lp.interface->ipv6->ra.enabled && radvd_.running() && (lp.prefix || !lp.retired.empty());
        s.lans.push_back(std::move(l));
    }
    report.routed6 = std::move(s);
}

void Manager::stop_all(std::function<void()> done) {
    auto remaining = std::make_shared<std::size_t>(clients_.size() + 1);
    auto one = [remaining, done] {
        if (--*remaining == 0 && done) done();
    };
    for (auto& [name, program] : clients_) program->stop(one);
    radvd_.stop(one);
}

}  // namespace gw::ipv6
