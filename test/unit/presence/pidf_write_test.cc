// toPidf(): what Tandem sends in NOTIFY.

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "presence/pidf.h"

namespace tandem::presence {
namespace {

constexpr std::array<Availability, 9> kAll = {
    Availability::Available,  Availability::Away,         Availability::BeRightBack,
    Availability::Busy,       Availability::DoNotDisturb, Availability::InAMeeting,
    Availability::OnThePhone, Availability::OutOfOffice,  Availability::Offline,
};

PresenceState sample(Availability availability) {
  PresenceState state;
  state.entity = "sip:alice@example.com";
  Tuple desk;
  desk.id = "desk";
  desk.open = true;
  desk.contact = "sip:alice@192.0.2.10:5060;transport=tcp";
  desk.priority = 0.8;
  desk.timestamp = "2024-05-01T09:00:00Z";
  Tuple mobile;
  mobile.id = "mobile";
  mobile.open = false;
  mobile.contact = "sip:alice@192.0.2.11";
  state.tuples = {desk, mobile};
  state.availability = availability;
  return state;
}

// The document parsed by pugixml (well-formed) and the root element.
pugi::xml_node wellFormedRoot(pugi::xml_document& document, const std::string& text) {
  const pugi::xml_parse_result result = document.load_string(text.c_str());
  EXPECT_TRUE(result) << result.description() << "\n" << text;
  return document.document_element();
}

TEST(PidfWriteTest, EveryAvailabilityReadsBackTheSame) {
  for (const Availability availability : kAll) {
    const std::string text = toPidf(sample(availability));
    pugi::xml_document document;
    const pugi::xml_node root = wellFormedRoot(document, text);
    EXPECT_STREQ(root.name(), "presence");
    EXPECT_STREQ(root.attribute("xmlns").value(), "urn:ietf:params:xml:ns:pidf");
    auto again = parsePidf(text);
    ASSERT_TRUE(again.ok()) << again.error() << "\n" << text;
    EXPECT_EQ(again->availability, availability) << availabilityName(availability) << "\n" << text;
    EXPECT_EQ(again->entity, "sip:alice@example.com");
    ASSERT_EQ(again->tuples.size(), 2u);
    EXPECT_EQ(again->tuples[0].open, availability != Availability::Offline);
    EXPECT_FALSE(again->tuples[1].open);
  }
}

TEST(PidfWriteTest, TheRpidAPeerMapsFromEachState) {
  struct Case {
    Availability availability;
    std::vector<std::string> activities;
  };
  const Case cases[] = {
      {Availability::Available, {}},
      {Availability::Away, {"away"}},
      {Availability::BeRightBack, {"away", "other:be-right-back"}},
      {Availability::Busy, {"busy"}},
      {Availability::DoNotDisturb, {"busy", "other:do-not-disturb"}},
      {Availability::InAMeeting, {"meeting"}},
      {Availability::OnThePhone, {"on-the-phone"}},
      {Availability::OutOfOffice, {"vacation"}},
      {Availability::Offline, {}},
  };
  for (const Case& c : cases) {
    auto again = parsePidf(toPidf(sample(c.availability)));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->activities, c.activities) << availabilityName(c.availability);
  }
  // "note-less" <rpid:other>: the be-right-back marker carries no <rpid:note>.
  const std::string brb = toPidf(sample(Availability::BeRightBack));
  EXPECT_NE(brb.find("<rpid:activities><rpid:away/><rpid:other>be-right-back</rpid:other></rpid:activities>"),
            std::string::npos)
      << brb;
  EXPECT_EQ(brb.find("rpid:note"), std::string::npos);
}

TEST(PidfWriteTest, TheDocumentItself) {
  PresenceState state = sample(Availability::Busy);
  state.note = "Back at 3";
  state.notes = {"Back at 3", "In Tokyo next week"};
  state.person_timestamp = "2024-05-01T09:05:00Z";
  EXPECT_EQ(toPidf(state),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
            "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:alice@example.com\">\n"
            "  <tuple id=\"desk\">\n"
            "    <status><basic>open</basic></status>\n"
            "    <contact priority=\"0.8\">sip:alice@192.0.2.10:5060;transport=tcp</contact>\n"
            "    <timestamp>2024-05-01T09:00:00Z</timestamp>\n"
            "  </tuple>\n"
            "  <tuple id=\"mobile\">\n"
            "    <status><basic>closed</basic></status>\n"
            "    <contact>sip:alice@192.0.2.11</contact>\n"
            "  </tuple>\n"
            "  <note>In Tokyo next week</note>\n"
            "  <dm:person id=\"p\">\n"
            "    <rpid:activities><rpid:busy/></rpid:activities>\n"
            "    <dm:note>Back at 3</dm:note>\n"
            "    <dm:timestamp>2024-05-01T09:05:00Z</dm:timestamp>\n"
            "  </dm:person>\n"
            "</presence>\n");
  auto again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->note, "Back at 3");
  EXPECT_EQ(again->notes, state.notes);
  EXPECT_EQ(again->person_timestamp, state.person_timestamp);
  EXPECT_EQ(again->tuples[0].timestamp, "2024-05-01T09:00:00Z");
  EXPECT_DOUBLE_EQ(again->tuples[0].priority.value_or(-1), 0.8);
}

