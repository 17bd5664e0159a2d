// The daemon's D-Bus names, shared by the service and gwctl's client.
#pragma once

namespace gw::bus {

inline constexpr const char* kBusName = "net.gatewayd.Gateway1";
inline constexpr const char* kObjectPath = "/net/gatewayd/Gateway1";
inline constexpr const char* kInterface = "net.gatewayd.Gateway1";
inline constexpr const char* kErrorPrefix = "net.gatewayd.Gateway1.Error.";  // + InvalidConfig, ...
inline constexpr const char* kReaderGroup = "gatewayd";

}  // namespace gw::bus
