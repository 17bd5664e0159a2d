// Sysctls through /proc/sys of the calling thread's network namespace.
// Values are read and written whole; a missing file (a per-link setting of
// a link that is not there) is reported as ENOENT, never created.
#pragma once

#include <optional>
#include <string>

namespace gw::kernel {

// The value without its trailing newline; nullopt when the file is missing
// or unreadable (errno says which).
std::optional<std::string> read_sysctl(const std::string& path);
// 0 on success, else the errno of open or write.
int write_sysctl(const std::string& path, const std::string& value);

}  // namespace gw::kernel
