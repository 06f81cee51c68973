#pragma once

// The tandemctl commands that work on the store (pool, domain, route, host,
// user, presence). Each prints its result on stdout, or one line "tandemctl: <reason>"
// on stderr, and returns the exit status: 0 done, 1 refused input or store
// error. Usage errors (exit 2) are CLI11's, before any command runs.

#include <string>

#include "config/server_config.h"
#include "store/store.h"

namespace tandem::tandemctl {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// Everything the commands take, so CLI11 checks it before anything runs.
struct Arguments {
  std::string config;
  std::string file;
  std::string uri;
  std::string password;
  std::string user;
  std::string domain;
  std::string next_hop;
  std::string transport;
  int port = 0;  // 0: the transport's default (5060, tls 5061)
  bool phone_uri = false;
  bool replace_host = false;
  std::string host;
  bool outbound_only = false;
  bool throttle_as_server = false;
  bool treat_as_authenticated = false;
  std::string owner;    // presence
  std::string watcher;  // presence: a sip URI or a domain
  bool reject = false;  // presence block --reject
  std::string tandemd;  // service start / restart
  std::string log;
  const config::ServerConfig* server = nullptr;  // the loaded server file (set before a command runs)
};

// `text` on one line: control characters (from odd input quoted in a
// reason) become spaces.
std::string oneLine(std::string text);

// "tandemctl: <reason>" on stderr, on one line; returns kExitError.
int refuse(const std::string& reason);

int poolApply(store::Store& store, const Arguments& args);
int poolExport(store::Store& store, const Arguments& args);

int domainAdd(store::Store& store, const Arguments& args);
int domainRemove(store::Store& store, const Arguments& args);
int domainList(store::Store& store, const Arguments& args);

int routeAdd(store::Store& store, const Arguments& args);
int routeRemove(store::Store& store, const Arguments& args);
int routeList(store::Store& store, const Arguments& args);

int hostAdd(store::Store& store, const Arguments& args);
int hostRemove(store::Store& store, const Arguments& args);
int hostList(store::Store& store, const Arguments& args);

int userAdd(store::Store& store, const Arguments& args);
int userRemove(store::Store& store, const Arguments& args);
int userList(store::Store& store, const Arguments& args);
int userShow(store::Store& store, const Arguments& args);
int userEnable(store::Store& store, const Arguments& args);
int userDisable(store::Store& store, const Arguments& args);

// presence: the owner's rules (pool settings), watchers pending a decision,
// and the publications the store holds.
int presenceAllow(store::Store& store, const Arguments& args);
int presenceBlock(store::Store& store, const Arguments& args);
int presenceRemove(store::Store& store, const Arguments& args);
int presencePending(store::Store& store, const Arguments& args);
int presenceShow(store::Store& store, const Arguments& args);

// `where URI`: the routing rule's decision (store/routing_rule.h) for a
// Request-URI, explained on one line; nothing is sent. Exit 0 for any
// decision, 1 for a URI that does not parse or a store error.
int where(store::Store& store, const Arguments& args);
// The explanation alone (for tests): "sip:bob@example.com: ...".
std::string explainRoute(const config::ServerConfig& server, const store::PoolSnapshot& pool, std::string_view uri);

}  // namespace tandem::tandemctl
