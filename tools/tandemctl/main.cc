// tandemctl: manages a Tandem pool (domains, users, routes, authorized hosts,
// presence rules) in the store, the service, and certificates. The command tree is the
// contract of docs/brief; the pool commands work on the store whether or not
// tandemd runs; the service commands talk to tandemd's admin API
// (service.h). Commands whose part does not exist yet say so (exit 2, one
// line).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "commands.h"
#include "common/version.h"
#include "config/pool.h"
#include "config/server_config.h"
#include "service.h"
#include "sip/uri.h"
#include "store/store.h"

namespace {

using tandem::tandemctl::Arguments;
using tandem::tandemctl::kExitError;
using tandem::tandemctl::kExitUsage;
namespace commands = tandem::tandemctl;

constexpr std::string_view kNeedsPki = "needs the TLS and certificate support";

using Handler = std::function<int(tandem::store::Store&, const Arguments&)>;
using ServiceHandler = std::function<int(const tandem::config::ServerConfig&, const Arguments&)>;

struct Command {
  CLI::App* app;
  std::string name;        // "route add"
  Handler run;             // works on the store; empty when not available yet
  std::string_view needs;  // why it is not available yet
  ServiceHandler service;  // works on the running server (no store); set for `service` commands
};

const CLI::Validator kHost(
    [](std::string& text) {
      const bool ok = tandem::config::isIpLiteral(text) || tandem::config::isHostName(text);
      return ok ? std::string() : "'" + text + "' is not an FQDN or IP address";
    },
    "FQDN|IP");

const CLI::Validator kDomain(
    [](std::string& text) {
      auto domain = tandem::config::checkDomain(text);
      return domain ? std::string() : domain.error();
    },
    "DOMAIN");

const CLI::Validator kWatcher(
    [](std::string& text) {
      auto watcher = tandem::config::checkWatcher(text);
      return watcher ? std::string() : watcher.error();
    },
    "sip:USER@DOMAIN|DOMAIN");

const CLI::Validator kUserUri(
    [](std::string& text) {
      auto address = tandem::config::parseUserUri(text);
      return address ? std::string() : address.error();
    },
    "sip:USER@DOMAIN");

// A Request-URI as the proxy parses it (RFC 3261 §25.1 / RFC 3966).
const CLI::Validator kRequestUri(
    [](std::string& text) {
      auto uri = tandem::sip::parseUri(text);
      if (!uri) {
        return "'" + text + "' is not a valid URI: " + std::string(uri.error().reason);
      }
      return uri->scheme == tandem::sip::UriScheme::Other ? "'" + text + "' is not a sip, sips or tel URI"
                                                          : std::string();
    },
    "URI");

class Tree {
 public:
  Tree(CLI::App& root, Arguments& args) : root_(root), args_(args) {}

  void declare() {
    declarePool();
    declareDomain();
    declareUser();
    declareRoute();
    declareHost();
    declarePresence();
    declareService();
    leaf(root_, "where", "explain the routing decision for a Request-URI (nothing is sent)", commands::where, "where")
        ->add_option("uri", args_.uri, "e.g. sip:bob@example.com")
        ->required()
        ->check(kRequestUri);
    declareCert();
  }

  // The command the user chose; nullptr when none was.
  const Command* chosen() const {
    for (const Command& command : commands_) {
      if (command.app->parsed()) {
        return &command;
      }
    }
    return nullptr;
  }

 private:
  // A command that works on the store.
  CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& help, Handler run,
                 std::string full_name) {
    CLI::App* app = parent.add_subcommand(name, help);
    commands_.push_back(Command{app, std::move(full_name), std::move(run), {}, {}});
    return app;
  }

  // A command whose part does not exist yet.
  CLI::App* later(CLI::App& parent, const std::string& name, const std::string& help, std::string_view needs,
                  std::string full_name) {
    CLI::App* app = parent.add_subcommand(name, help);
    commands_.push_back(Command{app, std::move(full_name), {}, needs, {}});
    return app;
  }

  CLI::App* group(const std::string& name, const std::string& help) {
    CLI::App* app = root_.add_subcommand(name, help);
    app->require_subcommand(1);
    return app;
  }

  void declarePool() {
    CLI::App* pool = group("pool", "pool settings as a whole (the pool file)");
    leaf(*pool, "apply", "make the pool's settings those of a pool file", commands::poolApply, "pool apply")
        ->add_option("file", args_.file, "pool file (TOML)")
        ->required()
        ->check(CLI::ExistingFile);
    leaf(*pool, "export", "print the pool's settings as a pool file", commands::poolExport, "pool export");
  }

