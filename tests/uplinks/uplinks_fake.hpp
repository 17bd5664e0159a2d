// A Launcher without processes for the session and supervisor tests: each
// spawn is recorded; the test plays the child's part (output lines, exit)
// and sees which signals the session sent to the process group.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/uplinks/child.hpp"

namespace gw::test {

struct FakeChild {
    uplinks::SpawnRequest request;
    uplinks::ProcessEvents events;
    std::vector<int> signals;
    bool exited = false;
    pid_t pid = 0;

    void say(const std::string& line) { events.on_line(line); }
    void exit(int code, bool signaled = false) {
        exited = true;
        auto cb = events.on_exit;
        cb({signaled, code});
    }
};

class FakeLauncher final : public uplinks::Launcher {
public:
    class Proc final : public uplinks::Process {
    public:
        explicit Proc(std::shared_ptr<FakeChild> c) : child_(std::move(c)) {}
        ~Proc() override {
            if (!child_->exited) child_->signals.push_back(9);  // as the real one: killed and reaped
            child_->exited = true;
        }
        pid_t pid() const override { return child_->pid; }
        bool running() const override { return !child_->exited; }
        void signal_group(int signo) override {
            if (!child_->exited) child_->signals.push_back(signo);
        }

    private:
        std::shared_ptr<FakeChild> child_;
    };

    std::expected<std::unique_ptr<uplinks::Process>, std::string> spawn(const uplinks::SpawnRequest& req,
                                                                        uplinks::ProcessEvents events) override {
        if (fail_next) {
            fail_next = false;
            return std::unexpected("no such file");
        }
        auto c = std::make_shared<FakeChild>(FakeChild{req, std::move(events), {}, false,
                                                       static_cast<pid_t>(1000 + children.size())});
        children.push_back(c);
        return std::make_unique<Proc>(c);
    }

    FakeChild& last() { return *children.back(); }
    std::size_t running() const {
        std::size_t n = 0;
        for (const auto& c : children) n += !c->exited;
        return n;
    }

    std::vector<std::shared_ptr<FakeChild>> children;
    bool fail_next = false;
};

}  // namespace gw::test
