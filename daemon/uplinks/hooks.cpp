// Running on-up/on-down hooks: a queue per uplink, one process at a time,
// each with a deadline timer that kills its process group.
#include "daemon/uplinks/hooks.hpp"

#include <signal.h>

#include "daemon/loop/log.hpp"

namespace gw::uplinks {

namespace {

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::string label(const HookCall& c) { return "uplink " + c.uplink + ": " + c.which; }

}  // namespace

std::vector<std::string> hook_environment(const HookCall& c) {
    return {"UPLINK=" + c.uplink, "IFACE=" + c.iface, "ADDRESS=" + c.address, "PEER=" + c.peer,
            "DNS=" + join(c.dns), "HOOK=" + c.which};
}

void HookRunner::run(HookCall call) {
    auto uplink = call.uplink;
    lanes_[uplink].finished.reset();
    lanes_[uplink].waiting.push_back(std::move(call));
    if (!lanes_[uplink].current) start_next(uplink);
}

void HookRunner::start_next(const std::string& uplink) {
    auto& lane = lanes_[uplink];
    while (!lane.current && !lane.waiting.empty()) {
        auto run = std::make_unique<Running>();
        run->call = std::move(lane.waiting.front());
        lane.waiting.pop_front();
        SpawnRequest req{{shell_, "-c", run->call.command}, hook_environment(run->call), std::nullopt};
        auto prefix = label(run->call) + ": ";
        auto proc = launcher_.spawn(req, {[prefix](std::string_view line) { loop::log_info(prefix + std::string(line)); },
                                          [this, uplink](ExitStatus st) { finished(uplink, st); }});
        if (!proc) {
            loop::log_warning(label(run->call) + " could not start: " + proc.error());
            continue;
        }
        Running* r = run.get();
        run->process = std::move(*proc);
        run->deadline = time_.make_timer([r] {
            r->timed_out = true;
            r->process->signal_group(SIGKILL);
        });
        run->deadline->arm(run->call.timeout);
        loop::log_info(label(run->call) + ": started (ADDRESS=" + run->call.address + ")");
        lane.current = std::move(run);
    }
}

void HookRunner::finished(const std::string& uplink, ExitStatus st) {
    auto& lane = lanes_[uplink];
    if (!lane.current) return;
    auto& c = lane.current->call;
    if (lane.current->timed_out)
        loop::log_warning(label(c) + " ran longer than " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(c.timeout).count()) +
                          " s and was killed");
    else if (st.signaled || st.code != 0)
        loop::log_warning(label(c) + " failed: " + st.describe());
    else
        loop::log_info(label(c) + ": done");
    lane.current->deadline->disarm();
    // We are inside the process's exit callback: keep it alive until the next start.
    lane.finished = std::move(lane.current);
    start_next(uplink);
}

void HookRunner::kill_all() {
    for (auto& [name, lane] : lanes_) {
        lane.waiting.clear();
        lane.current.reset();  // the process's destructor kills its group and reaps it
    }
}

bool HookRunner::idle() const {
    for (const auto& [name, lane] : lanes_)
        if (lane.current || !lane.waiting.empty()) return false;
    return true;
}

}  // namespace gw::uplinks
