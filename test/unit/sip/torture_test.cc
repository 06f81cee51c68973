// Replays every RFC 4475 / RFC 5118 torture message of test/data/torture
// through Message::parse, validateRequest / validateResponse and the
// serializer, and checks the verdict the manifest calls for.

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "sip/editor.h"
#include "sip/headers.h"
#include "sip/message.h"
#include "sip/uri.h"
#include "sip/validate.h"

namespace tandem::sip {
namespace {

using namespace std::string_view_literals;

const std::string kTortureDir = std::string(TANDEM_TEST_DATA) + "/torture/";

enum class Verdict {
  Accept,  // parses, validates, and serializes back byte for byte
  Reject,  // parse or validation fails with `status` (or `alt_status`)
  Drop,    // a response that fails parse or validation (any status): dropped
};

struct Expectation {
  std::string_view file;
  Verdict verdict;
  uint16_t status = 0;
  uint16_t alt_status = 0;
};

// One line per manifest entry. Judgement calls are commented.
constexpr std::array kExpectations{
    // RFC 4475 §3.1.1: valid messages.
    Expectation{"rfc4475/wsinv.dat", Verdict::Accept},
    Expectation{"rfc4475/intmeth.dat", Verdict::Accept},
    Expectation{"rfc4475/esc01.dat", Verdict::Accept},
    Expectation{"rfc4475/escnull.dat", Verdict::Accept},
    Expectation{"rfc4475/esc02.dat", Verdict::Accept},
    Expectation{"rfc4475/lwsdisp.dat", Verdict::Accept},
    Expectation{"rfc4475/longreq.dat", Verdict::Accept},
    Expectation{"rfc4475/dblreq.dat", Verdict::Accept},
    Expectation{"rfc4475/semiuri.dat", Verdict::Accept},
    Expectation{"rfc4475/transports.dat", Verdict::Accept},
    Expectation{"rfc4475/mpart01.dat", Verdict::Accept},
    Expectation{"rfc4475/unreason.dat", Verdict::Accept},
    Expectation{"rfc4475/noreason.dat", Verdict::Accept},
    // RFC 4475 §3.1.2: invalid messages.
    Expectation{"rfc4475/badinv01.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/clerr.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/ncl.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/scalar02.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/scalarlg.dat", Verdict::Drop},
    Expectation{"rfc4475/quotbal.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/ltgtruri.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/lwsruri.dat", Verdict::Reject, 400},
    // lwsstart / trws: liberal acceptance is allowed; the start-line parser
    // chooses to refuse.
    Expectation{"rfc4475/lwsstart.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/trws.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/escruri.dat", Verdict::Reject, 400},
    // baddate: judgement. Refusing is allowed but unnecessary; RFC 3261 §16.3
    // says a proxy SHOULD ignore components it does not use, and nothing in
    // Tandem reads Date. Accepted and forwarded unchanged.
    Expectation{"rfc4475/baddate.dat", Verdict::Accept},
    Expectation{"rfc4475/regbadct.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/badaspec.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/baddn.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/badvers.dat", Verdict::Reject, 505},
    Expectation{"rfc4475/mismatch01.dat", Verdict::Reject, 400},
    // mismatch02: 501 is preferred by a UAS; the sanity phase answers 400
    // before any method dispatch, which the RFC accepts.
    Expectation{"rfc4475/mismatch02.dat", Verdict::Reject, 400, 501},
    Expectation{"rfc4475/bigcode.dat", Verdict::Drop},
    // RFC 4475 §3.2-3.4: semantic tests. Well-formed ones pass the sanity
    // phase; 483 / 420 / 415 / 406 / 401 decisions belong to later phases.
    // badbranch: judgement. Branch "z9hG4bK" is a valid token; the
    // transaction layer falls back to RFC 2543 matching.
    Expectation{"rfc4475/badbranch.dat", Verdict::Accept},
    Expectation{"rfc4475/insuf.dat", Verdict::Reject, 400},
    // unkscm / novelsc: well formed, but Tandem handles only sip/sips/tel.
    Expectation{"rfc4475/unkscm.dat", Verdict::Reject, 416},
    Expectation{"rfc4475/novelsc.dat", Verdict::Reject, 416},
    Expectation{"rfc4475/unksm2.dat", Verdict::Accept},
    Expectation{"rfc4475/bext01.dat", Verdict::Accept},
    Expectation{"rfc4475/invut.dat", Verdict::Accept},
    Expectation{"rfc4475/regaut01.dat", Verdict::Accept},
    Expectation{"rfc4475/multi01.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/mcl01.dat", Verdict::Reject, 400},
    Expectation{"rfc4475/bcast.dat", Verdict::Accept},
    Expectation{"rfc4475/zeromf.dat", Verdict::Accept},
    Expectation{"rfc4475/cparam01.dat", Verdict::Accept},
    Expectation{"rfc4475/cparam02.dat", Verdict::Accept},
    Expectation{"rfc4475/regescrt.dat", Verdict::Accept},
    Expectation{"rfc4475/sdp01.dat", Verdict::Accept},
    Expectation{"rfc4475/inv2543.dat", Verdict::Accept},
    // RFC 5118.
    Expectation{"rfc5118/ipv6-good.dat", Verdict::Accept},
    Expectation{"rfc5118/ipv6-bad.dat", Verdict::Reject, 400},
    Expectation{"rfc5118/port-ambiguous.dat", Verdict::Accept},
    Expectation{"rfc5118/port-unambiguous.dat", Verdict::Accept},
    Expectation{"rfc5118/via-received-param-with-delim.dat", Verdict::Accept},
    Expectation{"rfc5118/via-received-param-no-delim.dat", Verdict::Accept},
    Expectation{"rfc5118/ipv6-in-sdp.dat", Verdict::Accept},
    Expectation{"rfc5118/mult-ip-in-header.dat", Verdict::Accept},
    Expectation{"rfc5118/mult-ip-in-sdp.dat", Verdict::Accept},
    Expectation{"rfc5118/ipv4-mapped-ipv6.dat", Verdict::Accept},
    // 3 colons: not an IPv6 address (RFC 4291) though RFC 3261's ABNF lets it
    // through; inet_pton refuses it, so the Request-URI is a 400.
    Expectation{"rfc5118/ipv6-bug-abnf-3-colons.dat", Verdict::Reject, 400},
    Expectation{"rfc5118/ipv6-correct-abnf-2-colons.dat", Verdict::Accept},
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct ManifestEntry {
  std::string file;
  std::string kind;   // request / response
  std::string klass;  // valid / invalid / semantic / invalid-or-tolerated
};

std::vector<ManifestEntry> readManifest() {
  std::istringstream lines(readFile(kTortureDir + "manifest.tsv"));
  std::vector<ManifestEntry> entries;
  std::string line;
  std::getline(lines, line);  // column names
  while (std::getline(lines, line)) {
    if (line.empty()) {
      continue;
    }
    std::vector<std::string> columns;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, '\t')) {
      columns.push_back(cell);
    }
    EXPECT_GE(columns.size(), 6u) << line;
    if (columns.size() >= 6) {
      entries.push_back({columns[0], columns[4], columns[5]});
    }
  }
  return entries;
}

const Expectation* findExpectation(std::string_view file) {
  for (const Expectation& expectation : kExpectations) {
    if (expectation.file == file) {
      return &expectation;
    }
  }
  return nullptr;
}

// Parse + validate; the first failure, or ok.
Status process(const Result<Message>& message) {
  if (!message.ok()) {
    return fail(message.error());
  }
  return message->isRequest() ? validateRequest(*message) : validateResponse(*message);
}

TEST(TortureTest, TableCoversTheManifestExactly) {
  const auto entries = readManifest();
  EXPECT_EQ(entries.size(), 61u);
  std::set<std::string_view> listed;
  for (const ManifestEntry& entry : entries) {
    EXPECT_NE(findExpectation(entry.file), nullptr) << "no expectation for " << entry.file;
    listed.insert(findExpectation(entry.file) ? findExpectation(entry.file)->file : ""sv);
  }
  for (const Expectation& expectation : kExpectations) {
    EXPECT_EQ(listed.count(expectation.file), 1u) << expectation.file << " is not in the manifest";
  }
  EXPECT_EQ(listed.size(), kExpectations.size());
}

TEST(TortureTest, EveryMessageGetsItsVerdict) {
  for (const ManifestEntry& entry : readManifest()) {
    SCOPED_TRACE(entry.file);
    const Expectation* expectation = findExpectation(entry.file);
    if (expectation == nullptr) {
      ADD_FAILURE() << "no expectation";
      continue;
    }
    if (entry.klass == "valid") {
      EXPECT_EQ(expectation->verdict, Verdict::Accept) << "a valid message must be accepted";
    }
    const std::string bytes = readFile(kTortureDir + entry.file);
    const auto message = Message::parse(bytes, Framing::Datagram);
    const Status status = process(message);
    switch (expectation->verdict) {
      case Verdict::Accept: {
        if (!status.ok()) {
          ADD_FAILURE() << "refused: " << status.error().status << " " << status.error().reason;
          break;
        }
        EXPECT_EQ(Editor(*message).serialize(), message->raw());
        EXPECT_EQ(message->isRequest(), entry.kind == "request");
        break;
      }
      case Verdict::Reject: {
        if (status.ok()) {
          ADD_FAILURE() << "accepted";
          break;
        }
        const uint16_t got = status.error().status;
        EXPECT_TRUE(got == expectation->status || (expectation->alt_status != 0 && got == expectation->alt_status))
            << "status " << got << " (" << status.error().reason << ")";
        EXPECT_FALSE(status.error().reason.empty());
        break;
      }
      case Verdict::Drop:
        EXPECT_EQ(entry.kind, "response");
        EXPECT_FALSE(status.ok()) << "accepted";
        break;
    }
  }
}

// --- Specific facts -------------------------------------------------------------

class TortureFacts : public testing::Test {
 protected:
  const Message& load(std::string_view file) {
    bytes_ = readFile(kTortureDir + std::string(file));
    auto parsed = Message::parse(bytes_, Framing::Datagram);
    EXPECT_TRUE(parsed.ok()) << file;
    message_.emplace(std::move(parsed).value());
    return *message_;
  }
  static Uri requestUri(const Message& message) {
    auto uri = parseUri(message.requestUri());
    EXPECT_TRUE(uri.ok());
    return *uri;
  }
  static std::vector<std::string_view> values(const Message& message, HeaderId id) {
    std::vector<std::string_view> out;
    for (std::string_view value : message.values(id)) {
      out.push_back(value);
    }
    return out;
  }

