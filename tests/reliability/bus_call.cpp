// bus-call METHOD SIGNATURE ARG...: one call to gatewayd on the system bus
// ($DBUS_SYSTEM_BUS_ADDRESS), for hostile-argument tests. busctl cannot
// send a 10 MB string (one argv entry holds at most 128 KiB), so an
// argument "@FILE" is the content of FILE. SIGNATURE may hold s, b and u
// and need not match the method's: wrong types are part of the test.
// Prints "ok" and the reply's signature (for a "bs" reply also its values:
// "ok bs false {...}"), or "error NAME: MESSAGE" (the
// message cut to 2,000 bytes); exits 0 either way, 1 if the bus is absent.
#include <systemd/sd-bus.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string argument(const char* arg) {
    if (arg[0] != '@') return arg;
    std::ifstream in(arg + 1, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int append(sd_bus_message* m, char type, const std::string& value) {
    switch (type) {
    case 's': return sd_bus_message_append(m, "s", value.c_str());
    case 'b': return sd_bus_message_append(m, "b", static_cast<int>(value == "true"));
    case 'u': return sd_bus_message_append(m, "u", static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 10)));
    default: return -22;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fputs("usage: bus-call METHOD SIGNATURE ARG...\n", stderr);
        return 2;
    }
    sd_bus* bus = nullptr;
    if (sd_bus_open_system(&bus) < 0) return 1;
    sd_bus_message* m = nullptr;
    int rc = sd_bus_message_new_method_call(bus, &m, "net.gatewayd.Gateway1", "/net/gatewayd/Gateway1",
                                            "net.gatewayd.Gateway1", argv[1]);
    std::string signature = argv[2];
    for (std::size_t i = 0; rc >= 0 && i < signature.size() && 3 + static_cast<int>(i) < argc; ++i)
        rc = append(m, signature[i], argument(argv[3 + i]));
    if (rc < 0) {
        std::printf("error local: cannot build the call (%d)\n", rc);
        return 0;
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    rc = sd_bus_call(bus, m, 120 * 1000000ULL, &error, &reply);
    if (rc < 0) {
        std::string message = error.message ? error.message : "";
        std::printf("error %s: %s\n", error.name ? error.name : "?", message.substr(0, 2000).c_str());
    } else if (std::string(sd_bus_message_get_signature(reply, 1)) == "bs") {
        int flag = 0;
        const char* text = nullptr;
        sd_bus_message_read(reply, "bs", &flag, &text);
        std::printf("ok bs %s %s\n", flag ? "true" : "false", std::string(text ? text : "").substr(0, 2000).c_str());
    } else {
        std::printf("ok %s\n", sd_bus_message_get_signature(reply, 1));
    }
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
    sd_bus_message_unref(m);
    sd_bus_unref(bus);
    return 0;
}
