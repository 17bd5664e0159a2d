// Small helpers the status sections (ha_status.cpp, routed6_status.cpp)
// share to write and read their JSON and to print times.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "daemon/status/status.hpp"
#include "rules/json.hpp"

namespace gw::status::section {

inline std::int64_t unix_seconds(SystemTime t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

inline void write_time(rules::JsonWriter& w, const char* key, const std::optional<SystemTime>& t) {
    w.key(key);
    if (t) w.value(unix_seconds(*t));
    else w.null();
}

inline std::optional<SystemTime> read_time(const YAML::Node& n, const char* key) {
    auto v = n[key];
    if (!v || v.IsNull()) return std::nullopt;
    return SystemTime(std::chrono::seconds(v.as<std::int64_t>()));
}

inline void write_strings(rules::JsonWriter& w, const char* key, const std::vector<std::string>& list) {
    w.key(key).begin_array();
    for (const auto& s : list) w.value(s);
    w.end_array();
}

inline std::vector<std::string> read_strings(const YAML::Node& n, const char* key) {
    std::vector<std::string> out;
    for (const auto& v : n[key]) out.push_back(v.as<std::string>());
    return out;
}

template <class T>
T read(const YAML::Node& n, const char* key) {
    auto v = n[key];
    return v && !v.IsNull() ? v.as<T>() : T{};
}

inline std::string ago(std::optional<SystemTime> t, SystemTime now) {
    if (!t) return "-";
    auto s = std::chrono::duration_cast<std::chrono::seconds>(now - *t).count();
    return std::to_string(s < 0 ? 0 : s) + " s ago";
}

}  // namespace gw::status::section