  std::string bytes_;
  std::optional<Message> message_;
};

TEST_F(TortureFacts, PortAmbiguous) {
  const Uri uri = requestUri(load("rfc5118/port-ambiguous.dat"));
  EXPECT_EQ(uri.host, "[2001:db8::10:5070]");
  EXPECT_EQ(uri.host_kind, HostKind::IPv6);
  EXPECT_FALSE(uri.has_port);
}

TEST_F(TortureFacts, PortUnambiguous) {
  const Uri uri = requestUri(load("rfc5118/port-unambiguous.dat"));
  EXPECT_EQ(uri.host, "[2001:db8::10]");
  EXPECT_TRUE(uri.has_port);
  EXPECT_EQ(uri.port, 5070);
}

TEST_F(TortureFacts, Cparam01ContactHeaderParam) {
  const auto contacts = values(load("rfc4475/cparam01.dat"), HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 1u);
  auto contact = parseContact(contacts[0]);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->address.uri_text, "sip:+19725552222@gw1.example.net");
  EXPECT_EQ(contact->address.uri.params, "");
  EXPECT_TRUE(contact->address.param("unknownparam").has_value());
  EXPECT_TRUE(uriEquals(contact->address.uri, *parseUri("sip:+19725552222@gw1.example.net")));
}

