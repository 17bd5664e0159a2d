// Files that hold a secret (a PPPoE password, a VRRP password): only a
// regular file owned by root and readable by no one else (0600 or
// stricter) is used, checked on the open descriptor without following
// links, so there is no race with a rename. Errors say why, never what the
// file holds.
#pragma once

#include <expected>
#include <optional>
#include <string>

#include "rules/config/parse.hpp"

namespace gw::host {

// The text without its trailing newline, or why it cannot be used
// ("has mode 0644; others may read it", "cannot be read: ...", "is empty").
std::expected<std::string, std::string> read_secret_file(const std::string& path);

// Why the file may not hold a secret, without reading it; nullopt when
// fine, or when the caller may not open it (not root: then it is private).
std::optional<config::FileProblem> secret_file_problem(const std::string& path);

// Why `path` cannot be run; nullopt when it is an executable regular file.
std::optional<std::string> executable_problem(const std::string& path);

}  // namespace gw::host
