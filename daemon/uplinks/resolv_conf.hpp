// Writing the DNS servers an uplink's peer gave to the file named by
// `resolv-conf`: replaced atomically (a temporary file in the same
// directory, then rename), so a resolver never reads half a file.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace gw::uplinks {

std::string render_resolv_conf(const std::string& uplink, const std::vector<std::string>& servers);
std::expected<void, std::string> write_resolv_conf(const std::string& path, const std::string& text);

}  // namespace gw::uplinks