TEST(PidfWriteTest, NotesAreEscaped) {
  PresenceState state = sample(Availability::Away);
  state.entity = "sip:o'brien@example.com;x=\"<&>\"";
  state.note = "<b>Tom & Jerry</b> say \"hi\" & 'bye' ]]> <!-- -->";
  state.notes = {state.note, "a\tb\r\nc"};
  state.tuples[0].note = "5 > 3 && 2 < 4";
  state.tuples[0].contact = "sip:alice@example.com?subject=a&b=<c>";
  const std::string text = toPidf(state);
  EXPECT_EQ(text.find("Tom & Jerry"), std::string::npos);
  EXPECT_NE(text.find("&lt;b&gt;Tom &amp; Jerry&lt;/b&gt; say &quot;hi&quot; &amp; &apos;bye&apos; ]]&gt;"),
            std::string::npos)
      << text;
  pugi::xml_document document;
  const pugi::xml_node root = wellFormedRoot(document, text);
  EXPECT_STREQ(root.attribute("entity").value(), "sip:o'brien@example.com;x=\"<&>\"");
  auto again = parsePidf(text);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->entity, state.entity);
  EXPECT_EQ(again->note, state.note);
  EXPECT_EQ(again->notes, state.notes);  // the CR survives as &#13;
  EXPECT_EQ(again->tuples[0].note, "5 > 3 && 2 < 4");
  EXPECT_EQ(again->tuples[0].contact, "sip:alice@example.com?subject=a&b=<c>");
}

TEST(PidfWriteTest, OnlyXmlCharactersAreWritten) {
  PresenceState state = sample(Availability::Available);
  state.note =
      std::string("bell\x07, nul") + std::string(1, '\0') + ", bad \xFF\xC0\x80 utf-8, \xEF\xBF\xBE, ok \xE2\x9C\x93";
  const std::string text = toPidf(state);
  pugi::xml_document document;
  wellFormedRoot(document, text);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find("&#"), std::string::npos);
  auto again = parsePidf(text);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->note, "bell, nul, bad \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD utf-8, , ok \xE2\x9C\x93");
}

TEST(PidfWriteTest, TupleIdsAreValidAndUnique) {
  PresenceState state = sample(Availability::Available);
  state.tuples[0].id = "p";       // would collide with the person's id
  state.tuples[1].id = "1 bad";   // not an NCName
  Tuple third = state.tuples[0];  // duplicate "p"
  Tuple fourth = state.tuples[0];
  fourth.id = "t2";  // the name the second would get
  state.tuples.push_back(third);
  state.tuples.push_back(fourth);
  state.note = "x";  // so the person element is written
  const std::string text = toPidf(state);
  pugi::xml_document document;
  const pugi::xml_node root = wellFormedRoot(document, text);
  std::vector<std::string> ids;
  for (const pugi::xml_node& node : root.children()) {
    if (const pugi::xml_attribute id = node.attribute("id"); id) {
      ids.emplace_back(id.value());
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"p", "t2", "t3", "t4", "p1"})) << text;
}

TEST(PidfWriteTest, WithoutTuples) {
  PresenceState state;
  state.entity = "sip:carol@example.com";
  state.availability = Availability::Offline;
  auto again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->tuples.size(), 1u);
  EXPECT_FALSE(again->tuples[0].open);
  EXPECT_EQ(again->availability, Availability::Offline);
  // Not offline: the one tuple is open, or a peer would show offline.
  state.availability = Availability::Busy;
  again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->tuples.size(), 1u);
  EXPECT_TRUE(again->tuples[0].open);
  EXPECT_EQ(again->availability, Availability::Busy);
  // All tuples closed but the state is not offline (a Microsoft aggregate
  // said so): the first tuple goes out open.
  state = sample(Availability::Available);
  state.tuples[0].open = false;
  again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->tuples[0].open);
  EXPECT_EQ(again->availability, Availability::Available);
}

TEST(PidfWriteTest, OfflineForPoliteBlocking) {
  const std::string text = toPidf(offline("sip:bob@example.com"));
  EXPECT_EQ(text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
            "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"sip:bob@example.com\">\n"
            "  <tuple id=\"offline\">\n"
            "    <status><basic>closed</basic></status>\n"
            "  </tuple>\n"
            "</presence>\n");
  auto again = parsePidf(text);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->availability, Availability::Offline);
  EXPECT_TRUE(again->note.empty());
}

TEST(PidfWriteTest, OfflineClosesEveryTuple) {
  PresenceState state = sample(Availability::Offline);
  state.tuples[1].open = true;
  const std::string text = toPidf(state);
  EXPECT_EQ(text.find("<basic>open</basic>"), std::string::npos) << text;
}

TEST(PidfWriteTest, PrioritiesAndTimestampsOnlyWhenValid) {
  PresenceState state = sample(Availability::Available);
  state.tuples[0].priority = 0.12345;
  state.tuples[1].priority = 1.0;
  std::string text = toPidf(state);
  EXPECT_NE(text.find("priority=\"0.123\""), std::string::npos) << text;
  EXPECT_NE(text.find("priority=\"1\""), std::string::npos) << text;
  state.tuples[0].priority = 1.5;
  state.tuples[1].priority = 0.0;
  state.tuples[0].timestamp = "yesterday";
  state.person_timestamp = "2024-13-01T00:00:00Z";
  text = toPidf(state);
  EXPECT_EQ(text.find("priority=\"1.5\""), std::string::npos) << text;
  EXPECT_NE(text.find("priority=\"0\""), std::string::npos) << text;
  EXPECT_EQ(text.find("yesterday"), std::string::npos);
  EXPECT_EQ(text.find("2024-13"), std::string::npos);
}

TEST(PidfWriteTest, IdleIsSentWhenItIsNotContradicted) {
  PresenceState state = sample(Availability::Away);
  state.idle = true;
  EXPECT_NE(toPidf(state).find("<rpid:user-input>idle</rpid:user-input>"), std::string::npos);
  state.availability = Availability::Available;  // a Microsoft aggregate said available
  EXPECT_EQ(toPidf(state).find("user-input"), std::string::npos);
  auto again = parsePidf(toPidf(state));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->availability, Availability::Available);
}

}  // namespace
}  // namespace tandem::presence
