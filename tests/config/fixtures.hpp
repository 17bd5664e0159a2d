// Shared by the config fixture tests: reading files, listing a fixture
// directory, and the fixed HostFacts the fixtures are written against.
#pragma once

#include <filesystem>
#include <fstream>
#include <optional>
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

// The accounts the fixtures may name: "dbuser" exists, "nosuchuser" does
// not; keepalived and conntrackd sit at their Debian paths, and the one
// secret file with loose permissions is vrrp-loose.secret; vrrp-long.secret
// holds a 12-character password and every other secret 8.
class FixtureHost final : public config::HostFacts {
public:
    bool user_exists(std::string_view name) const override { return users_.count(std::string(name)) != 0; }
    bool group_exists(std::string_view name) const override { return groups_.count(std::string(name)) != 0; }
    std::optional<std::string> executable_problem(std::string_view path) const override {
        if (path == "/usr/sbin/keepalived" || path == "/usr/sbin/conntrackd") return std::nullopt;
        return "cannot be run: No such file or directory";
    }
    std::optional<config::FileProblem> secret_file_problem(std::string_view path) const override {
        if (path == "/etc/gatewayd/vrrp-loose.secret") return config::FileProblem{"has mode 0644; others may read it"};
        return std::nullopt;
    }
    std::optional<std::size_t> secret_length(std::string_view path) const override {
        return path == "/etc/gatewayd/vrrp-long.secret" ? 12 : 8;
    }

private:
    std::set<std::string> users_{"root", "dbuser", "proxy"};
    std::set<std::string> groups_{"root", "backup", "db"};
};

}  // namespace gw::test
