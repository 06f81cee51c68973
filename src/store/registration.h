#pragma once

// Registrations as the store keeps them (RFC 3261 §10.3): one row per
// binding of an address of record to a contact. What a registrar
// acknowledged with a 200 is here once writeBindings() returned.

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::store {

struct Binding {
  // The address of record: the user's user part and domain (lower case),
  // which are also the key of the user it belongs to.
  std::string user;
  std::string domain;
  std::string contact;     // the Contact URI, as the client sent it (the binding's identity, with user)
  uint16_t q = 1000;       // q-value × 1000 (1000 when absent)
  int64_t expires_at = 0;  // Unix seconds
  std::string call_id;     // of the REGISTER that last wrote it (§10.3 step 7)
  uint32_t cseq = 0;
  std::string path;      // Path header values as received (RFC 3327), comma-joined; "" none
  std::string received;  // where the REGISTER came from, "udp:192.0.2.1:5060" (diagnostics, NAT)
  std::string user_agent;

  bool operator==(const Binding&) const = default;
};

// One change in a registrations write: the binding (user, domain, contact)
// is inserted or replaced, or deleted.
struct BindingChange {
  enum class Kind : uint8_t { Upsert, Delete };
  Kind kind = Kind::Upsert;
  Binding binding;  // Delete reads user, domain and contact only
};

}  // namespace tandem::store
