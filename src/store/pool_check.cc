#include "store/pool_check.h"

#include <algorithm>
#include <string>

#include "sip/message.h"

namespace tandem::store {
namespace {

bool isLoopbackOrAny(const std::string& address) {
  return address.starts_with("127.") || address == "::1" || address == "0.0.0.0" || address == "::";
}

// The next hop names this server on a port it listens on.
bool pointsAtUs(const config::ServerConfig& config, const config::Route& route) {
  const bool ip = config::isIpLiteral(route.next_hop);
  for (const config::Connection& connection : config.connections) {
    if (connection.port != route.port) {
      continue;
    }
    if (!ip && sip::equalsIgnoreCase(route.next_hop, config.fqdn)) {
      return true;
    }
    if (ip &&
        (connection.address == route.next_hop || (connection.address == "*" && isLoopbackOrAny(route.next_hop)))) {
      return true;
    }
  }
  return false;
}

// `label` starts the message: the key, and for a route the route itself.
config::Finding finding(config::Finding::Severity severity, std::string key, const std::string& label,
                        const std::string& message) {
  config::Finding out;
  out.severity = severity;
  out.file = "pool";
  out.message = label + ": " + message;
  out.key = std::move(key);
  return out;
}

}  // namespace

std::vector<config::Finding> checkPool(const config::ServerConfig& config, const PoolSnapshot& pool) {
  using Severity = config::Finding::Severity;
  const config::PoolSettings& settings = pool.settings;
  const auto authorized = [&](const std::string& host) {
    return std::any_of(settings.authorized_hosts.begin(), settings.authorized_hosts.end(),
                       [&](const config::AuthorizedHost& entry) { return sip::equalsIgnoreCase(entry.host, host); });
  };
  const auto any_host = [&](bool ip) {
    return std::any_of(settings.authorized_hosts.begin(), settings.authorized_hosts.end(),
                       [&](const config::AuthorizedHost& entry) { return config::isIpLiteral(entry.host) == ip; });
  };

  std::vector<config::Finding> findings;
  for (size_t i = 0; i < settings.routes.size(); ++i) {
    const config::Route& route = settings.routes[i];
    const std::string key = "routes[" + std::to_string(i + 1) + "]";
    const std::string what = key + " (" + route.toString() + ")";
    const std::string hop = route.next_hop + (route.srv ? " (SRV)" : ":" + std::to_string(route.port));
    const bool ip = config::isIpLiteral(route.next_hop);
    const bool tls = route.transport == config::RouteTransport::Tls;
    if (pointsAtUs(config, route)) {
      findings.push_back(finding(Severity::Error, key, what,
                                 "the next hop " + hop + " is this server itself: requests for its users would loop"));
      continue;
    }
    if (!authorized(route.next_hop)) {
      findings.push_back(finding(
          Severity::Warning, key, what,
          "the next hop " + route.next_hop + " has no authorized-host entry: the peer's requests will be challenged"));
    } else if (tls && !any_host(!ip)) {
      findings.push_back(finding(Severity::Warning, key, what,
                                 "the TLS peer " + route.next_hop + " is authorized only by " + (ip ? "IP" : "FQDN") +
                                     ": a TLS peer needs both its FQDN and its IP address as authorized hosts"));
    }
    if (tls && ip) {
      findings.push_back(finding(Severity::Warning, key, what,
                                 "a TLS route to an IP address: the peer's certificate identity cannot match an "
                                 "IP; name the next hop by its FQDN"));
    }
  }
  for (size_t i = 0; i < settings.domains.size(); ++i) {
    const std::string& domain = settings.domains[i];
    const bool routed = std::any_of(settings.routes.begin(), settings.routes.end(), [&](const config::Route& route) {
      return sip::equalsIgnoreCase(route.domain, domain);
    });
    if (!routed) {
      const std::string key = "domains[" + std::to_string(i + 1) + "]";
      findings.push_back(finding(Severity::Warning, key, key,
                                 domain + " has no static route: users not homed here get 404 (fine for a single "
                                          "system, wrong for a federation)"));
    }
  }
  return findings;
}

}  // namespace tandem::store