TEST_F(TortureFacts, Cparam02UriParam) {
  const auto contacts = values(load("rfc4475/cparam02.dat"), HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 1u);
  auto contact = parseContact(contacts[0]);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->address.uri_text, "sip:+19725552222@gw1.example.net;unknownparam");
  EXPECT_TRUE(contact->address.uri.hasParam("unknownparam"));
  EXPECT_EQ(contact->address.params, "");
}

TEST_F(TortureFacts, EscnullKeepsTheWholeUser) {
  const Message& message = load("rfc4475/escnull.dat");
  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->uri.user, "null-%00-null");
  EXPECT_EQ(unescape(to->uri.user), std::string("null-\0-null", 11));
  auto from = parseNameAddr(message.find(HeaderId::From)->value, HeaderId::From);
  ASSERT_TRUE(from.ok());
  EXPECT_TRUE(uriEquals(to->uri, from->uri));
  const auto contacts = values(message, HeaderId::Contact);
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(unescape(parseContact(contacts[1])->address.uri.user), std::string("\0\0", 2));
  EXPECT_FALSE(uriEquals(parseContact(contacts[0])->address.uri, parseContact(contacts[1])->address.uri));
}

TEST_F(TortureFacts, Esc01ComparesAfterUnescaping) {
  const Message& message = load("rfc4475/esc01.dat");
  EXPECT_EQ(unescape(requestUri(message).user), "sips:user@example.com");
  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_TRUE(uriEquals(to->uri, *parseUri("sip:user@example.com")));
  auto from = parseNameAddr(message.find(HeaderId::From)->value, HeaderId::From);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(unescape(from->uri.user), "I have spaces");
  auto contact = parseContact(*message.values(HeaderId::Contact).begin());
  ASSERT_TRUE(contact.ok());
  EXPECT_TRUE(uriEquals(contact->address.uri, *parseUri("sip:caller@host5.example.net;lr;name=value%25%34%31")));
  EXPECT_FALSE(uriEquals(contact->address.uri, *parseUri("sip:caller@host5.example.net;lr;name=valueA")));
}

