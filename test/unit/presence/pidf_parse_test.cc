#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "presence/pidf.h"

namespace tandem::presence {
namespace {

PresenceState parsed(std::string_view body) {
  auto result = parsePidf(body);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error()) << "\n" << body;
  return result.ok() ? *result : PresenceState{};
}

std::string errorOf(std::string_view body) {
  auto result = parsePidf(body);
  EXPECT_FALSE(result.ok()) << body;
  return result.ok() ? std::string() : result.error();
}

// RFC 3863's minimal example document, with the impp: prefix the RFC's
// first example uses.
constexpr std::string_view kRfc3863Minimal = R"(<?xml version="1.0" encoding="UTF-8"?>
<impp:presence xmlns:impp="urn:ietf:params:xml:ns:pidf"
    entity="pres:someone@example.com">
  <impp:tuple id="sg89ae">
    <impp:status>
      <impp:basic>open</impp:basic>
    </impp:status>
    <impp:contact priority="0.8">tel:+09012345678</impp:contact>
  </impp:tuple>
</impp:presence>
)";

// RFC 3863's example with an extension status (im:im) and an extension
// element of another namespace (myex:location), two notes in two languages,
// a timestamp, a closed tuple and a presence-level note.
constexpr std::string_view kRfc3863Extended = R"(<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:im="urn:ietf:params:xml:ns:pidf:im"
    xmlns:myex="http://id.example.com/presence/"
    entity="pres:someone@example.com">
  <tuple id="bs35r9">
    <status>
      <basic>open</basic>
      <im:im>busy</im:im>
      <myex:location>home</myex:location>
    </status>
    <contact priority="0.8">im:someone@mobilecarrier.net</contact>
    <note xml:lang="en">Don't Disturb Please!</note>
    <note xml:lang="fr">Ne derangez pas, s'il vous plait</note>
    <timestamp>2001-10-27T16:49:29Z</timestamp>
  </tuple>
  <tuple id="eg92n8">
    <status>
      <basic>closed</basic>
    </status>
    <contact priority="1.0">mailto:someone@example.com</contact>
  </tuple>
  <note>I'll be in Tokyo next week</note>
</presence>
)";

// The example of RFC 4480 (RPID with the RFC 4479 data model): service
// tuples, a device that is idle, a person who is away with a note inside
// <activities>, mood, place, privacy, sphere, CIPID, a person note and a
// person timestamp.
constexpr std::string_view kRfc4480Example = R"(<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
    xmlns:r="urn:ietf:params:xml:ns:pidf:rpid"
    xmlns:c="urn:ietf:params:xml:ns:pidf:cipid"
    entity="pres:someone@example.com">
  <tuple id="bs35r9">
    <status>
      <basic>open</basic>
    </status>
    <dm:deviceID>urn:device:0003ba4811e3</dm:deviceID>
    <r:relationship><r:self/></r:relationship>
    <r:service-class><r:electronic/></r:service-class>
    <contact priority="0.8">im:someone@mobilecarrier.net</contact>
    <note xml:lang="en">Don't Disturb Please!</note>
    <note xml:lang="fr">Ne derangez pas, s'il vous plait</note>
    <timestamp>2005-10-27T16:49:29Z</timestamp>
  </tuple>
  <tuple id="ty4658">
    <status>
      <basic>open</basic>
    </status>
    <r:relationship><r:assistant/></r:relationship>
    <contact priority="1.0">mailto:secretary@example.com</contact>
  </tuple>
  <tuple id="eg92n8">
    <status>
      <basic>open</basic>
    </status>
    <dm:deviceID>urn:x-mac:0003ba4811e3</dm:deviceID>
    <r:class>email</r:class>
    <r:service-class><r:electronic/></r:service-class>
    <r:status-icon>http://example.com/mail.png</r:status-icon>
    <contact>mailto:someone@example.com</contact>
  </tuple>
  <note>I'll be in Tokyo next week</note>
  <dm:device id="pc147">
    <r:user-input idle-threshold="600" last-input="2004-10-21T13:20:00.000-05:00">idle</r:user-input>
    <dm:deviceID>urn:device:0003ba4811e3</dm:deviceID>
    <dm:note>PC</dm:note>
  </dm:device>
  <dm:person id="p1">
    <r:activities from="2005-05-30T12:00:00+05:00" until="2005-05-30T17:00:00+05:00">
      <r:note>Far away</r:note>
      <r:away/>
    </r:activities>
    <r:class>calendar</r:class>
    <r:mood>
      <r:angry/>
      <r:other>brooding</r:other>
    </r:mood>
    <r:place-is>
      <r:audio>
        <r:noisy/>
      </r:audio>
    </r:place-is>
    <r:privacy><r:unknown/></r:privacy>
    <r:sphere>bowling league</r:sphere>
    <c:homepage>http://www.example.com/~someone</c:homepage>
    <r:status-icon>http://example.com/play.gif</r:status-icon>
    <r:time-offset>-240</r:time-offset>
    <dm:note>Scoring 120</dm:note>
    <dm:timestamp>2005-05-30T16:09:44+05:00</dm:timestamp>
  </dm:person>
