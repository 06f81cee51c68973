// compose(): several publications (devices) of one presentity → one state.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "presence/pidf.h"

namespace tandem::presence {
namespace {

Tuple tuple(std::string id, bool open, std::optional<double> priority = std::nullopt, std::string timestamp = "",
            std::string note = "") {
  Tuple t;
  t.id = std::move(id);
  t.open = open;
  t.contact = "sip:" + t.id + "@192.0.2.1";
  t.priority = priority;
  t.timestamp = std::move(timestamp);
  t.note = std::move(note);
  return t;
}

PresenceState publication(std::vector<Tuple> tuples, std::vector<std::string> activities = {},
                          std::string person_timestamp = "", std::vector<std::string> notes = {}) {
  PresenceState state;
  state.entity = "sip:device@example.com";  // what a device claimed; compose uses its argument
  state.tuples = std::move(tuples);
  state.activities = std::move(activities);
  state.person_timestamp = std::move(person_timestamp);
  state.notes = std::move(notes);
  state.availability = normalize(state);
  return state;
}

std::vector<std::string> ids(const PresenceState& state) {
  std::vector<std::string> out;
  for (const Tuple& t : state.tuples) {
    out.push_back(t.id);
  }
  return out;
}

TEST(PresenceComposeTest, NoPublicationIsOffline) {
  const PresenceState state = compose("sip:bob@example.com", {});
  EXPECT_EQ(state.entity, "sip:bob@example.com");
  ASSERT_EQ(state.tuples.size(), 1u);
  EXPECT_FALSE(state.tuples[0].open);
  EXPECT_EQ(state.availability, Availability::Offline);
  EXPECT_TRUE(state.note.empty());
}

TEST(PresenceComposeTest, PcIdleAndPhoneOnACall) {
  PresenceState pc =
      publication({tuple("pc", true, 0.5, "2024-05-01T08:00:00Z", "typing away")}, {}, "2024-05-01T08:00:00Z");
  pc.idle = true;
  pc.availability = normalize(pc);
  ASSERT_EQ(pc.availability, Availability::Away);
  const PresenceState phone =
      publication({tuple("phone", true, 0.5, "2024-05-01T09:00:00Z")}, {"on-the-phone"}, "2024-05-01T09:00:00Z");
  const std::vector<PresenceState> publications = {pc, phone};
  const PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.entity, "sip:bob@example.com");
  EXPECT_EQ(ids(state), (std::vector<std::string>{"phone", "pc"}));  // OnThePhone ranks before Away
  EXPECT_EQ(state.activities, std::vector<std::string>{"on-the-phone"});
  EXPECT_FALSE(state.idle);  // the phone's person data is the newer
  EXPECT_EQ(state.person_timestamp, "2024-05-01T09:00:00Z");
  EXPECT_EQ(state.availability, Availability::OnThePhone);
  EXPECT_EQ(state.note, "typing away");  // no person note: the first tuple with a note
}

TEST(PresenceComposeTest, OrderIsRankThenPriorityThenNewestThenInput) {
  const PresenceState a = publication({
      tuple("closed-high", false, 1.0, "2024-05-01T12:00:00Z"),
      tuple("open-none", true),
      tuple("open-low", true, 0.2),
      tuple("open-high-old", true, 0.9, "2024-05-01T10:00:00+02:00"),  // 08:00Z
      tuple("open-high-new", true, 0.9, "2024-05-01T09:30:00Z"),
      tuple("open-high-bad-time", true, 0.9, "soon"),
      tuple("open-none-2", true),
  });
  const std::vector<PresenceState> publications = {a};
  const PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(ids(state), (std::vector<std::string>{"open-high-new", "open-high-old", "open-high-bad-time", "open-low",
                                                  "open-none", "open-none-2", "closed-high"}));
}

TEST(PresenceComposeTest, MostAvailablePublicationFirst) {
  const PresenceState busy = publication({tuple("desk", true, 1.0)}, {"busy"}, "2024-05-01T09:00:00Z");
  const PresenceState available = publication({tuple("laptop", true, 0.1)}, {}, "2024-05-01T08:00:00Z");
  const PresenceState off = publication({tuple("mobile", false, 1.0)});
  const std::vector<PresenceState> publications = {off, busy, available};
  const PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(ids(state), (std::vector<std::string>{"laptop", "desk", "mobile"}));
  // Person data is the newest person's (busy), whatever the tuple order.
  EXPECT_EQ(state.availability, Availability::Busy);
}

TEST(PresenceComposeTest, PersonDataTiesGoToTheLaterPublication) {
  PresenceState first = publication({tuple("a", true)}, {"away"}, "2024-05-01T09:00:00Z", {"first note"});
  first.ms_availability = 15500;
  PresenceState second = publication({tuple("b", true)}, {"busy"}, "2024-05-01T11:00:00+02:00", {"second note"});
  std::vector<PresenceState> publications = {first, second};  // the same instant
  PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.activities, std::vector<std::string>{"busy"});
  EXPECT_FALSE(state.ms_availability.has_value());
  EXPECT_EQ(state.availability, Availability::Busy);
  EXPECT_EQ(state.note, "second note");
  EXPECT_EQ(state.notes, (std::vector<std::string>{"second note", "first note"}));

