// Availability names, the normalization table of federation.md §3.2,
// composition of several publications, and the offline document.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "presence/pidf.h"
#include "presence/ranking.h"
#include "presence/xml_text.h"

namespace tandem::presence {
namespace {

constexpr std::array<std::pair<Availability, std::string_view>, 9> kNames = {{
    {Availability::Available, "available"},
    {Availability::Away, "away"},
    {Availability::BeRightBack, "be-right-back"},
    {Availability::Busy, "busy"},
    {Availability::DoNotDisturb, "do-not-disturb"},
    {Availability::InAMeeting, "in-a-meeting"},
    {Availability::OnThePhone, "on-the-phone"},
    {Availability::OutOfOffice, "out-of-office"},
    {Availability::Offline, "offline"},
}};

// Activity names (RFC 4480 elements, and the words seen after "other:"
// or in draft-RPID <activity> text) that say something a watcher is shown.
// Keys are lower case with spaces and underscores read as hyphens.
constexpr std::array<std::pair<std::string_view, Availability>, 30> kActivities = {{
    {"do-not-disturb", Availability::DoNotDisturb},
    {"dnd", Availability::DoNotDisturb},
    {"presentation", Availability::DoNotDisturb},  // Microsoft shows "Presenting" as DND
    {"vacation", Availability::OutOfOffice},
    {"holiday", Availability::OutOfOffice},
    {"permanent-absence", Availability::OutOfOffice},
    {"out-of-office", Availability::OutOfOffice},
    {"ooo", Availability::OutOfOffice},
    {"oof", Availability::OutOfOffice},
    {"off-work", Availability::OutOfOffice},
    {"on-the-phone", Availability::OnThePhone},
    {"in-a-call", Availability::OnThePhone},
    {"on-a-call", Availability::OnThePhone},
    {"meeting", Availability::InAMeeting},
    {"appointment", Availability::InAMeeting},
    {"in-a-meeting", Availability::InAMeeting},
    {"in-a-conference", Availability::InAMeeting},
    {"busy", Availability::Busy},
    {"be-right-back", Availability::BeRightBack},
    {"brb", Availability::BeRightBack},
    {"away", Availability::Away},
    {"meal", Availability::Away},
    {"breakfast", Availability::Away},
    {"dinner", Availability::Away},
    {"lunch", Availability::Away},
    {"sleeping", Availability::Away},
    {"inactive", Availability::Away},
    {"idle", Availability::Away},
    {"extended-away", Availability::Away},
    {"xa", Availability::Away},
}};

// When several activities map, the most specific wins: DND refines busy,
// be-right-back refines away (so what toPidf writes reads back the same).
constexpr std::array<Availability, 7> kPrecedence = {
    Availability::DoNotDisturb, Availability::OutOfOffice, Availability::OnThePhone, Availability::InAMeeting,
    Availability::Busy,         Availability::BeRightBack, Availability::Away,
};

std::string activityKey(std::string_view name) {
  constexpr std::string_view kOther = "other:";
  if (name.substr(0, kOther.size()) == kOther) {
    name.remove_prefix(kOther.size());
  }
  name = trimXmlSpace(name);
  std::string key;
  key.reserve(name.size());
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z') {
      key.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (c == ' ' || c == '_') {
      key.push_back('-');
    } else {
      key.push_back(c);
    }
  }
  return key;
}

std::optional<Availability> fromActivity(std::string_view name) {
  const std::string key = activityKey(name);
  for (const auto& [word, availability] : kActivities) {
    if (word == key) {
      return availability;
    }
  }
  return std::nullopt;
}

std::optional<Availability> fromActivities(const std::vector<std::string>& activities) {
  size_t best = kPrecedence.size();
  for (const std::string& activity : activities) {
    const auto mapped = fromActivity(activity);
    if (!mapped) {
      continue;
    }
    const auto at = std::find(kPrecedence.begin(), kPrecedence.end(), *mapped);
    best = std::min(best, static_cast<size_t>(at - kPrecedence.begin()));
  }
  if (best == kPrecedence.size()) {
    return std::nullopt;
  }
  return kPrecedence[best];
}

// The Microsoft class of a state: what an aggregate range can say.
Availability microsoftClass(Availability a) {
  switch (a) {
    case Availability::InAMeeting:
    case Availability::OnThePhone:
      return Availability::Busy;
    case Availability::OutOfOffice:
      return Availability::Away;
    default:
      return a;
  }
}

std::optional<int64_t> personTime(const PresenceState& state) { return parseRfc3339(state.person_timestamp); }

}  // namespace

std::string_view availabilityName(Availability a) {
  for (const auto& [value, name] : kNames) {
    if (value == a) {
      return name;
    }
  }
  return "offline";
}

std::optional<Availability> availabilityFromName(std::string_view name) {
  for (const auto& [value, known] : kNames) {
    if (known == name) {
      return value;
    }
  }
  return std::nullopt;
}