TEST_F(TortureFacts, Esc02UnknownMethodAndTwoContacts) {
  const Message& message = load("rfc4475/esc02.dat");
  EXPECT_EQ(message.method(), Method::Unknown);
  EXPECT_EQ(message.methodName(), "RE%47IST%45R");
  EXPECT_EQ(values(message, HeaderId::Contact).size(), 2u);
  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->display_name, "%Z%45");
}

TEST_F(TortureFacts, LongreqParsesEveryVia) {
  const Message& message = load("rfc4475/longreq.dat");
  const auto vias = values(message, HeaderId::Via);
  ASSERT_EQ(vias.size(), 34u);
  for (size_t i = 0; i < vias.size(); ++i) {
    auto via = parseVia(vias[i]);
    ASSERT_TRUE(via.ok()) << vias[i];
    if (i < 33) {
      EXPECT_EQ(via->host, "sip" + std::to_string(33 - i) + ".example.com");
    }
  }
  auto last = parseVia(vias.back());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->host, "host.example.com");
  EXPECT_EQ(last->received, "192.0.2.5");
  EXPECT_EQ(last->branch, vias.back().substr(vias.back().find("branch=") + 7));
  EXPECT_GT(last->branch.size(), 200u);
  EXPECT_TRUE(last->branch.ends_with("longbranchvalue"));

  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_TRUE(to->display_name.ends_with("extreme proportion"));
  EXPECT_EQ(to->uri.port, 6000);
  EXPECT_TRUE(to->uri.hasParam(
      "verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglong"
      "ParameterNameWithNoValue"));
  auto from = parseNameAddr(message.find(HeaderId::From)->value, HeaderId::From);
  ASSERT_TRUE(from.ok());
  EXPECT_TRUE(from->tag()->ends_with("982424"));
  EXPECT_TRUE(from->param("unknownValuelessparamnameparamnameparamnameparamnameparamnameparamnameparamnameparamname"
                          "paramnameparamname")
                  .has_value());
}

