// parsePidf: PIDF (RFC 3863) + RPID (RFC 4480) + the RFC 4479 data model,
// read with pugixml. pugixml knows nothing of namespaces, so Scope resolves
// prefixes along the path from the root; every element is matched by
// namespace URI and local name. Only the known structure is walked (bounded
// depth), and the search for Microsoft extensions is bounded in depth and
// in elements visited, so no input can make the walk deep or long.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <pugixml.hpp>

#include "presence/pidf.h"
#include "presence/ranking.h"
#include "presence/xml_text.h"

namespace tandem::presence {
namespace {

constexpr std::string_view kPidfNs = "urn:ietf:params:xml:ns:pidf";
constexpr std::string_view kCpimPidfNs = "urn:ietf:params:xml:ns:cpim-pidf";  // before RFC 3863
constexpr std::string_view kDataModelNs = "urn:ietf:params:xml:ns:pidf:data-model";
constexpr std::string_view kRpidNs = "urn:ietf:params:xml:ns:pidf:rpid";
constexpr std::string_view kDraftRpidNsPrefix = "urn:ietf:params:xml:ns:pidf:status:rpid";
constexpr std::string_view kMicrosoftNsPrefix = "http://schemas.microsoft.com/";
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

constexpr int kMaxMicrosoftDepth = 8;
constexpr size_t kMaxMicrosoftVisits = 4096;
constexpr size_t kMaxPersons = 16;

// The RFC 4480 activity elements: draft-RPID <activity> text naming one
// of them is stored as that name, any other text as "other:<text>".
constexpr std::string_view kRpidActivities[] = {
    "appointment",  "away",        "breakfast",         "busy",     "dinner",
    "holiday",      "in-transit",  "looking-for-work",  "meal",     "meeting",
    "on-the-phone", "performance", "permanent-absence", "playing",  "presentation",
    "shopping",     "sleeping",    "spectator",         "steering", "travel",
    "tv",           "unknown",     "vacation",          "working",  "worship",
};

bool startsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

bool isPidf(std::string_view ns) { return ns == kPidfNs || ns == kCpimPidfNs; }
bool isDataModel(std::string_view ns) { return ns == kDataModelNs; }
bool isRpid(std::string_view ns) { return ns == kRpidNs || startsWith(ns, kDraftRpidNsPrefix); }
bool isMicrosoft(std::string_view ns) { return startsWith(ns, kMicrosoftNsPrefix); }

// The namespace declarations in scope at one element: its own, then its
// ancestors' (through `parent`).
class Scope {
 public:
  Scope(const Scope* parent, const pugi::xml_node& node) : parent_(parent) {
    for (const pugi::xml_attribute& attribute : node.attributes()) {
      const std::string_view name = attribute.name();
      if (name == "xmlns") {
        bindings_.emplace_back(std::string_view(), attribute.value());
      } else if (startsWith(name, "xmlns:")) {
        bindings_.emplace_back(name.substr(6), attribute.value());
      }
    }
  }

  // The namespace URI bound to `prefix` ("" for the default namespace);
  // empty when unbound.
  std::string_view resolve(std::string_view prefix) const {
    for (const Scope* scope = this; scope != nullptr; scope = scope->parent_) {
      // The last declaration of a prefix on one element wins, as pugixml
      // keeps duplicates.
      for (auto it = scope->bindings_.rbegin(); it != scope->bindings_.rend(); ++it) {
        if (it->first == prefix) {
          return it->second;
        }
      }
    }
    return prefix == "xml" ? kXmlNs : std::string_view();
  }