  void declareDomain() {
    CLI::App* domain = group("domain", "the SIP domains this pool is authoritative for");
    leaf(*domain, "add", "add a domain", commands::domainAdd, "domain add")
        ->add_option("domain", args_.domain, "e.g. example.com")
        ->required()
        ->check(kDomain);
    leaf(*domain, "remove", "remove a domain (it must have no users)", commands::domainRemove, "domain remove")
        ->add_option("domain", args_.domain)
        ->required()
        ->check(kDomain);
    leaf(*domain, "list", "list domains", commands::domainList, "domain list");
  }

  void userUri(CLI::App* app, const std::string& help = "the user's address of record, sip:user@domain") {
    app->add_option("uri", args_.uri, help)->required()->check(kUserUri);
  }

  void declareUser() {
    CLI::App* user = group("user", "users homed on this pool");
    CLI::App* add = leaf(*user, "add", "add a user", commands::userAdd, "user add");
    userUri(add);
    add->add_option("--password", args_.password, "digest password (stored as hashes)")->required();
    userUri(leaf(*user, "remove", "remove a user", commands::userRemove, "user remove"));
    leaf(*user, "list", "list users", commands::userList, "user list");
    userUri(leaf(*user, "show", "show a user", commands::userShow, "user show"));
    userUri(leaf(*user, "disable", "disable a user (kept in the directory, not served)", commands::userDisable,
                 "user disable"));
    userUri(leaf(*user, "enable", "enable a disabled user", commands::userEnable, "user enable"));
  }

  void addRouteKey(CLI::App* app) {
    app->add_option("--user", args_.user, "'*' or a user part")->required();
    app->add_option("--domain", args_.domain, "domain the route applies to")->required()->check(kDomain);
    app->add_flag("--phone-uri", args_.phone_uri, "match only phone URIs (user=phone / tel)");
  }

  void declareRoute() {
    CLI::App* route = group("route", "static routes (LCS Routing tab)");
    CLI::App* add =
        leaf(*route, "add", "add a static route (tried after the existing ones)", commands::routeAdd, "route add");
    addRouteKey(add);
    add->add_option("--next-hop", args_.next_hop, "FQDN or IP of the next hop")->required()->check(kHost);
    add->add_option("--transport", args_.transport, "tcp, tls or udp")
        ->required()
        ->check(CLI::IsMember({"tcp", "tls", "udp"}));
    add->add_option("--port", args_.port,
                    "next hop port (default: 5060, tls 5061; for an FQDN next hop, its SRV records first)")
        ->check(CLI::Range(1, 65535));
    add->add_flag("--replace-host", args_.replace_host, "replace the Request-URI host with the next hop");
    addRouteKey(leaf(*route, "remove", "remove a static route", commands::routeRemove, "route remove"));
    leaf(*route, "list", "list static routes in match order", commands::routeList, "route list");
  }

  void declareHost() {
    CLI::App* host = group("host", "authorized hosts (LCS Host Authorization tab)");
    CLI::App* add = leaf(*host, "add", "authorize a host", commands::hostAdd, "host add");
    add->add_option("host", args_.host, "FQDN or IP")->required()->check(kHost);
    add->add_flag("--outbound-only", args_.outbound_only, "only send to it, never accept from it");
    add->add_flag("--throttle-as-server", args_.throttle_as_server, "no per-client throttling");
    add->add_flag("--treat-as-authenticated", args_.treat_as_authenticated, "do not challenge its requests");
    leaf(*host, "remove", "remove an authorized host", commands::hostRemove, "host remove")
        ->add_option("host", args_.host)
        ->required()
        ->check(kHost);
    leaf(*host, "list", "list authorized hosts", commands::hostList, "host list");
  }

  CLI::App* ownerAndWatcher(CLI::App* app) {
    app->add_option("owner", args_.owner, "the user whose presence is watched, sip:user@domain")
        ->required()
        ->check(kUserUri);
    app->add_option("watcher", args_.watcher, "the watcher: sip:user@domain, or a domain for all its users")
        ->required()
        ->check(kWatcher);
    return app;
  }

