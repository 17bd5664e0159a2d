#include "daemon/loop/backoff.hpp"

#include <algorithm>

namespace gw::loop {

Duration Backoff::next() {
    Duration wait = first_;
    for (int i = 0; i < failures_ && wait < ceiling_; ++i) wait *= 2;
    ++failures_;
    return std::min(wait, ceiling_);
}

}  // namespace gw::loop