int availabilityRank(Availability a) {
  switch (a) {
    case Availability::Available:
      return 0;
    case Availability::Busy:
      return 1;
    case Availability::OnThePhone:
      return 2;
    case Availability::InAMeeting:
      return 3;
    case Availability::DoNotDisturb:
      return 4;
    case Availability::BeRightBack:
      return 5;
    case Availability::Away:
      return 6;
    case Availability::OutOfOffice:
      return 7;
    case Availability::Offline:
      return 8;
  }
  return 8;
}

std::optional<Availability> availabilityFromMicrosoft(int value) {
  if (value < 3000) {
    return std::nullopt;
  }
  if (value < 4500) {
    return Availability::Available;
  }
  if (value < 6000) {
    return Availability::Away;  // Available-Idle
  }
  if (value < 9000) {
    return Availability::Busy;  // Busy, Busy-Idle
  }
  if (value < 12000) {
    return Availability::DoNotDisturb;
  }
  if (value < 15000) {
    return Availability::BeRightBack;
  }
  if (value < 18000) {
    return Availability::Away;
  }
  return Availability::Offline;
}

Availability normalize(const PresenceState& state) {
  const auto activity = fromActivities(state.activities);
  if (state.ms_availability) {
    if (const auto microsoft = availabilityFromMicrosoft(*state.ms_availability)) {
      if (activity && microsoftClass(*activity) == *microsoft) {
        return *activity;
      }
      return *microsoft;
    }
  }
  const bool any_open = std::any_of(state.tuples.begin(), state.tuples.end(), [](const Tuple& t) { return t.open; });
  if (!any_open) {
    return Availability::Offline;
  }
  if (activity) {
    return *activity;
  }
  if (state.idle) {
    return Availability::Away;
  }
  return Availability::Available;
}

RankedTuple rankTuple(const Tuple& tuple, Availability availability, size_t order) {
  RankedTuple ranked;
  ranked.tuple = &tuple;
  ranked.rank = availabilityRank(tuple.open ? availability : Availability::Offline);
  ranked.timestamp = parseRfc3339(tuple.timestamp);
  ranked.order = order;
  return ranked;
}

void sortMostAvailableFirst(std::vector<RankedTuple>& tuples) {
  std::stable_sort(tuples.begin(), tuples.end(), [](const RankedTuple& a, const RankedTuple& b) {
    if (a.rank != b.rank) {
      return a.rank < b.rank;
    }
    if (a.tuple->priority != b.tuple->priority) {
      return a.tuple->priority > b.tuple->priority;  // nullopt is less than any value: last
    }
    if (a.timestamp != b.timestamp) {
      return a.timestamp > b.timestamp;
    }
    return a.order < b.order;
  });
}

std::string noteToShow(const std::vector<std::string>& notes, const std::vector<RankedTuple>& ranked) {
  if (!notes.empty()) {
    return notes.front();
  }
  for (const RankedTuple& entry : ranked) {
    if (!entry.tuple->note.empty()) {
      return entry.tuple->note;
    }
  }
  return {};
}

PresenceState compose(std::string_view entity, std::span<const PresenceState> publications) {
  if (publications.empty()) {
    return offline(entity);
  }
  // Person data: the newest person timestamp; ties (and none) to the later.
  const PresenceState* person = &publications.front();
  for (const PresenceState& publication : publications) {
    if (personTime(publication) >= personTime(*person)) {
      person = &publication;
    }
  }

  std::vector<RankedTuple> ranked;
  for (const PresenceState& publication : publications) {
    for (const Tuple& tuple : publication.tuples) {
      ranked.push_back(rankTuple(tuple, publication.availability, ranked.size()));
    }
  }
  sortMostAvailableFirst(ranked);
  if (ranked.size() > kMaxTuples) {
    ranked.resize(kMaxTuples);
  }

  PresenceState out;
  out.entity = std::string(entity);
  out.tuples.reserve(ranked.size());
  for (const RankedTuple& entry : ranked) {
    out.tuples.push_back(*entry.tuple);
  }
  const auto add_notes = [&out](const PresenceState& publication) {
    for (const std::string& note : publication.notes) {
      if (out.notes.size() < kMaxNotes && std::find(out.notes.begin(), out.notes.end(), note) == out.notes.end()) {
        out.notes.push_back(note);
      }
    }
  };
  add_notes(*person);
  for (const PresenceState& publication : publications) {
    add_notes(publication);
  }
  out.activities = person->activities;
  out.idle = person->idle;
  out.ms_availability = person->ms_availability;
  out.person_timestamp = person->person_timestamp;
  out.availability = normalize(out);
  // The note: the person publication's own first note, else a tuple's.
  std::vector<RankedTuple> composed;
  for (size_t i = 0; i < out.tuples.size(); ++i) {
    RankedTuple entry = ranked[i];
    entry.tuple = &out.tuples[i];
    composed.push_back(entry);
  }
  out.note = noteToShow(person->notes, composed);
  return out;
}

PresenceState offline(std::string_view entity) {
  PresenceState state;
  state.entity = std::string(entity);
  Tuple tuple;
  tuple.id = "offline";
  tuple.open = false;
  state.tuples.push_back(std::move(tuple));
  state.availability = Availability::Offline;
  return state;
}

}  // namespace tandem::presence
