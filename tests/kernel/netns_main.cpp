// main() of the kernel-layer netns tests: the process moves into a network
// namespace of its own before any test runs, so every table it writes dies
// with it and nothing on the host is touched. Without root (or without
// namespaces) the whole program reports itself skipped (exit 77).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    if (geteuid() != 0) {
        std::puts("skipping: the kernel-layer tests need root (CAP_NET_ADMIN in a new netns)");
        return 77;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        std::printf("skipping: cannot create a network namespace: %s\n", std::strerror(errno));
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
