#include "daemon/loop/notify.hpp"

#include <systemd/sd-daemon.h>

namespace gw::loop {
namespace {

void send(const std::string& text) { sd_notify(0, text.c_str()); }

// STATUS= is one line; keep only the first.
std::string one_line(std::string_view text) {
    auto end = text.find('\n');
    return std::string(text.substr(0, end));
}

}  // namespace

void SdNotifier::ready() { send("READY=1"); }
void SdNotifier::status(std::string_view text) { send("STATUS=" + one_line(text)); }
void SdNotifier::reloading() { send("RELOADING=1"); }
void SdNotifier::stopping() { send("STOPPING=1"); }

}  // namespace gw::loop
