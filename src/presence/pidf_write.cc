// toPidf: the document Tandem sends in NOTIFY (docs/presence.md, "What
// Tandem sends"). Written by hand: the structure is fixed and small, and
// every value goes through appendEscaped (escaping, and only XML 1.0 Chars).

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "presence/pidf.h"
#include "presence/xml_text.h"

namespace tandem::presence {
namespace {

struct ActivityElements {
  std::string_view element;  // RFC 4480 activity element, empty for none
  std::string_view other;    // text of <rpid:other>, empty for none
};

ActivityElements activityFor(Availability a) {
  switch (a) {
    case Availability::Away:
      return {"away", {}};
    case Availability::BeRightBack:
      return {"away", "be-right-back"};
    case Availability::Busy:
      return {"busy", {}};
    case Availability::DoNotDisturb:
      return {"busy", "do-not-disturb"};
    case Availability::InAMeeting:
      return {"meeting", {}};
    case Availability::OnThePhone:
      return {"on-the-phone", {}};
    case Availability::OutOfOffice:
      return {"vacation", {}};
    case Availability::Available:
    case Availability::Offline:
      return {};
  }
  return {};
}

// RFC 3863 qvalue: 0 to 1 with at most three decimals.
std::string formatPriority(double priority) {
  std::array<char, 16> buffer{};
  const auto [end, error] =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), priority, std::chars_format::fixed, 3);
  if (error != std::errc()) {
    return "0";
  }
  std::string text(buffer.data(), end);
  while (text.back() == '0') {
    text.pop_back();
  }
  if (text.back() == '.') {
    text.pop_back();
  }
  return text;
}

// `candidate` if it is a usable xs:ID not taken yet, else <prefix><N>.
std::string uniqueId(std::string_view candidate, std::string_view prefix, size_t n, std::vector<std::string>& used) {
  const auto taken = [&used](std::string_view id) { return std::find(used.begin(), used.end(), id) != used.end(); };
  std::string id(candidate);
  if (!isAsciiNcName(id) || taken(id)) {
    id = std::string(prefix) + std::to_string(n);
    for (size_t extra = 1; taken(id); ++extra) {
      id = std::string(prefix) + std::to_string(n) + "-" + std::to_string(extra);
    }
  }
  used.push_back(id);
  return id;
}

void element(std::string& out, std::string_view indent, std::string_view name, std::string_view text) {
  out += indent;
  out += '<';
  out += name;
  out += '>';
  appendEscaped(out, text, false);
  out += "</";
  out += name;
  out += ">\n";
}

}  // namespace

std::string toPidf(const PresenceState& state) {
  const Availability availability = state.availability;
  const bool offline = availability == Availability::Offline;
  std::vector<Tuple> tuples = state.tuples;
  if (tuples.empty()) {
    Tuple tuple;
    tuple.id = "t1";
    tuples.push_back(tuple);
  }
  if (offline) {
    for (Tuple& tuple : tuples) {
      tuple.open = false;
    }
  } else if (std::none_of(tuples.begin(), tuples.end(), [](const Tuple& t) { return t.open; })) {
    tuples.front().open = true;
  }

  std::string out;
  out.reserve(512 + tuples.size() * 160);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out +=
      "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
      "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"";
  appendEscaped(out, state.entity, true);
  out += "\">\n";

  std::vector<std::string> ids;
  for (size_t i = 0; i < tuples.size(); ++i) {
    const Tuple& tuple = tuples[i];
    out += "  <tuple id=\"";
    appendEscaped(out, uniqueId(tuple.id, "t", i + 1, ids), true);
    out += "\">\n";
    out += tuple.open ? "    <status><basic>open</basic></status>\n" : "    <status><basic>closed</basic></status>\n";
    if (!tuple.contact.empty()) {
      out += "    <contact";
      if (tuple.priority && std::isfinite(*tuple.priority) && *tuple.priority >= 0 && *tuple.priority <= 1) {
        out += " priority=\"";
        out += formatPriority(*tuple.priority);
        out += '"';
      }
      out += '>';
      appendEscaped(out, tuple.contact, false);
      out += "</contact>\n";
    }
    if (!tuple.note.empty()) {
      element(out, "    ", "note", tuple.note);
    }
    if (parseRfc3339(tuple.timestamp)) {
      element(out, "    ", "timestamp", tuple.timestamp);
    }
    out += "  </tuple>\n";
  }

  // Presence-level notes: the notes other than the one shown (that one is
  // the person's), as PIDF orders them: after the tuples.
  std::vector<std::string_view> written;
  for (const std::string& note : state.notes) {
    if (note.empty() || note == state.note || std::find(written.begin(), written.end(), note) != written.end()) {
      continue;
    }
    written.push_back(note);
    element(out, "  ", "note", note);
  }

  const ActivityElements activity = activityFor(availability);
  const bool idle = state.idle && availability != Availability::Available && !offline;
  const bool timestamp = parseRfc3339(state.person_timestamp).has_value();
  if (!activity.element.empty() || idle || !state.note.empty() || timestamp) {
    out += "  <dm:person id=\"";
    appendEscaped(out, uniqueId("p", "p", 1, ids), true);
    out += "\">\n";
    if (!activity.element.empty()) {
      out += "    <rpid:activities><rpid:";
      out += activity.element;
      out += "/>";
      if (!activity.other.empty()) {
        out += "<rpid:other>";
        out += activity.other;
        out += "</rpid:other>";
      }
      out += "</rpid:activities>\n";
    }
    if (idle) {
      out += "    <rpid:user-input>idle</rpid:user-input>\n";
    }
    if (!state.note.empty()) {
      element(out, "    ", "dm:note", state.note);
    }
    if (timestamp) {
      element(out, "    ", "dm:timestamp", state.person_timestamp);
    }
    out += "  </dm:person>\n";
  }
  out += "</presence>\n";
  return out;
}

}  // namespace tandem::presence