 private:
  const Scope* parent_;
  std::vector<std::pair<std::string_view, std::string_view>> bindings_;
};

struct Name {
  std::string_view ns;
  std::string_view local;
};

// `scope` is the element's own scope (its declarations included).
Name nameOf(const pugi::xml_node& node, const Scope& scope) {
  const std::string_view qname = node.name();
  const size_t colon = qname.find(':');
  if (colon == std::string_view::npos) {
    return {scope.resolve({}), qname};
  }
  return {scope.resolve(qname.substr(0, colon)), qname.substr(colon + 1)};
}

// Every string the parser keeps is made of XML 1.0 Chars (a character
// reference such as &#1; is dropped) and trimmed, so that what toPidf writes
// reads back the same.
std::string clean(std::string_view raw) { return std::string(trimXmlSpace(xmlChars(raw))); }

// The element's text: its character data and CDATA children.
std::string textOf(const pugi::xml_node& node) {
  std::string text;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return clean(text);
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

void addUnique(std::vector<std::string>& list, std::string value, size_t max) {
  if (value.empty() || list.size() >= max || std::find(list.begin(), list.end(), value) != list.end()) {
    return;
  }
  list.push_back(std::move(value));
}

// Draft-RPID <activity>text</activity>.
void addActivityText(std::vector<std::string>& activities, std::string_view text) {
  text = trimXmlSpace(text);
  if (text.empty()) {
    return;
  }
  for (const std::string_view known : kRpidActivities) {
    if (equalsIgnoreCase(known, text)) {
      addUnique(activities, std::string(known), kMaxActivities);
      return;
    }
  }
  addUnique(activities, "other:" + std::string(text), kMaxActivities);
}

// The children of an <activities> element (RFC 4480): one empty
// element per activity, <other>text</other>, <note>s (skipped); draft-RPID
// <activity>text</activity>; an element of a foreign namespace (a vendor's
// activity) as "other:<local name>".
void readActivities(const pugi::xml_node& node, const Scope& scope, std::vector<std::string>& activities) {
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const Scope child_scope(&scope, child);
    const Name name = nameOf(child, child_scope);
    if (isRpid(name.ns)) {
      if (name.local == "note") {
        continue;
      }
      if (name.local == "other") {
        const std::string text = textOf(child);
        if (!text.empty()) {
          addUnique(activities, "other:" + text, kMaxActivities);
        }
      } else if (name.local == "activity") {
        addActivityText(activities, textOf(child));
      } else {
        addUnique(activities, clean(name.local), kMaxActivities);
      }
    } else if (!isPidf(name.ns) && !isDataModel(name.ns) && !name.local.empty()) {
      addUnique(activities, "other:" + clean(name.local), kMaxActivities);
    }
  }
}

// RPID elements that may sit in a person, a tuple, a tuple's <status> or a
// device: activities (and the draft <activity>) and user-input. True when
// `name` was one of them.
bool readRpid(const pugi::xml_node& node, const Scope& scope, const Name& name, std::vector<std::string>& activities,
              bool& idle) {
  if (!isRpid(name.ns)) {
    return false;
  }
  if (name.local == "activities") {
    readActivities(node, scope, activities);
    return true;
  }
  if (name.local == "activity") {
    addActivityText(activities, textOf(node));
    return true;
  }
  if (name.local == "user-input") {
    if (equalsIgnoreCase(textOf(node), "idle")) {
      idle = true;
    }
    return true;
  }
  return false;
}

std::optional<double> parsePriority(std::string_view text) {
  text = trimXmlSpace(text);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0 || value > 1) {
    return std::nullopt;
  }
  return value;
}

struct Collected {
  std::vector<std::string> person_activities;
  std::vector<std::string> tuple_activities;  // of open tuples, used when the person has none
  std::vector<std::string> person_notes;
  std::vector<std::string> presence_notes;
  std::optional<int64_t> newest_person_time;
  size_t persons = 0;
};

// One <tuple>; an error line or nullopt.
std::optional<std::string> readTuple(const pugi::xml_node& node, const Scope& scope, size_t index, Tuple& tuple,
                                     PresenceState& state, Collected& collected) {
  tuple.id = clean(node.attribute("id").value());
  if (tuple.id.empty()) {
    return "tuple " + std::to_string(index) + " has no id";
  }
  std::vector<std::string> activities;
  bool idle = false;
  bool have_status = false;
  bool have_contact = false;
  bool have_timestamp = false;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const Scope child_scope(&scope, child);
    const Name name = nameOf(child, child_scope);
    if (isPidf(name.ns)) {
      if (name.local == "status" && !have_status) {
        have_status = true;
        bool have_basic = false;
        for (const pugi::xml_node& item : child.children()) {
          if (item.type() != pugi::node_element) {
            continue;
          }
          const Scope item_scope(&child_scope, item);
          const Name item_name = nameOf(item, item_scope);
          if (isPidf(item_name.ns) && item_name.local == "basic" && !have_basic) {
            have_basic = true;
            const std::string basic = textOf(item);
            if (equalsIgnoreCase(basic, "open")) {
              tuple.open = true;
            } else if (!equalsIgnoreCase(basic, "closed")) {
              return "tuple " + forWarning(tuple.id) + ": basic must be open or closed, got '" + forWarning(basic) +
                     "'";
            }
          } else {
            readRpid(item, item_scope, item_name, activities, idle);
          }
        }
      } else if (name.local == "contact" && !have_contact) {
        have_contact = true;
        tuple.contact = textOf(child);
        if (const pugi::xml_attribute priority = child.attribute("priority"); priority) {
          tuple.priority = parsePriority(priority.value());
        }
      } else if (name.local == "note" && tuple.note.empty()) {
        tuple.note = textOf(child);
      } else if (name.local == "timestamp" && !have_timestamp) {
        have_timestamp = true;
        tuple.timestamp = textOf(child);
      }
    } else {
      readRpid(child, child_scope, name, activities, idle);
    }
  }
  if (tuple.open) {
    for (std::string& activity : activities) {
      addUnique(collected.tuple_activities, std::move(activity), kMaxActivities);
    }
  }
  state.idle = state.idle || idle;
  return std::nullopt;
}