  void declarePresence() {
    CLI::App* presence = group("presence", "who may watch whose presence (rules), and the presence state");
    ownerAndWatcher(leaf(*presence, "allow", "let a watcher (or a domain) see the owner's presence",
                         commands::presenceAllow, "presence allow"));
    ownerAndWatcher(leaf(*presence, "block", "block a watcher (or a domain): it sees the owner offline",
                         commands::presenceBlock, "presence block"))
        ->add_flag("--reject", args_.reject, "refuse its subscriptions instead (it learns it is blocked)");
    ownerAndWatcher(leaf(*presence, "remove", "drop the owner's rule for a watcher (or a domain)",
                         commands::presenceRemove, "presence remove"));
    leaf(*presence, "pending", "list watchers waiting for their owner's decision", commands::presencePending,
         "presence pending")
        ->add_option("owner", args_.owner, "only this owner's, sip:user@domain")
        ->check(kUserUri);
    leaf(*presence, "show", "an owner's rules, pending watchers and publications", commands::presenceShow,
         "presence show")
        ->add_option("owner", args_.owner, "sip:user@domain")
        ->required()
        ->check(kUserUri);
  }

  void declareService() {
    using commands::ServiceAction;
    CLI::App* service = group("service", "the running server (through its admin API, server.admin)");
    const std::tuple<const char*, ServiceAction, const char*> actions[] = {
        {"status", ServiceAction::Status, "show whether tandemd runs (exit 3 when it does not)"},
        {"stop", ServiceAction::Stop, "stop tandemd gracefully and wait until it is gone"},
        {"start", ServiceAction::Start, "start tandemd in the background and wait until it answers"},
        {"restart", ServiceAction::Restart, "stop, then start"},
    };
    for (const auto& [name, action, help] : actions) {
      CLI::App* app = service->add_subcommand(name, help);
      commands_.push_back(Command{app,
                                  std::string("service ") + name,
                                  {},
                                  {},
                                  [chosen = action](const tandem::config::ServerConfig& config, const Arguments& args) {
                                    return commands::service(chosen, config, {args.tandemd, args.log});
                                  }});
      if (action == ServiceAction::Start || action == ServiceAction::Restart) {
        app->add_option("--tandemd", args_.tandemd, "the tandemd to run (default: next to tandemctl)");
        app->add_option("--log", args_.log,
                        "file tandemd's output is appended to (default: tandemd.log beside the sqlite store)");
      }
    }
  }

  void declareCert() {
    CLI::App* cert = group("cert", "the server's TLS certificate and trusted roots");
    const std::pair<const char*, const char*> actions[] = {
        {"request", "write a private key and a certificate signing request"},
        {"install", "install a signed certificate"},
        {"select", "select the certificate TLS presents"},
        {"trust", "add a CA root certificate to the trusted roots"},
        {"verify", "check the certificate: EKU serverAuth + clientAuth, chain, expiry, CN"},
    };
    for (const auto& [action, help] : actions) {
      later(*cert, action, help, kNeedsPki, std::string("cert ") + action)->allow_extras();
    }
  }

  CLI::App& root_;
  Arguments& args_;
  std::vector<Command> commands_;
};

int run(int argc, char** argv) {
  CLI::App app{"tandemctl: manage a Tandem pool, its service and certificates"};
  app.set_version_flag("--version", std::string("tandemctl ") + tandem::kVersion);
  app.require_subcommand(1);
  Arguments args;
  app.add_option("-c,--config", args.config, "server file (TOML): where the store is")->required();
  Tree tree(app, args);
  tree.declare();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tandemctl: %s (see --help)\n", commands::oneLine(e.what()).c_str());
    return kExitUsage;
  }
  const auto config = tandem::config::loadServerFile(args.config);
  if (!config) {
    return commands::refuse(config.error());
  }
  const Command* command = tree.chosen();
  if (command == nullptr) {
    std::fprintf(stderr, "tandemctl: no command given (see --help)\n");
    return kExitUsage;
  }
  if (command->service) {
    return command->service(*config, args);
  }
  if (!command->run) {
    std::fprintf(stderr, "tandemctl: '%s' is not available yet (%.*s)\n", command->name.c_str(),
                 static_cast<int>(command->needs.size()), command->needs.data());
    return kExitUsage;
  }
  auto store = tandem::store::open(config->store);
  if (!store) {
    return commands::refuse(store.error());
  }
  args.server = &*config;
  return command->run(**store, args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // out of memory and the like: still one line
    std::fprintf(stderr, "tandemctl: %s\n", e.what());
    return kExitError;
  }
}
