// ip(8) and friends as the netns tests' independent witnesses: run a shell
// command (its exit status), or read what it prints (stdout and stderr).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace gw::test {

inline int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

inline std::string output(const std::string& cmd) {
    std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " 2>&1").c_str(), "r"), pclose);
    std::string out;
    char buf[512];
    while (p && std::fgets(buf, sizeof buf, p.get())) out += buf;
    return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace gw::test