void readPerson(const pugi::xml_node& node, const Scope& scope, PresenceState& state, Collected& collected) {
  if (++collected.persons > kMaxPersons) {
    return;
  }
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const Scope child_scope(&scope, child);
    const Name name = nameOf(child, child_scope);
    if (readRpid(child, child_scope, name, collected.person_activities, state.idle)) {
      continue;
    }
    if ((isDataModel(name.ns) || isPidf(name.ns)) && name.local == "note") {
      addUnique(collected.person_notes, textOf(child), kMaxNotes);
    } else if ((isDataModel(name.ns) || isPidf(name.ns)) && name.local == "timestamp") {
      std::string text = textOf(child);
      const auto time = parseRfc3339(text);
      if (state.person_timestamp.empty() || (time && time > collected.newest_person_time)) {
        state.person_timestamp = std::move(text);
        collected.newest_person_time = time;
      }
    }
  }
}

// A <dm:device>: only its user-input counts (RFC 4480).
void readDevice(const pugi::xml_node& node, const Scope& scope, PresenceState& state) {
  std::vector<std::string> ignored;
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const Scope child_scope(&scope, child);
    const Name name = nameOf(child, child_scope);
    if (isRpid(name.ns) && name.local == "user-input") {
      readRpid(child, child_scope, name, ignored, state.idle);
    }
  }
}

// The first Microsoft extension element "availability" with a number.
void findMicrosoftAvailability(const pugi::xml_node& node, const Scope& scope, int depth, size_t& visits,
                               PresenceState& state) {
  for (const pugi::xml_node& child : node.children()) {
    if (state.ms_availability || visits >= kMaxMicrosoftVisits) {
      return;
    }
    if (child.type() != pugi::node_element) {
      continue;
    }
    ++visits;
    const Scope child_scope(&scope, child);
    const Name name = nameOf(child, child_scope);
    if (isMicrosoft(name.ns) && name.local == "availability") {
      const std::string text = textOf(child);
      int value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size() && value >= 0) {
        state.ms_availability = value;
        return;
      }
    }
    if (depth + 1 < kMaxMicrosoftDepth) {
      findMicrosoftAvailability(child, child_scope, depth + 1, visits, state);
    }
  }
}

std::string sizeLimitText(size_t max_size) {
  if (max_size % 1024 == 0) {
    return "body over " + std::to_string(max_size / 1024) + " KiB";
  }
  return "body over " + std::to_string(max_size) + " bytes";
}

