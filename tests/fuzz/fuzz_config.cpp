// libFuzzer entry point for the config loader: any byte string must come
// back as diagnostics or a Config, never a crash, hang or leak. The same
// function is driven by replay_main.cpp (g++, deterministic, in the unit
// suite) and by libFuzzer (clang, build-fuzzer.sh).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rules/config/parse.hpp"

namespace {

// Users exist when their name is short: both branches of the egress
// account check get exercised without touching the host's databases.
class FuzzHost final : public gw::config::HostFacts {
public:
    bool user_exists(std::string_view name) const override { return name.size() < 5; }
    bool group_exists(std::string_view name) const override { return name.size() < 4; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    FuzzHost host;
    auto result = gw::config::parse_config(text, "fuzz.yaml", &host);
    auto rendered = gw::config::render_diagnostics(result.diagnostics, "fuzz.yaml", text);
    auto json = gw::config::render_diagnostics_json(result.diagnostics, "fuzz.yaml");
    // A Config is returned exactly when there is no error.
    if (result.config.has_value() == result.diagnostics.has_errors()) __builtin_trap();
    if (result.diagnostics.has_errors() && rendered.empty()) __builtin_trap();
    // load_yaml turns unexpected exceptions (bad_alloc above all) into this
    // message; for a fuzzer it means the loader lost control of the input.
    for (const auto& d : result.diagnostics.items())
        if (d.message.starts_with("cannot read YAML")) __builtin_trap();
    return json.empty() ? 1 : 0;
}
