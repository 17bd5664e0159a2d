// gwctl: the command-line side of gatewayd. main() only picks the verb
// from the table in commands.cpp; each verb parses its own arguments.
#include <cstdio>
#include <string_view>
#include <vector>

#include "ctl/commands.hpp"

int main(int argc, char** argv) {
    using namespace gw::ctl;
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty()) {
        print_usage(true);
        return kExitError;
    }
    std::string_view verb = args.front();
    if (verb == "help" || verb == "--help" || verb == "-h") {
        print_usage(false);
        return kExitOk;
    }
    const Command* cmd = find_command(verb);
    if (!cmd) {
        std::fprintf(stderr, "gwctl: unknown command '%.*s'\n", static_cast<int>(verb.size()), verb.data());
        print_usage(true);
        return kExitError;
    }
    return cmd->run(Args(args).subspan(1));
}
