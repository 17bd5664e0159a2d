// Users and groups by name: egress owner rules compile to uids/gids, and
// validation asks whether a named user exists. SystemAccounts reads the
// system's databases (getpw*_r/getgr*_r, so NSS applies); tests use a
// map. Looked up on every reconcile, since a user may be added later.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "rules/config/parse.hpp"

namespace gw::host {

class Accounts : public config::HostFacts {
public:
    virtual std::optional<std::uint32_t> uid(std::string_view user) const = 0;
    virtual std::optional<std::uint32_t> gid(std::string_view group) const = 0;
    bool user_exists(std::string_view name) const override { return uid(name).has_value(); }
    bool group_exists(std::string_view name) const override { return gid(name).has_value(); }
};

class SystemAccounts final : public Accounts {
public:
    std::optional<std::uint32_t> uid(std::string_view user) const override;
    std::optional<std::uint32_t> gid(std::string_view group) const override;
    // The other way round (who made a change; the importer's owner matches);
    // nullopt when the id has no name.
    std::optional<std::string> user_name(std::uint32_t uid) const;
    std::optional<std::string> group_name(std::uint32_t gid) const;
    // The binaries and secret files the ha section names (secret_file.hpp).
    std::optional<std::string> executable_problem(std::string_view path) const override;
    std::optional<config::FileProblem> secret_file_problem(std::string_view path) const override;
    std::optional<std::size_t> secret_length(std::string_view path) const override;
};

class MapAccounts final : public Accounts {
public:
    std::map<std::string, std::uint32_t, std::less<>> users;
    std::map<std::string, std::uint32_t, std::less<>> groups;
    std::optional<std::uint32_t> uid(std::string_view user) const override;
    std::optional<std::uint32_t> gid(std::string_view group) const override;
};

}  // namespace gw::host