</presence>
)";

TEST(PidfParseTest, Rfc3863MinimalDocumentWithAPrefix) {
  const PresenceState state = parsed(kRfc3863Minimal);
  EXPECT_EQ(state.entity, "pres:someone@example.com");
  ASSERT_EQ(state.tuples.size(), 1u);
  EXPECT_EQ(state.tuples[0].id, "sg89ae");
  EXPECT_TRUE(state.tuples[0].open);
  EXPECT_EQ(state.tuples[0].contact, "tel:+09012345678");
  ASSERT_TRUE(state.tuples[0].priority.has_value());
  EXPECT_DOUBLE_EQ(*state.tuples[0].priority, 0.8);
  EXPECT_TRUE(state.activities.empty());
  EXPECT_TRUE(state.notes.empty());
  EXPECT_EQ(state.availability, Availability::Available);
  EXPECT_EQ(state.note, "");
}

TEST(PidfParseTest, Rfc3863ExtendedDocument) {
  const PresenceState state = parsed(kRfc3863Extended);
  ASSERT_EQ(state.tuples.size(), 2u);
  const Tuple& first = state.tuples[0];
  EXPECT_EQ(first.id, "bs35r9");
  EXPECT_TRUE(first.open);
  EXPECT_EQ(first.contact, "im:someone@mobilecarrier.net");
  EXPECT_EQ(first.note, "Don't Disturb Please!");  // the first note only
  EXPECT_EQ(first.timestamp, "2001-10-27T16:49:29Z");
  const Tuple& second = state.tuples[1];
  EXPECT_EQ(second.id, "eg92n8");
  EXPECT_FALSE(second.open);
  EXPECT_DOUBLE_EQ(second.priority.value_or(-1), 1.0);
  EXPECT_EQ(second.note, "");
  // <im:im>busy</im:im> is the PIDF IM extension, not RPID: not an activity.
  EXPECT_TRUE(state.activities.empty());
  EXPECT_EQ(state.notes, std::vector<std::string>{"I'll be in Tokyo next week"});
  EXPECT_EQ(state.availability, Availability::Available);
  // A presence-level note speaks for the presentity: it is shown first.
  EXPECT_EQ(state.note, "I'll be in Tokyo next week");
}

