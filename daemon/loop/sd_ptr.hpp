// Owning pointers for sd-event and sd-bus objects (libsystemd), on the same
// CFree deleter as the kernel layer's C objects: nothing frees them by hand.
#pragma once

#include <memory>

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "daemon/kernel/c_ptr.hpp"

namespace gw::loop {

using kernel::CFree;

using SdEventPtr = std::unique_ptr<sd_event, CFree<sd_event_unref>>;
// Disabled before it is released, so a callback can never run on freed state.
using SdEventSourcePtr = std::unique_ptr<sd_event_source, CFree<sd_event_source_disable_unref>>;
using SdBusPtr = std::unique_ptr<sd_bus, CFree<sd_bus_flush_close_unref>>;
using SdBusSlotPtr = std::unique_ptr<sd_bus_slot, CFree<sd_bus_slot_unref>>;
using SdBusMessagePtr = std::unique_ptr<sd_bus_message, CFree<sd_bus_message_unref>>;
using SdBusCredsPtr = std::unique_ptr<sd_bus_creds, CFree<sd_bus_creds_unref>>;

}  // namespace gw::loop
