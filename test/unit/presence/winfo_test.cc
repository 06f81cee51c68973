// toWatcherInfo(): RFC 3858 documents, checked by parsing them back.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "presence/winfo.h"

namespace tandem::presence {
namespace {

WatcherEntry entry(std::string watcher, std::string status, std::string event, uint32_t duration = 0,
                   std::string id = "") {
  WatcherEntry e;
  e.id = std::move(id);
  e.watcher = std::move(watcher);
  e.status = std::move(status);
  e.event = std::move(event);
  e.duration_subscribed = duration;
  return e;
}

pugi::xml_node parsedRoot(pugi::xml_document& document, const std::string& text) {
  const pugi::xml_parse_result result = document.load_string(text.c_str());
  EXPECT_TRUE(result) << result.description() << "\n" << text;
  return document.document_element();
}

TEST(WinfoTest, FullDocument) {
  const std::vector<WatcherEntry> watchers = {
      entry("sip:fbear@implync.net", "pending", "subscribe", 0, "8ajksjda7s"),
      entry("sip:userA@example.net", "active", "approved", 509, "hh8juja87s997-ass7"),
  };
  const std::string text = toWatcherInfo("sip:ysam@implync.net", 0, true, watchers);
  EXPECT_EQ(text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<watcherinfo xmlns=\"urn:ietf:params:xml:ns:watcherinfo\" version=\"0\" state=\"full\">\n"
            "  <watcher-list resource=\"sip:ysam@implync.net\" package=\"presence\">\n"
            "    <watcher id=\"8ajksjda7s\" status=\"pending\" event=\"subscribe\">sip:fbear@implync.net</watcher>\n"
            "    <watcher id=\"hh8juja87s997-ass7\" status=\"active\" event=\"approved\" "
            "duration-subscribed=\"509\">sip:userA@example.net</watcher>\n"
            "  </watcher-list>\n"
            "</watcherinfo>\n");
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  EXPECT_STREQ(root.name(), "watcherinfo");
  EXPECT_STREQ(root.attribute("xmlns").value(), "urn:ietf:params:xml:ns:watcherinfo");
  EXPECT_STREQ(root.attribute("state").value(), "full");
  const pugi::xml_node list = root.child("watcher-list");
  EXPECT_STREQ(list.attribute("resource").value(), "sip:ysam@implync.net");
  EXPECT_STREQ(list.attribute("package").value(), "presence");
  size_t count = 0;
  for (const pugi::xml_node& watcher : list.children("watcher")) {
    EXPECT_FALSE(std::string(watcher.attribute("id").value()).empty());
    ++count;
  }
  EXPECT_EQ(count, 2u);
}

TEST(WinfoTest, PartialDocumentAndVersion) {
  const std::vector<WatcherEntry> watchers = {entry("sip:fbear@implync.net", "terminated", "rejected")};
  const std::string text = toWatcherInfo("sip:ysam@implync.net", 4294967295u, false, watchers);
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  EXPECT_STREQ(root.attribute("state").value(), "partial");
  EXPECT_STREQ(root.attribute("version").value(), "4294967295");
  const pugi::xml_node watcher = root.child("watcher-list").child("watcher");
  EXPECT_STREQ(watcher.attribute("status").value(), "terminated");
  EXPECT_STREQ(watcher.attribute("event").value(), "rejected");
  EXPECT_STREQ(watcher.child_value(), "sip:fbear@implync.net");
  EXPECT_FALSE(watcher.attribute("duration-subscribed"));
}

TEST(WinfoTest, EmptyListIsStillADocument) {
  const std::string text = toWatcherInfo("sip:ysam@implync.net", 1, true, {});
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  EXPECT_TRUE(root.child("watcher-list"));
  EXPECT_FALSE(root.child("watcher-list").child("watcher"));
}

TEST(WinfoTest, ValuesAreEscaped) {
  const std::vector<WatcherEntry> watchers = {
      entry("sip:o'neil@example.com?h=<a>&b=\"c\"", "waiting", "timeout", 1, "id&\"<>'")};
  const std::string text = toWatcherInfo("sip:a&b@example.com", 2, true, watchers);
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  const pugi::xml_node list = root.child("watcher-list");
  EXPECT_STREQ(list.attribute("resource").value(), "sip:a&b@example.com");
  EXPECT_STREQ(list.child("watcher").child_value(), "sip:o'neil@example.com?h=<a>&b=\"c\"");
  EXPECT_STREQ(list.child("watcher").attribute("id").value(), "id&\"<>'");
}

TEST(WinfoTest, EveryRfc3858StatusAndEvent) {
  std::vector<WatcherEntry> watchers;
  for (const char* status : {"pending", "active", "waiting", "terminated"}) {
    for (const char* event :
         {"subscribe", "approved", "deactivated", "probation", "rejected", "timeout", "giveup", "noresource"}) {
      watchers.push_back(entry("sip:w@example.com", status, event));
    }
  }
  const std::string text = toWatcherInfo("sip:r@example.com", 0, true, watchers);
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  size_t count = 0;
  std::vector<std::string> ids;
  for (const pugi::xml_node& watcher : root.child("watcher-list").children("watcher")) {
    ids.emplace_back(watcher.attribute("id").value());
    ++count;
  }
  EXPECT_EQ(count, 32u);
  std::sort(ids.begin(), ids.end());
  // One watcher: its generated ids differ by event, not by status.
  EXPECT_EQ(std::unique(ids.begin(), ids.end()) - ids.begin(), 8);
}

TEST(WinfoTest, InvalidEntriesAreLeftOut) {
  const std::vector<WatcherEntry> watchers = {
      entry("sip:a@example.com", "Pending", "subscribe"),
      entry("sip:b@example.com", "pending", "subscribed"),
      entry("", "pending", "subscribe"),
      entry("sip:ok@example.com", "pending", "subscribe"),
  };
  const std::string text = toWatcherInfo("sip:r@example.com", 0, true, watchers);
  pugi::xml_document document;
  const pugi::xml_node root = parsedRoot(document, text);
  size_t count = 0;
  for (const pugi::xml_node& watcher : root.child("watcher-list").children("watcher")) {
    EXPECT_STREQ(watcher.child_value(), "sip:ok@example.com");
    ++count;
  }
  EXPECT_EQ(count, 1u);
}

TEST(WinfoTest, GeneratedIdsAreStable) {
  const std::string id = watcherEntryId("sip:fbear@implync.net", "subscribe");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(id, watcherEntryId("sip:fbear@implync.net", "subscribe"));
  EXPECT_NE(id, watcherEntryId("sip:fbear@implync.net", "approved"));
  EXPECT_NE(watcherEntryId("ab", "c"), watcherEntryId("a", "bc"));
}

}  // namespace
}  // namespace tandem::presence