TEST_F(TortureFacts, WsinvFoldedValues) {
  const Message& message = load("rfc4475/wsinv.dat");
  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->tag(), "1918181833n"sv);
  auto from = parseNameAddr(message.find(HeaderId::From)->value, HeaderId::From);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->tag(), "98asjd8"sv);
  auto cseq = parseCSeq(message.find(HeaderId::CSeq)->value);
  ASSERT_TRUE(cseq.ok());
  EXPECT_EQ(cseq->number, 9u);
  EXPECT_EQ(cseq->method, Method::Invite);
  EXPECT_EQ(parseMaxForwards(message.find(HeaderId::MaxForwards)->value).value(), 68u);
  const auto vias = values(message, HeaderId::Via);
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(parseVia(vias[0])->branch, "390skdjuw");
  EXPECT_EQ(parseVia(vias[1])->transport, "TCP");
  EXPECT_EQ(parseVia(vias[2])->branch, "z9hG4bK30239");
  auto contact = parseContact(*message.values(HeaderId::Contact).begin());
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->address.display_name, "Quoted string \\\"\\\"");
  EXPECT_EQ(contact->q, 330);
  EXPECT_EQ(contact->address.param("newparam"), "newvalue"sv);
  EXPECT_EQ(requestUri(message).param("unknownparam"), ""sv);
}

