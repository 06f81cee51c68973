// tandemctl as a process: the command tree of the brief is declared, bad input
// is refused with one line, and commands whose part is not built yet say so.
// The pool commands against a real store: tandemctl_pool_test.cc; the
// service commands against a running tandemd: service_test.cc.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kSourceDir = TANDEM_SOURCE_DIR;

int tandemctl(std::vector<std::string> args, std::string& output) {
  TempDir dir;
  args.insert(args.begin(), {kTandemctl, "--config", kSourceDir + "/examples/server.toml"});
  return run(args, dir.path(), output);
}

TEST(TandemctlTest, CommandsWaitingForTheirPartSaySoInOneLine) {
  std::string output;
  EXPECT_EQ(tandemctl({"where", "sip:bob@example.com"}, output), 2);
  EXPECT_EQ(output, "tandemctl: 'where' is not available yet (needs the routing of the proxy core)\n");
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"cert", "verify"}, {"cert", "request"}}) {
    EXPECT_EQ(tandemctl(command, output), 2) << output;
    EXPECT_NE(output.find("is not available yet"), std::string::npos) << output;
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  }
}

TEST(TandemctlTest, BadInputIsRefusedWithOneLine) {
  std::string output;
  EXPECT_EQ(tandemctl({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "10.0.0.5",
                       "--transport", "sctp"},
                      output),
            2);
  EXPECT_NE(output.find("--transport"), std::string::npos) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_EQ(tandemctl({"host", "add", "not a host"}, output), 2);
  EXPECT_EQ(tandemctl({"frobnicate"}, output), 2);

  TempDir dir;
  EXPECT_EQ(run({kTandemctl, "--config", "missing.toml", "route", "list"}, dir.path(), output), 1);
  EXPECT_EQ(output, "tandemctl: missing.toml: cannot read the server file: No such file or directory\n");
}

TEST(TandemctlTest, HelpAndVersion) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(run({kTandemctl, "--version"}, dir.path(), output), 0);
  EXPECT_EQ(output.rfind("tandemctl ", 0), 0u) << output;
  EXPECT_EQ(run({kTandemctl, "--help"}, dir.path(), output), 0);
  for (const char* command : {"pool", "domain", "user", "route", "host", "service", "where", "cert"}) {
    EXPECT_NE(output.find(command), std::string::npos) << command;
  }
}

}  // namespace
}  // namespace tandem::test
