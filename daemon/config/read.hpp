// The one reader of config files, for gwctl and the daemon alike. Only a
// regular file is read; it is opened non-blocking (a FIFO put in the
// config's place cannot hang gwctl or freeze the daemon's loop) and read
// against one size limit, enforced while reading (st_size means nothing for
// /proc files or a file that grows), so no path can make either grow
// without bound. Errors are one sentence with the reason.
#pragma once

#include <cstddef>
#include <expected>
#include <string>

namespace gw::config {

// A config is small: 10,000 forwards take about 1 MiB.
inline constexpr std::size_t kMaxConfigBytes = 16u << 20;

// The file's bytes, or why not: "Is a directory", "not a regular file (a
// FIFO)", "larger than 16 MiB", strerror(errno).
std::expected<std::string, std::string> read_config_bytes(const std::string& path);

// Text that came some other way (the bus) is held to the same limit: the
// reason when `size` is over it, else empty.
std::string config_size_problem(std::size_t size);

}  // namespace gw::config
