#pragma once

// The presence document model (docs/presence.md): PIDF (RFC 3863) with RPID
// (RFC 4480) and the RFC 4479 data model, read tolerantly, normalized to one
// Availability (federation.md §3.2), composed across a presentity's
// publications, and written back for NOTIFY. Pure code: no I/O, no
// exceptions across the API, safe on any bytes (fuzzed: fuzz/pidf_fuzz.cc).
//
// Normalization (normalize(), federation.md §3.2; the same table is in
// docs/presence.md), first rule that applies:
//
//   1. ms_availability (a Microsoft aggregate, OCS 2007+ ranges):
//        0–2999        no information: ignored, the rules below decide
//        3000–4499     Available
//        4500–5999     Away           (Available-Idle; shown as inactive)
//        6000–8999     Busy           (Busy, Busy-Idle)
//        9000–11999    DoNotDisturb
//        12000–14999   BeRightBack
//        15000–17999   Away
//        ≥ 18000       Offline
//      An RPID activity of the same class refines it: Busy → InAMeeting or
//      OnThePhone, Away → OutOfOffice (OCS/Lync clients publish plain Away
//      as 15500, so the number alone cannot say "out of office").
//   2. No open tuple → Offline.
//   3. RPID activities (person element; draft-RPID <activity> text and
//      activities of open tuples are read too when the person has none),
//      most specific first (RFC 4480 element names; the others are "other:"):
//        do-not-disturb, dnd, presentation                       → DoNotDisturb
//        vacation, holiday, permanent-absence, out-of-office,
//          ooo, oof, off-work                                    → OutOfOffice
//        on-the-phone, in-a-call, on-a-call                      → OnThePhone
//        meeting, appointment, in-a-meeting, in-a-conference     → InAMeeting
//        busy                                                    → Busy
//        be-right-back, brb                                      → BeRightBack
//        away, meal, breakfast, dinner, sleeping, lunch,
//          inactive, idle, extended-away, xa                     → Away
//      Names are matched case-insensitively with spaces and underscores
//      read as hyphens ("other:Be Right Back" is BeRightBack). Unknown
//      activities (unknown, working, "other:lunch with Tom", ...) are kept
//      in `activities` but map to nothing.
//   4. Idle (<rpid:user-input>idle</rpid:user-input>) with no mapped
//      activity → Away.
//   5. Otherwise Available.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tandem::presence {

// What a watcher is shown. The order is not a ranking: see availabilityRank().
enum class Availability : uint8_t {
  Available,
  Away,
  BeRightBack,
  Busy,
  DoNotDisturb,
  InAMeeting,
  OnThePhone,
  OutOfOffice,
  Offline
};

// "available", "away", "be-right-back", "busy", "do-not-disturb",
// "in-a-meeting", "on-the-phone", "out-of-office", "offline".
std::string_view availabilityName(Availability a);
// The inverse of availabilityName (exact, lower case); nullopt otherwise.
std::optional<Availability> availabilityFromName(std::string_view name);

// How reachable a state is, lower is more available: Microsoft's aggregate
// order (federation.md §3.2: Available < Busy < DND < BRB < Away < Offline),
// with on-the-phone and in-a-meeting after busy and out-of-office after away.
// Used to put the most available tuple first.
int availabilityRank(Availability a);

// The OCS 2007+ aggregate availability ranges of federation.md §3.2 (the
// table above); nullopt for 0–2999 and negative values (no information).
std::optional<Availability> availabilityFromMicrosoft(int value);

// One <tuple> (RFC 3863): a service of the presentity.
struct Tuple {
  std::string id;
  bool open = false;               // <status><basic>
  std::string contact;             // <contact>, may be empty
  std::optional<double> priority;  // contact priority attribute
  std::string note;                // first <note> of the tuple
  std::string timestamp;           // <timestamp>, as written (RFC 3339)
};

struct PresenceState {
  std::string entity;  // <presence entity="...">
  std::vector<Tuple> tuples;
  std::vector<std::string> activities;  // RPID (RFC 4480) activity names of the person element, e.g. "away", "busy",
                                        // "meeting", "on-the-phone", "vacation", "appointment", "other:<text>"
  std::vector<std::string> notes;       // person notes (RFC 4479 <dm:person><dm:note>) and presence-level <note>s
  bool idle = false;                    // <rpid:user-input>idle</rpid:user-input>
  std::optional<int> ms_availability;   // Microsoft aggregate availability (federation.md §3.2), when a Microsoft
                                        // extension element carries it
  std::string person_timestamp;         // newest person-level timestamp
  Availability availability = Availability::Offline;  // normalize() of the above
  std::string note;  // the note to show: first person note, else the first tuple note of the
                     // most available tuple
};