TEST(PidfParseTest, Rfc4480Example) {
  const PresenceState state = parsed(kRfc4480Example);
  EXPECT_EQ(state.entity, "pres:someone@example.com");
  ASSERT_EQ(state.tuples.size(), 3u);
  EXPECT_EQ(state.tuples[0].id, "bs35r9");
  EXPECT_EQ(state.tuples[1].contact, "mailto:secretary@example.com");
  EXPECT_FALSE(state.tuples[2].priority.has_value());
  // <r:note> inside <r:activities> is not an activity; the mood's
  // <r:other> is not one either.
  EXPECT_EQ(state.activities, std::vector<std::string>{"away"});
  EXPECT_TRUE(state.idle);  // the device's user-input
  // Person notes first, then presence-level notes; the device's note is not
  // the presentity's.
  EXPECT_EQ(state.notes, (std::vector<std::string>{"Scoring 120", "I'll be in Tokyo next week"}));
  EXPECT_EQ(state.person_timestamp, "2005-05-30T16:09:44+05:00");
  EXPECT_EQ(state.availability, Availability::Away);
  EXPECT_EQ(state.note, "Scoring 120");
  EXPECT_FALSE(state.ms_availability.has_value());
}

TEST(PidfParseTest, CpimPidfBodiesAreTheSameDocument) {
  // application/cpim-pidf+xml carries the RFC 3863 namespace: nothing in the
  // body differs, so the parser is not told the content type.
  const PresenceState state = parsed(kRfc3863Minimal);
  EXPECT_EQ(state.availability, Availability::Available);
  // The namespace of the CPIM drafts before RFC 3863 is read as PIDF too.
  const PresenceState draft = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:cpim-pidf" entity="pres:a@example.com">
  <tuple id="a1"><status><basic>open</basic></status><note>old peer</note></tuple>
</presence>)");
  ASSERT_EQ(draft.tuples.size(), 1u);
  EXPECT_TRUE(draft.tuples[0].open);
  EXPECT_EQ(draft.note, "old peer");
}

TEST(PidfParseTest, AnyPrefixAndUnknownNamespacesAreTolerated) {
  const PresenceState state = parsed(R"(<?xml version="1.0"?>
<p:presence xmlns:p="urn:ietf:params:xml:ns:pidf" xmlns:x="urn:ietf:params:xml:ns:pidf:rpid"
    xmlns:model="urn:ietf:params:xml:ns:pidf:data-model" xmlns:acme="http://acme.example/presence"
    entity="sip:alice@example.com" acme:flavour="vanilla">
  <acme:banner level="3"><acme:tuple id="fake"/><p:tuple id="nested-in-unknown"/></acme:banner>
  <p:tuple id="t1">
    <p:status><p:basic>open</p:basic><acme:mood>sunny</acme:mood></p:status>
    <acme:gadget><acme:part/></acme:gadget>
    <p:contact>sip:alice@192.0.2.1</p:contact>
  </p:tuple>
  <tuple xmlns="http://other.example/ns" id="not-pidf"><status><basic>maybe</basic></status></tuple>
  <model:person id="x">
    <x:activities><x:busy/></x:activities>
    <note xmlns="urn:ietf:params:xml:ns:pidf:data-model">redeclared default</note>
  </model:person>
  <p:note xmlns:p="http://rebound.example/">not a pidf note: p is rebound here</p:note>
</p:presence>)");
  ASSERT_EQ(state.tuples.size(), 1u);  // only the PIDF tuple directly under <presence>
  EXPECT_EQ(state.tuples[0].id, "t1");
  EXPECT_EQ(state.tuples[0].contact, "sip:alice@192.0.2.1");
  EXPECT_EQ(state.activities, std::vector<std::string>{"busy"});
  EXPECT_EQ(state.notes, std::vector<std::string>{"redeclared default"});
  EXPECT_EQ(state.availability, Availability::Busy);
}

TEST(PidfParseTest, UnboundPrefixMatchesNothing) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@example.com">
  <tuple id="t1"><status><basic>open</basic></status></tuple>
  <q:person id="p"><q:activities><q:busy/></q:activities></q:person>
</presence>)");
  EXPECT_TRUE(state.activities.empty());
  EXPECT_EQ(state.availability, Availability::Available);
}

