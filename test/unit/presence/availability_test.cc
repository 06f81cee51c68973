// The normalization table of pidf.h / docs/presence.md (federation.md §3.2).

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "presence/pidf.h"

namespace tandem::presence {
namespace {

constexpr std::array<Availability, 9> kAll = {
    Availability::Available,  Availability::Away,         Availability::BeRightBack,
    Availability::Busy,       Availability::DoNotDisturb, Availability::InAMeeting,
    Availability::OnThePhone, Availability::OutOfOffice,  Availability::Offline,
};

PresenceState openWith(std::vector<std::string> activities, bool idle = false) {
  PresenceState state;
  state.entity = "sip:a@example.com";
  Tuple tuple;
  tuple.id = "t1";
  tuple.open = true;
  state.tuples.push_back(tuple);
  state.activities = std::move(activities);
  state.idle = idle;
  return state;
}

TEST(PresenceAvailabilityTest, NamesRoundTrip) {
  const std::array<std::string_view, 9> names = {"available",    "away",           "be-right-back",
                                                 "busy",         "do-not-disturb", "in-a-meeting",
                                                 "on-the-phone", "out-of-office",  "offline"};
  for (size_t i = 0; i < kAll.size(); ++i) {
    EXPECT_EQ(availabilityName(kAll[i]), names[i]);
    EXPECT_EQ(availabilityFromName(names[i]), kAll[i]);
  }
  EXPECT_FALSE(availabilityFromName("Available").has_value());
  EXPECT_FALSE(availabilityFromName("dnd").has_value());
  EXPECT_FALSE(availabilityFromName("").has_value());
}

TEST(PresenceAvailabilityTest, RankFollowsMicrosoftsAggregateOrder) {
  const std::array<Availability, 9> order = {
      Availability::Available,  Availability::Busy,         Availability::OnThePhone,
      Availability::InAMeeting, Availability::DoNotDisturb, Availability::BeRightBack,
      Availability::Away,       Availability::OutOfOffice,  Availability::Offline,
  };
  for (size_t i = 1; i < order.size(); ++i) {
    EXPECT_LT(availabilityRank(order[i - 1]), availabilityRank(order[i])) << availabilityName(order[i]);
  }
}

TEST(PresenceAvailabilityTest, EachStateFromRpid) {
  struct Case {
    std::vector<std::string> activities;
    Availability expected;
  };
  const Case cases[] = {
      {{}, Availability::Available},
      {{"unknown"}, Availability::Available},
      {{"working", "other:lunch with Tom"}, Availability::Available},
      {{"away"}, Availability::Away},
      {{"sleeping"}, Availability::Away},
      {{"other:be-right-back"}, Availability::BeRightBack},
      {{"other:BRB"}, Availability::BeRightBack},
      {{"other:Be Right Back"}, Availability::BeRightBack},
      {{"away", "other:be-right-back"}, Availability::BeRightBack},  // what toPidf writes
      {{"busy"}, Availability::Busy},
      {{"other:dnd"}, Availability::DoNotDisturb},
      {{"other:do-not-disturb"}, Availability::DoNotDisturb},
      {{"busy", "other:do-not-disturb"}, Availability::DoNotDisturb},  // what toPidf writes
      {{"presentation"}, Availability::DoNotDisturb},
      {{"meeting"}, Availability::InAMeeting},
      {{"appointment"}, Availability::InAMeeting},
      {{"busy", "meeting"}, Availability::InAMeeting},
      {{"on-the-phone"}, Availability::OnThePhone},
      {{"meeting", "on-the-phone"}, Availability::OnThePhone},
      {{"vacation"}, Availability::OutOfOffice},
      {{"holiday"}, Availability::OutOfOffice},
      {{"other:Out of Office"}, Availability::OutOfOffice},
      {{"other:out_of_office"}, Availability::OutOfOffice},
  };
  for (const Case& c : cases) {
    std::string label;
    for (const std::string& a : c.activities) {
      label += a + ",";
    }
    EXPECT_EQ(normalize(openWith(c.activities)), c.expected) << label;
  }
}

TEST(PresenceAvailabilityTest, NoOpenTupleIsOffline) {
  PresenceState state = openWith({"busy"});
  state.tuples[0].open = false;
  EXPECT_EQ(normalize(state), Availability::Offline);
  state.tuples.clear();
  EXPECT_EQ(normalize(state), Availability::Offline);
  state.idle = true;
  EXPECT_EQ(normalize(state), Availability::Offline);
}

TEST(PresenceAvailabilityTest, IdleWithoutAnActivityIsAway) {
  EXPECT_EQ(normalize(openWith({}, true)), Availability::Away);
  EXPECT_EQ(normalize(openWith({"unknown"}, true)), Availability::Away);
  EXPECT_EQ(normalize(openWith({"busy"}, true)), Availability::Busy);
  EXPECT_EQ(normalize(openWith({"other:brb"}, true)), Availability::BeRightBack);
}

TEST(PresenceAvailabilityTest, MicrosoftRanges) {
  struct Case {
    int value;
    std::optional<Availability> expected;
  };
  const Case cases[] = {
      {-1, std::nullopt},
      {0, std::nullopt},
      {2999, std::nullopt},
      {3000, Availability::Available},
      {3500, Availability::Available},
      {4499, Availability::Available},
      {4500, Availability::Away},
      {5999, Availability::Away},
      {6000, Availability::Busy},
      {6500, Availability::Busy},
      {7500, Availability::Busy},
      {8999, Availability::Busy},
      {9000, Availability::DoNotDisturb},
      {9500, Availability::DoNotDisturb},
      {11999, Availability::DoNotDisturb},
      {12000, Availability::BeRightBack},
      {12500, Availability::BeRightBack},
      {14999, Availability::BeRightBack},
      {15000, Availability::Away},
      {15500, Availability::Away},
      {17999, Availability::Away},
      {18000, Availability::Offline},
      {18500, Availability::Offline},
      {1000000, Availability::Offline},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(availabilityFromMicrosoft(c.value), c.expected) << c.value;
  }
}

TEST(PresenceAvailabilityTest, MicrosoftAggregateWinsAndIsRefinedWithinItsClass) {
  PresenceState state = openWith({});
  state.tuples[0].open = false;
  state.ms_availability = 3500;
  EXPECT_EQ(normalize(state), Availability::Available);  // despite no open tuple
  state = openWith({"away"});
  state.ms_availability = 6500;
  EXPECT_EQ(normalize(state), Availability::Busy);  // another class: the aggregate
  state.activities = {"on-the-phone"};
  EXPECT_EQ(normalize(state), Availability::OnThePhone);
  state.activities = {"appointment"};
  EXPECT_EQ(normalize(state), Availability::InAMeeting);
  state.ms_availability = 15500;
  state.activities = {"vacation"};
  EXPECT_EQ(normalize(state), Availability::OutOfOffice);
  state.activities = {};
  EXPECT_EQ(normalize(state), Availability::Away);
  state.ms_availability = 18500;
  EXPECT_EQ(normalize(state), Availability::Offline);  // despite an open tuple
  state.ms_availability = 0;                           // no information: PIDF decides
  EXPECT_EQ(normalize(state), Availability::Available);
}

TEST(PresenceAvailabilityTest, OfflineDocument) {
  const PresenceState state = offline("sip:bob@example.com");
  EXPECT_EQ(state.entity, "sip:bob@example.com");
  ASSERT_EQ(state.tuples.size(), 1u);
  EXPECT_FALSE(state.tuples[0].open);
  EXPECT_TRUE(state.note.empty());
  EXPECT_TRUE(state.notes.empty());
  EXPECT_TRUE(state.activities.empty());
  EXPECT_EQ(state.availability, Availability::Offline);
  EXPECT_EQ(normalize(state), Availability::Offline);
}

}  // namespace
}  // namespace tandem::presence