// Bounds on what one document may carry (hostile input stays small).
inline constexpr size_t kDefaultMaxPidfSize = size_t{64} * 1024;
inline constexpr size_t kMaxTuples = 64;      // more is an error
inline constexpr size_t kMaxActivities = 16;  // more are ignored
inline constexpr size_t kMaxNotes = 16;       // more are ignored

// Parses an application/pidf+xml or application/cpim-pidf+xml body (RFC
// 3863; both types carry the same document) with RPID (RFC 4480) and the
// RFC 4479 data model, and computes `availability` (normalize()) and `note`.
//
// Tolerated: any prefixes (elements are matched by namespace URI and local
// name), unknown elements and namespaces anywhere (skipped), the
// pre-RFC namespace urn:ietf:params:xml:ns:cpim-pidf, draft-RPID forms
// (<activities><activity>busy</activity></activities>, activities inside a
// tuple's <status>), a missing <basic> (closed), <basic> in any case,
// priorities out of range (dropped), and Microsoft extension elements: an
// element named "availability" in a namespace under
// http://schemas.microsoft.com/ whose text is a number gives
// ms_availability (the first one in document order).
//
// Refused, with one line fit for a SIP Warning header:
//   "body over 64 KiB" (max_size), "DTD not allowed" (any DOCTYPE: no entity
//   can expand), "not well-formed XML at offset N: ...", "root element is
//   not <presence> in urn:ietf:params:xml:ns:pidf", "presence has no entity
//   attribute", "too many tuples (over 64)", "tuple 3 has no id",
//   "tuple t1: basic must be open or closed, got 'maybe'".
Result<PresenceState, std::string> parsePidf(std::string_view body, size_t max_size = kDefaultMaxPidfSize);

// The normalization table above.
Availability normalize(const PresenceState& state);

// Composition (in the manner of RFC 4479; docs/presence.md): several publications
// (devices) of one presentity become one document.
//   - tuples: all of them, the most available open tuple first: ordered by
//     the availability rank of their publication (a closed tuple ranks as
//     Offline), then priority (higher first, none last), then timestamp
//     (newest first, none last), then input order; at most kMaxTuples.
//   - person data (activities, idle, ms_availability, person_timestamp):
//     from the publication with the newest person timestamp (ties, and
//     publications without one, go to the later in the span).
//   - notes: every publication's, deduplicated, that publication's first.
//   - entity: the argument; availability: normalize() of the result; note:
//     the first note of that publication, else the note of the first tuple
//     (in the order above) that has one.
PresenceState compose(std::string_view entity, std::span<const PresenceState> publications);

// What Tandem sends in NOTIFY: PIDF (RFC 3863) + RPID (RFC 4480) + an RFC
// 4479 person element, well-formed UTF-8, every text and attribute escaped
// (& < > " ' and line ends) and stripped of characters XML 1.0 forbids.
// Written from `state.availability` (call normalize() after changing the
// inputs): the RPID activity is chosen so that a peer's mapping table
// (federation.md §3.2: IM&P maps RPID) shows that state:
//   Available → open, no activity      Away → <away/>
//   BeRightBack → <away/> + <other>be-right-back</other> (no <note>)
//   Busy → <busy/>                     DoNotDisturb → <busy/> + <other>do-not-disturb</other>
//                                      (IM&P shows Microsoft DND as Busy)
//   InAMeeting → <meeting/>            OnThePhone → <on-the-phone/>
//   OutOfOffice → <vacation/>          Offline → every tuple closed, no activity
// One tuple per input tuple (ids that are not XML NCNames, or repeat, are
// replaced by t<N>); with no tuple, one tuple, closed when Offline. A state
// other than Offline with no open tuple gets its first tuple open (a peer
// reads all-closed as offline). The person element carries `note` (as
// <dm:note>), idle (<rpid:user-input>idle</rpid:user-input>, not when
// Available) and person_timestamp; the other `notes` become presence-level
// <note>s. Priorities and timestamps are written only when valid.
// The document is the same for application/pidf+xml and
// application/cpim-pidf+xml: RFC 3863 gives both types the one namespace
// urn:ietf:params:xml:ns:pidf; only the Content-Type header differs.
std::string toPidf(const PresenceState& state);

// A presentity with no publication, or a watcher that is politely blocked
// (RFC 3856, federation.md §3.1): one closed tuple, no note, Offline.
PresenceState offline(std::string_view entity);

}  // namespace tandem::presence
