// tandemd: the Tandem server, in the foreground.
//
//   tandemd --config server.toml            serve until SIGTERM / SIGINT (exit 0)
//   tandemd --config server.toml --check    list the server file's and the pool's findings
//                                           (store/pool_check.h); exit 1 on errors

#include <sys/resource.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "common/version.h"
#include "config/server_config.h"
#include "server/server.h"
#include "store/pool_check.h"
#include "store/store.h"

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// The pool findings (store/pool_check.h) of the store the server file names;
// a store that cannot be read is an error finding.
void checkPool(tandem::config::CheckResult& result) {
  const auto store_error = [&](const std::string& message) {
    tandem::config::Finding finding;
    finding.file = result.config.file.string();
    finding.key = "server.store";
    finding.message = message;
    result.findings.push_back(std::move(finding));
  };
  auto store = tandem::store::open(result.config.store, tandem::store::Missing::Refuse);
  if (!store) {
    store_error(store.error());
    return;
  }
  auto pool = (*store)->loadPool();
  if (!pool) {
    store_error(pool.error());
    return;
  }
  for (tandem::config::Finding& finding : tandem::store::checkPool(result.config, *pool)) {
    result.findings.push_back(std::move(finding));
  }
}

int check(const std::string& file) {
  tandem::config::CheckResult result = tandem::config::checkServerFile(file);
  if (!result.hasErrors()) {
    checkPool(result);
  }
  for (const tandem::config::Finding& finding : result.findings) {
    std::printf("%s\n", finding.toString().c_str());
  }
  if (result.findings.empty()) {
    std::printf("%s: ok\n", file.c_str());
  }
  return result.hasErrors() ? kExitError : 0;
}

void setUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("tandemd");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(std::move(logger));
}

// Every TCP connection holds a descriptor: allow as many as the hard limit.
void raiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

int serve(const std::string& file) {
  auto config = tandem::config::loadServerFile(file);
  if (!config) {
    std::fprintf(stderr, "tandemd: %s\n", config.error().c_str());
    return kExitError;
  }
  setUpLogging(config->log_level);
  raiseDescriptorLimit();
  auto server = tandem::server::Server::create(*config);
  if (!server) {
    spdlog::critical("{}", server.error());
    return kExitError;
  }
  spdlog::info("tandemd {} serving {} (server file {})", tandem::kVersion, config->fqdn, config->file.string());
  return (*server)->run();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tandemd: SIP IM & presence server for partitioned intradomain federation"};
  app.set_version_flag("--version", std::string("tandemd ") + tandem::kVersion);
  std::string file;
  bool check_only = false;
  app.add_option("-c,--config", file, "server file (TOML)")->required();
  app.add_flag("--check", check_only,
               "validate the server file and the pool settings, print the findings, exit 1 on errors");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tandemd: %s (see --help)\n", e.what());
    return kExitUsage;
  }
  return check_only ? check(file) : serve(file);
}
