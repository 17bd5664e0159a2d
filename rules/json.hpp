// A minimal JSON writer for gatewayd's answers (Status, Check, gwctl --json): objects,
// arrays, strings, integers and booleans, written in one pass with commas
// placed for the caller. Reading JSON back (gwctl) goes through yaml-cpp,
// which parses JSON as the YAML subset it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gw::rules {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(std::int64_t n);
    JsonWriter& value(std::uint64_t n);
    JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
    JsonWriter& value(bool b);
    JsonWriter& null();
    // Raw, already valid JSON (e.g. render_diagnostics_json's output).
    JsonWriter& raw(std::string_view json);

    const std::string& str() const { return out_; }

private:
    void separate();

    std::string out_;
    std::vector<bool> first_;  // per open container: nothing written in it yet
    bool after_key_ = false;
};

void append_json_string(std::string& out, std::string_view s);

}  // namespace gw::rules
