// Replays files through LLVMFuzzerTestOneInput without libFuzzer, so the
// fuzz target is built and run by g++ in the unit suite. Arguments are
// files or directories (every regular file inside, sorted); it also feeds
// truncated and byte-flipped variants of each file, a cheap deterministic
// stand-in for mutation.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

constexpr rlim_t kAddressSpace = rlim_t{1} << 30;

void run(const std::string& bytes) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::size_t replay(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    const std::string text = s.str();
    std::size_t runs = 0;
    run(text);
    ++runs;
    // Every prefix cut at a line end or mid-token, and each position's byte
    // replaced by characters YAML gives meaning to.
    const std::size_t step = std::max<std::size_t>(1, text.size() / 64);
    for (std::size_t cut = 0; cut < text.size(); cut += step, ++runs) run(text.substr(0, cut));
    for (std::size_t i = 0; i < text.size(); i += step) {
        for (char c : {'\0', ':', '-', '[', '{', '&', '*', '"', '\n', ' '}) {
            std::string mutated = text;
            mutated[i] = c;
            run(mutated);
            ++runs;
        }
    }
    return runs;
}

}  // namespace

int main(int argc, char** argv) {
    // An input that makes the loader allocate without bound must fail here
    // (as bad_alloc, which the target traps on), not take the machine down.
    // Skipped under AddressSanitizer, which reserves far more address space.
#if !defined(__SANITIZE_ADDRESS__)
    rlimit limit{kAddressSpace, kAddressSpace};
    setrlimit(RLIMIT_AS, &limit);
#endif
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        fs::path p(argv[i]);
        if (fs::is_directory(p)) {
            for (const auto& e : fs::directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else if (fs::exists(p)) {
            files.push_back(p);
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "replay: no input files\n");
        return 1;
    }
    std::size_t runs = 0;
    for (const auto& f : files) runs += replay(f);
    std::printf("replay: %zu files, %zu inputs, no crash\n", files.size(), runs);
    return 0;
}
