// Shared by the config fixture tests: reading files, listing a fixture
// directory, and the fixed HostFacts the fixtures are written against.
#pragma once

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rules/config/parse.hpp"

namespace gw::test {

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> out;
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".yaml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// The accounts the fixtures may name: "dbuser" exists, "nosuchuser" does not.
class FixtureHost final : public config::HostFacts {
public:
    bool user_exists(std::string_view name) const override { return users_.count(std::string(name)) != 0; }
    bool group_exists(std::string_view name) const override { return groups_.count(std::string(name)) != 0; }

private:
    std::set<std::string> users_{"root", "dbuser", "proxy"};
    std::set<std::string> groups_{"root", "backup", "db"};
};

}  // namespace gw::test