// An IM&P / Jabber-like document (synthetic: the shape of what a Cisco peer
// sends, PIDF + data model + RPID + a vendor namespace; not a capture).
TEST(PidfParseTest, ImpLikeDocumentWithRpidActivities) {
  const PresenceState phone = parsed(R"(<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
    xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:sc="urn:ietf:params:xml:ns:pidf:servcaps"
    xmlns:ce="urn:cisco:params:xml:ns:pidf:rpid" entity="sip:fbear@implync.net">
  <tuple id="cisco-upc">
    <status><basic>open</basic></status>
    <sc:servcaps><sc:audio>true</sc:audio><sc:text>true</sc:text></sc:servcaps>
    <contact priority="0.8">sip:fbear@implync.net</contact>
    <note>On a call</note>
    <timestamp>2024-03-01T09:15:00.123Z</timestamp>
  </tuple>
  <dm:person id="p1">
    <rpid:activities><rpid:on-the-phone/></rpid:activities>
    <dm:timestamp>2024-03-01T09:15:00Z</dm:timestamp>
  </dm:person>
</presence>)");
  EXPECT_EQ(phone.availability, Availability::OnThePhone);
  EXPECT_EQ(phone.note, "On a call");  // no person note: the tuple's
  EXPECT_EQ(phone.person_timestamp, "2024-03-01T09:15:00Z");

  // Jabber's Do Not Disturb: busy refined by a vendor element.
  const PresenceState dnd = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
    xmlns:ce="urn:cisco:params:xml:ns:pidf:rpid" entity="sip:fbear@implync.net">
  <tuple id="cisco-upc"><status><basic>open</basic></status></tuple>
  <dm:person id="p1">
    <rpid:activities><rpid:busy/><ce:dnd/></rpid:activities>
    <dm:note>Presenting</dm:note>
  </dm:person>
</presence>)");
  EXPECT_EQ(dnd.activities, (std::vector<std::string>{"busy", "other:dnd"}));
  EXPECT_EQ(dnd.availability, Availability::DoNotDisturb);
  EXPECT_EQ(dnd.note, "Presenting");
}

// The draft-RPID form some clients (pidgin-sipe, older peers) still read and
// write: activities inside the tuple's <status>, as <activity> text.
TEST(PidfParseTest, DraftRpidActivitiesInsideStatus) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:ep="urn:ietf:params:xml:ns:pidf:status:rpid-status" entity="sip:bob@example.com">
  <tuple id="0"><status><basic>open</basic>
    <ep:activities><ep:activity>Busy</ep:activity><ep:activity>Lunch with Tom</ep:activity></ep:activities>
  </status></tuple>
</presence>)");
  EXPECT_EQ(state.activities, (std::vector<std::string>{"busy", "other:Lunch with Tom"}));
  EXPECT_EQ(state.availability, Availability::Busy);
  // Tuple-level activities of a closed tuple say nothing.
  const PresenceState closed = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:r="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@example.com">
  <tuple id="a"><status><basic>closed</basic><r:activity>meeting</r:activity></status></tuple>
</presence>)");
  EXPECT_TRUE(closed.activities.empty());
  EXPECT_EQ(closed.availability, Availability::Offline);
}

// A Microsoft-style body carrying the OCS 2007+ aggregate availability in an
// extension element. SYNTHETIC: built from the ranges of federation.md §3.2
// and the category schema names; no trace of what LCS/OCS sends to a
// federated PIDF peer has been obtained (federation.md §8, question 1).
TEST(PidfParseTest, MicrosoftAggregateAvailabilitySynthetic) {
  const auto body = [](std::string_view basic, std::string_view availability, std::string_view extra = "") {
    return std::string(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
    entity="sip:ysam@implync.net">
  <tuple id="ms-1"><status><basic>)") +
           std::string(basic) + R"(</basic></status></tuple>
  <dm:person id="ms-p">)" +
           std::string(extra) +
           R"(
    <categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories">
      <category name="state">
        <state xmlns="http://schemas.microsoft.com/2006/09/sip/state"
               xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="aggregateState">
          <availability>)" +
           std::string(availability) + R"(</availability>
        </state>
      </category>
    </categories>
  </dm:person>
