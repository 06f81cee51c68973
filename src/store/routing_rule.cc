#include "store/routing_rule.h"

namespace tandem::store {

std::string notFoundReason(const decision::NotFound& not_found, const sip::Uri& uri) {
  if (not_found.local_domain) {
    return "User does not exist";
  }
  return "No user or static route for " + std::string(uri.host);
}

bool routeMatches(std::string_view user, std::string_view domain, bool phone_uri, const sip::Uri& uri) {
  if (phone_uri && !uri.isPhone()) {
    return false;
  }
  if (!sip::equalsIgnoreCase(domain, uri.host)) {
    return false;
  }
  return user == "*" || user == uri.user;
}

RouteDecision decide(const PoolSnapshot& pool, const sip::Uri& uri) {
  return decide(std::span<const std::string>(pool.settings.domains),
                std::span<const config::Route>(pool.settings.routes), &pool.users, uri);
}

std::string replaceHost(std::string_view raw, const sip::Uri& uri, std::string_view next_hop) {
  const size_t host_at = static_cast<size_t>(uri.host.data() - raw.data());
  size_t host_end = host_at + uri.host.size();
  if (uri.has_port) {
    host_end = raw.find_first_of(";?>", host_end);
    host_end = host_end == std::string_view::npos ? raw.size() : host_end;
  }
  return std::string(raw.substr(0, host_at)) + std::string(next_hop) + std::string(raw.substr(host_end));
}

}  // namespace tandem::store