TEST_F(TortureFacts, IntmethUnusualCharacters) {
  const Message& message = load("rfc4475/intmeth.dat");
  EXPECT_EQ(message.method(), Method::Unknown);
  const Uri uri = requestUri(message);
  EXPECT_EQ(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(uri.host, "example.com");
  auto from = parseNameAddr(message.find(HeaderId::From)->value, HeaderId::From);
  ASSERT_TRUE(from.ok());
  EXPECT_EQ(from->display_name, "token1~` token2'+_ token3*%!.-");
  EXPECT_EQ(from->tag(), "_token~1'+`*%!-."sv);
  auto to = parseNameAddr(message.find(HeaderId::To)->value, HeaderId::To);
  ASSERT_TRUE(to.ok());
  EXPECT_EQ(to->display_name, "BEL:\\\x07 NUL:\\\0 DEL:\\\x7f"sv);
  EXPECT_EQ(parseVia(message.find(HeaderId::Via)->value)->branch, "z9hG4bK-.!%66*_+`'~");
}

TEST_F(TortureFacts, SemiuriUserPart) {
  const Uri uri = requestUri(load("rfc4475/semiuri.dat"));
  EXPECT_EQ(uri.user, "user;par=u%40example.net");
  EXPECT_EQ(uri.host, "example.com");
  EXPECT_EQ(uri.params, "");
}

TEST_F(TortureFacts, TransportsAndIpv6Vias) {
  const auto transports = values(load("rfc4475/transports.dat"), HeaderId::Via);
  ASSERT_EQ(transports.size(), 5u);
  const std::array<std::string_view, 5> expected{"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(parseVia(transports[i])->transport, expected[i]);
  }
  const auto mixed = values(load("rfc5118/mult-ip-in-header.dat"), HeaderId::Via);
  ASSERT_EQ(mixed.size(), 3u);
  EXPECT_EQ(parseVia(mixed[0])->port, 6050);
  EXPECT_EQ(parseVia(mixed[1])->host_kind, HostKind::IPv4);
  EXPECT_EQ(parseVia(mixed[2])->host_kind, HostKind::IPv6);
  EXPECT_EQ(parseVia(mixed[2])->received, "192.0.2.200");
  EXPECT_EQ(parseVia(load("rfc5118/via-received-param-with-delim.dat").find(HeaderId::Via)->value)->received,
            "[2001:db8::9:255]");
  EXPECT_EQ(parseVia(load("rfc5118/via-received-param-no-delim.dat").find(HeaderId::Via)->value)->received,
            "2001:db8::9:255");
}

TEST_F(TortureFacts, SemanticDetails) {
  auto regescrt = parseContact(*load("rfc4475/regescrt.dat").values(HeaderId::Contact).begin());
  ASSERT_TRUE(regescrt.ok());
  EXPECT_EQ(regescrt->address.uri.headers, "Route=%3Csip:sip.example.com%3E");

  const Message& unksm2 = load("rfc4475/unksm2.dat");
  EXPECT_EQ(parseNameAddr(unksm2.find(HeaderId::To)->value)->uri.scheme, UriScheme::Other);
  EXPECT_EQ(parseNameAddr(unksm2.find(HeaderId::From)->value)->uri.scheme_text, "http");
  EXPECT_EQ(parseContact(*unksm2.values(HeaderId::Contact).begin())->address.uri.opaque, "John_Smith");

  auto regaut = parseCredentials(load("rfc4475/regaut01.dat").find(HeaderId::Authorization)->value);
  ASSERT_TRUE(regaut.ok());
  EXPECT_FALSE(regaut->isDigest());

  const Message& inv2543 = load("rfc4475/inv2543.dat");
  EXPECT_TRUE(parseNameAddr(inv2543.find(HeaderId::From)->value)->uri.isPhone());
  EXPECT_EQ(parseNameAddr(*inv2543.values(HeaderId::RecordRoute).begin())->uri.maddr(), "ss1.example.com");
  EXPECT_EQ(parseVia(inv2543.find(HeaderId::Via)->value)->branch, "");

  EXPECT_EQ(parseMaxForwards(load("rfc4475/zeromf.dat").find(HeaderId::MaxForwards)->value).value(), 0u);
  EXPECT_EQ(parseVia(load("rfc4475/badbranch.dat").find(HeaderId::Via)->value)->branch, "z9hG4bK");
  auto type = parseContentType(load("rfc4475/mpart01.dat").find(HeaderId::ContentType)->value);
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->param("boundary"), "7a9cbec02ceef655"sv);
}

TEST_F(TortureFacts, RejectionReasons) {
  const auto reason = [this](std::string_view file) {
    const Message& message = load(file);
    const Status status = validateRequest(message);
    return status.ok() ? std::string_view("ok") : status.error().reason;
  };
  EXPECT_EQ(reason("rfc4475/badinv01.dat"), "Malformed Via header");
  EXPECT_EQ(reason("rfc4475/scalar02.dat"), "Malformed CSeq header");
  EXPECT_EQ(reason("rfc4475/quotbal.dat"), "Malformed To header");
  EXPECT_EQ(reason("rfc4475/escruri.dat"), "Headers not allowed in the Request-URI");
  EXPECT_EQ(reason("rfc4475/regbadct.dat"), "Malformed Contact header");
  EXPECT_EQ(reason("rfc4475/badaspec.dat"), "Malformed To header");
  EXPECT_EQ(reason("rfc4475/baddn.dat"), "Malformed From header");
  EXPECT_EQ(reason("rfc4475/mismatch01.dat"), "CSeq method does not match the request method");
  EXPECT_EQ(reason("rfc4475/insuf.dat"), "Missing To header");
  EXPECT_EQ(reason("rfc4475/multi01.dat"), "Multiple To headers");
  EXPECT_EQ(reason("rfc4475/unkscm.dat"), "Unsupported URI scheme");
  EXPECT_EQ(reason("rfc5118/ipv6-bad.dat"), "Malformed Request-URI");
  EXPECT_EQ(reason("rfc5118/ipv6-bug-abnf-3-colons.dat"), "Malformed To header");
}

}  // namespace
}  // namespace tandem::sip