</presence>)";
  };
  PresenceState state = parsed(body("open", "6500"));
  EXPECT_EQ(state.ms_availability, 6500);
  EXPECT_EQ(state.availability, Availability::Busy);
  // Away (15500) wins over an open tuple's "Available".
  EXPECT_EQ(parsed(body("open", "15500")).availability, Availability::Away);
  // The aggregate says otherwise than "no open tuple".
  EXPECT_EQ(parsed(body("closed", "3500")).availability, Availability::Available);
  EXPECT_EQ(parsed(body("open", "18500")).availability, Availability::Offline);
  EXPECT_EQ(parsed(body("open", "9500")).availability, Availability::DoNotDisturb);
  EXPECT_EQ(parsed(body("open", "12500")).availability, Availability::BeRightBack);
  // An RPID activity of the same class refines the aggregate.
  EXPECT_EQ(parsed(body("open", "6500", "<rpid:activities><rpid:meeting/></rpid:activities>")).availability,
            Availability::InAMeeting);
  EXPECT_EQ(parsed(body("open", "15500", "<rpid:activities><rpid:vacation/></rpid:activities>")).availability,
            Availability::OutOfOffice);
  // ... but not one of another class: the aggregate wins.
  EXPECT_EQ(parsed(body("open", "3500", "<rpid:activities><rpid:away/></rpid:activities>")).availability,
            Availability::Available);
  // Not a number, or negative: no aggregate.
  state = parsed(body("open", "busy"));
  EXPECT_FALSE(state.ms_availability.has_value());
  EXPECT_EQ(state.availability, Availability::Available);
  EXPECT_FALSE(parsed(body("open", "-5")).ms_availability.has_value());
}

TEST(PidfParseTest, BasicIsReadWithoutCaseOrSpaceAndMayBeMissing) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity=" sip:a@example.com ">
  <tuple id=" t1 "><status><basic>
     Open </basic></status></tuple>
  <tuple id="t2"><status/></tuple>
  <tuple id="t3"/>
</presence>)");
  EXPECT_EQ(state.entity, "sip:a@example.com");
  ASSERT_EQ(state.tuples.size(), 3u);
  EXPECT_EQ(state.tuples[0].id, "t1");
  EXPECT_TRUE(state.tuples[0].open);
  EXPECT_FALSE(state.tuples[1].open);
  EXPECT_FALSE(state.tuples[2].open);
}

TEST(PidfParseTest, PrioritiesOutOfRangeOrNotNumbersAreDropped) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@example.com">
  <tuple id="a"><status><basic>open</basic></status><contact priority="high">sip:a@h</contact></tuple>
  <tuple id="b"><status><basic>open</basic></status><contact priority="1.5">sip:b@h</contact></tuple>
  <tuple id="c"><status><basic>open</basic></status><contact priority="nan">sip:c@h</contact></tuple>
  <tuple id="d"><status><basic>open</basic></status><contact priority=" 0.25 ">sip:d@h</contact></tuple>
  <tuple id="e"><status><basic>open</basic></status><contact priority="0">sip:e@h</contact></tuple>
</presence>)");
  ASSERT_EQ(state.tuples.size(), 5u);
  EXPECT_FALSE(state.tuples[0].priority.has_value());
  EXPECT_FALSE(state.tuples[1].priority.has_value());
  EXPECT_FALSE(state.tuples[2].priority.has_value());
  EXPECT_DOUBLE_EQ(state.tuples[3].priority.value_or(-1), 0.25);
  EXPECT_DOUBLE_EQ(state.tuples[4].priority.value_or(-1), 0.0);
}

TEST(PidfParseTest, TheNoteShownIsThePersonsElseTheMostAvailableTuples) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@example.com">
  <tuple id="gone"><status><basic>closed</basic></status><contact priority="1">sip:x@h</contact>
    <note>switched off</note></tuple>
  <tuple id="low"><status><basic>open</basic></status><contact priority="0.1">sip:y@h</contact>
    <note>low priority</note></tuple>
  <tuple id="high"><status><basic>open</basic></status><contact priority="0.9">sip:z@h</contact>
    <note>at my desk</note></tuple>
