#pragma once

// Watcher information documents (RFC 3857 event package "presence.winfo",
// RFC 3858 format application/watcherinfo+xml): how a presentity learns of
// pending watchers (federation.md §7), the standard form of the Microsoft
// and Cisco "someone added you" alert. Pure code; docs/presence.md.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tandem::presence {

struct WatcherEntry {
  std::string id;       // stable per watcher+event (e.g. a hash); empty → watcherEntryId(watcher, event)
  std::string watcher;  // the watcher's URI
  std::string status;   // "pending", "active", "waiting", "terminated"
  std::string event;    // "subscribe", "approved", "deactivated", "probation", "rejected", "timeout", "giveup",
                        // "noresource"
  uint32_t duration_subscribed = 0;
};

// A stable id for a watcher+event: 16 hex digits of a 64-bit FNV-1a hash.
std::string watcherEntryId(std::string_view watcher, std::string_view event);

// A full or partial (RFC 3858) watcherinfo document for `resource`
// (the presentity), package "presence", with `version`: one <watcher> per
// entry (escaped; duration-subscribed written when not 0). Entries whose
// status or event is not one of RFC 3858's values, or without a watcher
// URI, are left out: the schema would refuse the document.
std::string toWatcherInfo(std::string_view resource, uint32_t version, bool full,
                          std::span<const WatcherEntry> watchers);

}  // namespace tandem::presence
