// The generations of the config file: every version that became the
// committed configuration, numbered from 1 upwards, kept as
// <dir>/<number>.yaml with a <number>.meta beside it (time, user, one-line
// summary). Only the newest `keep` stay. The newest generation is the file
// that is live; a rollback applies an older one as a new generation.
#pragma once

#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "daemon/generations/atomic_file.hpp"

namespace gw::generations {

struct Generation {
    unsigned number = 0;
    std::chrono::system_clock::time_point time;
    std::string user;     // who committed it ("root", a user name, or what found it: "start")
    std::string summary;  // one line
};

class GenerationStore {
public:
    GenerationStore(std::string dir, unsigned keep);

    // Oldest first; a folder that does not exist yet holds none.
    std::vector<Generation> list() const;
    std::optional<Generation> newest() const;
    std::expected<std::string, std::string> text(unsigned number) const;

    // Staging a generation writes its text (the space is taken now, before
    // the caller changes the kernel); commit makes it part of the history
    // with its metadata and drops what is older than `keep` generations.
    struct Staged {
        unsigned number = 0;
        StagedFile text;
    };
    std::expected<Staged, std::string> stage(const std::string& text) const;
    std::expected<unsigned, std::string> commit(const Staged& staged, Generation meta);
    static void discard(const Staged& staged) { discard_staged(staged.text); }

    const std::string& dir() const { return dir_; }

private:
    std::string path_of(unsigned number, const char* ext) const;
    void prune(unsigned newest);

    std::string dir_;
    unsigned keep_;
};

}  // namespace gw::generations
