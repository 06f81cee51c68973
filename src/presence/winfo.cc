#include "presence/winfo.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "presence/xml_text.h"

namespace tandem::presence {
namespace {

constexpr std::array<std::string_view, 4> kStatuses = {"pending", "active", "waiting", "terminated"};
constexpr std::array<std::string_view, 8> kEvents = {"subscribe", "approved", "deactivated", "probation",
                                                     "rejected",  "timeout",  "giveup",      "noresource"};

template <size_t N>
bool oneOf(const std::array<std::string_view, N>& values, std::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  appendEscaped(out, value, true);
  out += '"';
}

}  // namespace

std::string watcherEntryId(std::string_view watcher, std::string_view event) {
  uint64_t hash = 14695981039346656037ULL;
  const auto mix = [&hash](std::string_view text) {
    for (const char c : text) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(watcher);
  mix(std::string_view("\0", 1));
  mix(event);
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(hash));
  return std::string(hex.data(), 16);
}

std::string toWatcherInfo(std::string_view resource, uint32_t version, bool full,
                          std::span<const WatcherEntry> watchers) {
  std::string out;
  out.reserve(256 + watchers.size() * 160);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<watcherinfo xmlns=\"urn:ietf:params:xml:ns:watcherinfo\"";
  attribute(out, "version", std::to_string(version));
  attribute(out, "state", full ? "full" : "partial");
  out += ">\n  <watcher-list";
  attribute(out, "resource", resource);
  attribute(out, "package", "presence");
  out += ">\n";
  for (const WatcherEntry& entry : watchers) {
    if (!oneOf(kStatuses, entry.status) || !oneOf(kEvents, entry.event) || entry.watcher.empty()) {
      continue;
    }
    out += "    <watcher";
    attribute(out, "id", entry.id.empty() ? watcherEntryId(entry.watcher, entry.event) : entry.id);
    attribute(out, "status", entry.status);
    attribute(out, "event", entry.event);
    if (entry.duration_subscribed != 0) {
      attribute(out, "duration-subscribed", std::to_string(entry.duration_subscribed));
    }
    out += '>';
    appendEscaped(out, entry.watcher, false);
    out += "</watcher>\n";
  }
  out += "  </watcher-list>\n</watcherinfo>\n";
  return out;
}

}  // namespace tandem::presence