</presence>)");
  EXPECT_TRUE(state.notes.empty());
  EXPECT_EQ(state.note, "at my desk");
  // Tuples keep the document's order.
  EXPECT_EQ(state.tuples[0].id, "gone");
}

TEST(PidfParseTest, IdleAloneIsAwayAndAnActivityWins) {
  PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
    entity="sip:a@example.com">
  <tuple id="a"><status><basic>open</basic></status></tuple>
  <dm:person id="p"><rpid:user-input>idle</rpid:user-input></dm:person>
</presence>)");
  EXPECT_TRUE(state.idle);
  EXPECT_EQ(state.availability, Availability::Away);
  state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"
    entity="sip:a@example.com">
  <tuple id="a"><status><basic>open</basic></status><rpid:user-input>active</rpid:user-input></tuple>
  <dm:person id="p"><rpid:user-input>idle</rpid:user-input>
    <rpid:activities><rpid:meeting/></rpid:activities></dm:person>
</presence>)");
  EXPECT_EQ(state.availability, Availability::InAMeeting);
}

TEST(PidfParseTest, NewestPersonTimestampAcrossPersonElements) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:a@example.com">
  <tuple id="a"><status><basic>open</basic></status></tuple>
  <dm:person id="p1"><dm:timestamp>2024-01-01T12:00:00+02:00</dm:timestamp></dm:person>
  <dm:person id="p2"><dm:timestamp>2024-01-01T10:30:00Z</dm:timestamp></dm:person>
  <dm:person id="p3"><dm:timestamp>yesterday</dm:timestamp></dm:person>
</presence>)");
  EXPECT_EQ(state.person_timestamp, "2024-01-01T10:30:00Z");  // 10:30Z is after 12:00+02:00 (10:00Z)
}

TEST(PidfParseTest, CdataAndCharacterReferencesInNotes) {
  const PresenceState state = parsed(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@example.com">
  <tuple id="a"><status><basic>open</basic></status></tuple>
  <note><![CDATA[<b>bold</b> & more]]></note>
  <note>caf&#233; &amp; cr&#xE8;me &lt;3</note>
</presence>)");
  EXPECT_EQ(state.notes, (std::vector<std::string>{"<b>bold</b> & more", "caf\xC3\xA9 & cr\xC3\xA8me <3"}));
}

// --- errors: one line each, naming the fault ---------------------------------

TEST(PidfParseErrorTest, NotWellFormed) {
  const std::string_view unclosed =
      "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"><tuple id=\"a\">";
  EXPECT_EQ(errorOf(unclosed),  // pugixml notices at the end of the input
            "not well-formed XML at offset " + std::to_string(unclosed.size() - 1) + ": Start-end tags mismatch");
  EXPECT_EQ(errorOf("<presence><tuple></presence>"), "not well-formed XML at offset 19: Start-end tags mismatch");
  EXPECT_EQ(errorOf("<presence a=1/>"), "not well-formed XML at offset 12: Error parsing element attribute");
  EXPECT_EQ(errorOf(""), "not well-formed XML at offset 0: no root element");
  EXPECT_EQ(errorOf("  <!-- only a comment -->  "), "not well-formed XML at offset 0: no root element");
  EXPECT_EQ(errorOf("just text"), "not well-formed XML at offset 0: text outside the root element");
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/><presence/>"),
            "not well-formed XML at offset 64: more than one root element");
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/>trailing"),
            "not well-formed XML at offset 64: text outside the root element");
  // Whitespace, comments and processing instructions around the root are fine.
  EXPECT_TRUE(parsePidf("\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- c --><presence "
                        "xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/>\n<?pi x?>\n")
                  .ok());
}

