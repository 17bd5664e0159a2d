// The YAML scan alone: yaml-cpp's parser over a file, its events handed to
// a handler that keeps nothing. This is the part of loading a config that
// belongs to yaml-cpp (the chosen parser); bench/apply_vs_nft.py subtracts
// it from gwctl's time to show what the rest costs.
//
// usage: yaml_scan FILE ROUNDS
// Prints "scan <median wall ms> <median cpu ms> <events>". Under callgrind
// (--collect-atstart=no) only the scans are counted.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_TOGGLE_COLLECT  // no valgrind headers: times only
#endif
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

class Counter final : public YAML::EventHandler {
public:
    std::size_t events = 0;
    void OnDocumentStart(const YAML::Mark&) override { ++events; }
    void OnDocumentEnd() override { ++events; }
    void OnNull(const YAML::Mark&, YAML::anchor_t) override { ++events; }
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override { ++events; }
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { ++events; }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        ++events;
    }
    void OnSequenceEnd() override { ++events; }
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        ++events;
    }
    void OnMapEnd() override { ++events; }
};

double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The same input path as the loader: the text held in memory, read through
// an istringstream (rules/config/load.cpp).
std::size_t scan(const std::string& text) {
    std::istringstream in{text};
    YAML::Parser parser(in);
    Counter counter;
    CALLGRIND_TOGGLE_COLLECT;
    while (parser.HandleNextDocument(counter)) {
    }
    CALLGRIND_TOGGLE_COLLECT;
    return counter.events;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: yaml_scan FILE ROUNDS\n", stderr);
        return 2;
    }
    std::ifstream f(argv[1]);
    std::stringstream buf;
    buf << f.rdbuf();
    const std::string text = buf.str();
    std::vector<double> wall, cpu;
    std::size_t events = 0;
    for (int i = 0; i < std::max(1, std::atoi(argv[2])); ++i) {
        auto t0 = std::chrono::steady_clock::now();
        double c0 = cpu_ms();
        events = scan(text);
        cpu.push_back(cpu_ms() - c0);
        wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("scan %.2f %.2f %zu\n", median(wall), median(cpu), events);
    return 0;
}
