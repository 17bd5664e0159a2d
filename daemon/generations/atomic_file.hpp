// Replacing a file so that a reader, or a crash, sees the old text or the
// new one and never a mix: the new text goes to a temporary file in the same
// folder and is fsynced (staging: where a full disk or a read-only file
// system shows up), then renamed over the target and the folder fsynced
// (commit). Staging first lets a caller fail before it changes anything else.
#pragma once

#include <sys/types.h>

#include <expected>
#include <string>
#include <string_view>

namespace gw::generations {

struct StagedFile {
    std::string temp;    // written and fsynced
    std::string target;  // what commit_staged replaces
};

// The temporary file is "<folder>/.<name>.XXXXXX" (unique: two staged
// versions of one target can wait side by side, e.g. during a confirm).
std::expected<StagedFile, std::string> stage_file(const std::string& target, std::string_view text, mode_t mode);
std::expected<void, std::string> commit_staged(const StagedFile& f);
void discard_staged(const StagedFile& f);
std::expected<void, std::string> write_file_atomically(const std::string& target, std::string_view text, mode_t mode);

// The mode of an existing file, or `fallback` when there is none.
mode_t mode_or(const std::string& path, mode_t fallback);

}  // namespace gw::generations
