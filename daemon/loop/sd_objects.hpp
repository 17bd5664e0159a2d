// The sd-event, sd-bus and sd-journal objects (libsystemd), each owned (daemon/owned.hpp).
#pragma once

#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <systemd/sd-journal.h>

#include "daemon/owned.hpp"

namespace gw::loop {

using SdEventPtr = Owned<sd_event, sd_event_unref>;
// Disabled before it is released, so a callback can never run on freed state.
using SdEventSourcePtr = Owned<sd_event_source, sd_event_source_disable_unref>;
using SdBusPtr = Owned<sd_bus, sd_bus_flush_close_unref>;
using SdBusSlotPtr = Owned<sd_bus_slot, sd_bus_slot_unref>;
using SdBusMessagePtr = Owned<sd_bus_message, sd_bus_message_unref>;
using SdBusCredsPtr = Owned<sd_bus_creds, sd_bus_creds_unref>;
using SdJournalPtr = Owned<sd_journal, sd_journal_close>;

}  // namespace gw::loop
