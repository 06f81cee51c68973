#include "proxy/throttle.h"

#include <algorithm>
#include <functional>

namespace tandem::proxy {

ThrottleLimits Throttle::clientLimits(const config::ThrottlingSettings& settings) {
  return {static_cast<double>(settings.client_rate), static_cast<double>(settings.client_burst),
          settings.client_transactions};
}

ThrottleLimits Throttle::serverLimits(const config::ThrottlingSettings& settings) {
  return {static_cast<double>(settings.server_rate), static_cast<double>(settings.server_burst),
          settings.server_transactions};
}

size_t Throttle::AddressHash::operator()(const asio::ip::address& address) const {
  if (address.is_v4()) {
    return std::hash<uint32_t>{}(address.to_v4().to_uint());
  }
  const auto bytes = address.to_v6().to_bytes();
  size_t h = 1469598103934665603ull;
  for (unsigned char b : bytes) {
    h = (h ^ b) * 1099511628211ull;
  }
  return h;
}

void Throttle::makeRoom(transaction::TimePoint now) {
  for (auto it = sources_.begin(); it != sources_.end();) {
    const bool idle = it->second.in_flight == 0 && now - it->second.refilled > std::chrono::seconds(1);
    it = idle ? sources_.erase(it) : std::next(it);
  }
}

Throttle::Verdict Throttle::admit(const asio::ip::address& source, const ThrottleLimits& limits,
                                  transaction::TimePoint now) {
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= max_sources_) {
      makeRoom(now);
      if (sources_.size() >= max_sources_) {
        return Verdict::Admit;  // untracked: see the header
      }
    }
    it = sources_.emplace(source, Source{limits.burst, now, 0, {}, false}).first;
  }
  Source& s = it->second;
  const double elapsed = std::chrono::duration<double>(now - s.refilled).count();
  if (elapsed > 0) {
    s.tokens = std::min(limits.burst, s.tokens + elapsed * limits.rate);
    s.refilled = now;
  }
  if (s.in_flight >= limits.transactions) {
    ++refused_;
    return Verdict::TooMany;
  }
  if (s.tokens < 1.0) {
    ++refused_;
    return Verdict::TooFast;
  }
  s.tokens -= 1.0;
  ++s.in_flight;
  return Verdict::Admit;
}

void Throttle::release(const asio::ip::address& source) {
  const auto it = sources_.find(source);
  if (it != sources_.end() && it->second.in_flight > 0) {
    --it->second.in_flight;
  }
}

bool Throttle::shouldLog(const asio::ip::address& source, transaction::TimePoint now) {
  const auto it = sources_.find(source);
  if (it == sources_.end()) {
    return false;
  }
  if (it->second.ever_logged && now - it->second.logged < std::chrono::seconds(10)) {
    return false;
  }
  it->second.ever_logged = true;
  it->second.logged = now;
  return true;
}

}  // namespace tandem::proxy