TEST(PidfParseErrorTest, RootElement) {
  const std::string expected = "root element is not <presence> in urn:ietf:params:xml:ns:pidf";
  EXPECT_EQ(errorOf("<presence entity=\"sip:a@b\"/>"), expected);  // no namespace
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:example\" entity=\"sip:a@b\"/>"), expected);
  EXPECT_EQ(errorOf("<tuple xmlns=\"urn:ietf:params:xml:ns:pidf\" id=\"a\"/>"), expected);
  EXPECT_EQ(errorOf("<p:presence xmlns:q=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"/>"), expected);
  // XPIDF (application/xpidf+xml) is another format.
  EXPECT_EQ(errorOf("<presence><presentity uri=\"sip:a@b\"/></presence>"), expected);
}

TEST(PidfParseErrorTest, Entity) {
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\"/>"), "presence has no entity attribute");
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"  \"/>"),
            "presence has no entity attribute");
  EXPECT_EQ(errorOf("<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"&#1;\"/>"),
            "presence has no entity attribute");
}

TEST(PidfParseErrorTest, TupleWithoutId) {
  EXPECT_EQ(errorOf(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">
  <tuple id="t1"><status><basic>open</basic></status></tuple>
  <tuple id="t2"><status><basic>open</basic></status></tuple>
  <tuple><status><basic>open</basic></status></tuple>
</presence>)"),
            "tuple 3 has no id");
  EXPECT_EQ(errorOf(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id=""/></presence>)"),
            "tuple 1 has no id");
}

TEST(PidfParseErrorTest, BasicMustBeOpenOrClosed) {
  EXPECT_EQ(errorOf(R"(<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">
  <tuple id="t1"><status><basic>maybe</basic></status></tuple></presence>)"),
            "tuple t1: basic must be open or closed, got 'maybe'");
  // Untrusted text in the line is printable ASCII, short, without quotes.
  const std::string error = errorOf(
      "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\"><tuple id=\"t&quot;\r\n2\"><status>"
      "<basic>op\"en\n\xC3\xA9 and a very long tail that goes on and on and on</basic></status></tuple></presence>");
  // (the attribute's CR LF is one space after XML attribute normalization)
  EXPECT_EQ(error, "tuple t? 2: basic must be open or closed, got 'op?en??? and a very long tail that goes ...'");
}

TEST(PidfParseErrorTest, BodyOverTheLimit) {
  const std::string body(size_t{64} * 1024 + 1, ' ');
  EXPECT_EQ(errorOf(body), "body over 64 KiB");
  auto small = parsePidf(kRfc3863Minimal, 100);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error(), "body over 100 bytes");
  auto kib = parsePidf(kRfc3863Minimal, 0);
  ASSERT_FALSE(kib.ok());
  EXPECT_EQ(kib.error(), "body over 0 KiB");
  EXPECT_TRUE(parsePidf(kRfc3863Minimal, kRfc3863Minimal.size()).ok());
}

TEST(PidfParseErrorTest, TooManyTuples) {
  const auto body = [](size_t count) {
    std::string text = "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:a@b\">";
    for (size_t i = 0; i < count; ++i) {
      text += "<tuple id=\"t" + std::to_string(i) + "\"><status><basic>open</basic></status></tuple>";
    }
    return text + "</presence>";
  };
  auto limit = parsePidf(body(kMaxTuples));
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(limit->tuples.size(), kMaxTuples);
  EXPECT_EQ(errorOf(body(kMaxTuples + 1)), "too many tuples (over 64)");
}

TEST(PidfParseErrorTest, EveryErrorIsOnePrintableLine) {
  const std::string_view bodies[] = {
      "",
      "<",
      std::string_view("\x00\x01\x02", 3),
      "<presence/>",
      "<?xml version=\"1.0\"?><!DOCTYPE x><x/>",
      "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"e\"><tuple/></presence>",
  };
  for (const std::string_view body : bodies) {
    const std::string error = errorOf(body);
    EXPECT_FALSE(error.empty());
    for (const char c : error) {
      EXPECT_TRUE(c >= 0x20 && c <= 0x7E) << error;
    }
  }
}

}  // namespace
}  // namespace tandem::presence