  // No person timestamps at all: the last publication.
  first.person_timestamp.clear();
  second.person_timestamp.clear();
  publications = {second, first};
  state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.activities, std::vector<std::string>{"away"});
  EXPECT_EQ(state.ms_availability, 15500);
  EXPECT_EQ(state.availability, Availability::Away);

  // A timestamp beats none, wherever it is.
  second.person_timestamp = "2020-01-01T00:00:00Z";
  publications = {second, first};
  state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.activities, std::vector<std::string>{"busy"});
}

TEST(PresenceComposeTest, NotesAreKeptOnceEach) {
  const PresenceState a = publication({tuple("a", true)}, {}, "2024-05-01T09:00:00Z", {"in Tokyo", "call me"});
  const PresenceState b = publication({tuple("b", true)}, {}, "2024-05-01T10:00:00Z", {"call me", "back at 3"});
  const std::vector<PresenceState> publications = {a, b};
  const PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.notes, (std::vector<std::string>{"call me", "back at 3", "in Tokyo"}));
  EXPECT_EQ(state.note, "call me");
}

TEST(PresenceComposeTest, AllClosedIsOffline) {
  const PresenceState a = publication({tuple("a", false)}, {"busy"}, "2024-05-01T09:00:00Z");
  const PresenceState b = publication({tuple("b", false)});
  const std::vector<PresenceState> publications = {a, b};
  const PresenceState state = compose("sip:bob@example.com", publications);
  EXPECT_EQ(state.tuples.size(), 2u);
  EXPECT_EQ(state.availability, Availability::Offline);
}

TEST(PresenceComposeTest, AtMostMaxTuplesTheMostAvailableKept) {
  std::vector<Tuple> closed;
  std::vector<Tuple> open;
  for (size_t i = 0; i < kMaxTuples; ++i) {
    closed.push_back(tuple("c" + std::to_string(i), false));
    open.push_back(tuple("o" + std::to_string(i), true));
  }
  const std::vector<PresenceState> publications = {publication(closed), publication(open)};
  const PresenceState state = compose("sip:bob@example.com", publications);
  ASSERT_EQ(state.tuples.size(), kMaxTuples);
  for (const Tuple& t : state.tuples) {
    EXPECT_TRUE(t.open) << t.id;
  }
}

TEST(PresenceComposeTest, ComposedStateWritesAndReadsBack) {
  PresenceState pc = publication({tuple("pc", true, 0.8, "2024-05-01T08:00:00Z")}, {"meeting"}, "2024-05-01T10:00:00Z",
                                 {"in the big room"});
  const PresenceState phone = publication({tuple("phone", false)}, {}, "2024-05-01T08:00:00Z");
  const std::vector<PresenceState> publications = {pc, phone};
  const PresenceState state = compose("sip:bob@example.com", publications);
  auto again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->entity, "sip:bob@example.com");
  EXPECT_EQ(again->availability, Availability::InAMeeting);
  EXPECT_EQ(again->note, "in the big room");
  EXPECT_EQ(again->tuples.size(), 2u);
}

}  // namespace
}  // namespace tandem::presence
