// What the daemon tells its service manager: READY=1 after the first
// successful reconcile, STATUS= lines, RELOADING=1/STOPPING=1. Behind an
// interface so controller tests can see when READY would have been sent.
#pragma once

#include <string>
#include <string_view>

namespace gw::loop {

class Notifier {
public:
    virtual ~Notifier() = default;
    virtual void ready() = 0;
    virtual void status(std::string_view text) = 0;
    virtual void reloading() = 0;
    virtual void stopping() = 0;
};

// sd_notify(); a no-op when NOTIFY_SOCKET is not set.
class SdNotifier final : public Notifier {
public:
    void ready() override;
    void status(std::string_view text) override;
    void reloading() override;
    void stopping() override;
};

}  // namespace gw::loop