std::string notWellFormed(ptrdiff_t offset, std::string_view what) {
  return "not well-formed XML at offset " + std::to_string(offset) + ": " + std::string(what);
}

}  // namespace

Result<PresenceState, std::string> parsePidf(std::string_view body, size_t max_size) {
  if (body.size() > max_size) {
    return fail(sizeLimitText(max_size));
  }
  pugi::xml_document document;
  // parse_doctype keeps a DOCTYPE as a node, so that it is refused below
  // (pugixml never expands entities other than the five predefined ones);
  // parse_fragment keeps text outside the root element, which pugixml
  // otherwise drops silently, so that it is refused as not well-formed.
  const pugi::xml_parse_result parsed =
      document.load_buffer(body.empty() ? "" : body.data(), body.size(),
                           pugi::parse_default | pugi::parse_doctype | pugi::parse_fragment, pugi::encoding_auto);
  if (parsed.status == pugi::status_bad_doctype) {
    return fail(std::string("DTD not allowed"));
  }
  if (!parsed) {
    return fail(notWellFormed(parsed.offset, parsed.description()));
  }
  pugi::xml_node root;
  for (const pugi::xml_node& node : document.children()) {
    switch (node.type()) {
      case pugi::node_doctype:
        return fail(std::string("DTD not allowed"));
      case pugi::node_element:
        if (root) {
          // offset_debug() is the element's name; its '<' is one before.
          return fail(notWellFormed(node.offset_debug() - 1, "more than one root element"));
        }
        root = node;
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        return fail(notWellFormed(node.offset_debug(), "text outside the root element"));
      default:
        break;
    }
  }
  if (!root) {
    return fail(notWellFormed(0, "no root element"));
  }
  const Scope root_scope(nullptr, root);
  const Name root_name = nameOf(root, root_scope);
  if (!isPidf(root_name.ns) || root_name.local != "presence") {
    return fail(std::string("root element is not <presence> in urn:ietf:params:xml:ns:pidf"));
  }

  PresenceState state;
  state.entity = clean(root.attribute("entity").value());
  if (state.entity.empty()) {
    return fail(std::string("presence has no entity attribute"));
  }
  Collected collected;
  for (const pugi::xml_node& child : root.children()) {
    if (child.type() != pugi::node_element) {
      continue;
    }
    const Scope scope(&root_scope, child);
    const Name name = nameOf(child, scope);
    if (isPidf(name.ns) && name.local == "tuple") {
      if (state.tuples.size() == kMaxTuples) {
        return fail("too many tuples (over " + std::to_string(kMaxTuples) + ")");
      }
      Tuple tuple;
      if (auto error = readTuple(child, scope, state.tuples.size() + 1, tuple, state, collected)) {
        return fail(std::move(*error));
      }
      state.tuples.push_back(std::move(tuple));
    } else if (isPidf(name.ns) && name.local == "note") {
      addUnique(collected.presence_notes, textOf(child), kMaxNotes);
    } else if (isDataModel(name.ns) && name.local == "person") {
      readPerson(child, scope, state, collected);
    } else if (isDataModel(name.ns) && name.local == "device") {
      readDevice(child, scope, state);
    } else {
      // RPID directly under <presence> (some clients): read as the person's.
      readRpid(child, scope, name, collected.person_activities, state.idle);
    }
  }
  size_t visits = 0;
  findMicrosoftAvailability(root, root_scope, 0, visits, state);

  state.activities =
      collected.person_activities.empty() ? collected.tuple_activities : std::move(collected.person_activities);
  state.notes = std::move(collected.person_notes);
  for (std::string& note : collected.presence_notes) {
    addUnique(state.notes, std::move(note), kMaxNotes);
  }
  state.availability = normalize(state);
  std::vector<RankedTuple> ranked;
  for (const Tuple& tuple : state.tuples) {
    ranked.push_back(rankTuple(tuple, state.availability, ranked.size()));
  }
  sortMostAvailableFirst(ranked);
  state.note = noteToShow(state.notes, ranked);
  return state;
}

}  // namespace tandem::presence
