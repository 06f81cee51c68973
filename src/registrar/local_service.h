#pragma once

// The local-service phase of a server that homes users (the proxy's
// kLocalService slot): the registrar and delivery to the users homed here.
//
//   REGISTER for one of our domains   → parsed and checked here (400, 403,
//       404, 423), handed to the Registrar; answered once durable (Defer).
//   a request for a user homed here   → disabled: 480; MESSAGE body over
//       the limit: 413; no binding: 480; else one branch per registered
//       contact (a parallel fork, Path as Route), Record-Route kept.
//   anything else                     → the proxy's own local service
//       (OPTIONS 200, 501, ...).
//
// One per event loop; `post` runs a function on that loop.

#include <cstdint>
#include <functional>

#include "proxy/proxy.h"
#include "registrar/location.h"
#include "registrar/registrar.h"

namespace tandem::registrar {

struct LocalServiceSettings {
  size_t max_im_body = 16384;  // bytes of a page-mode MESSAGE body (RFC 3428 §7); over: 413
};

class LocalService final : public proxy::Phase {
 public:
  using Post = std::function<void(std::function<void()>)>;

  LocalService(proxy::Proxy& proxy, Registrar& registrar, const LocationTable& table, Post post,
               LocalServiceSettings settings)
      : proxy_(proxy), registrar_(registrar), table_(table), post_(std::move(post)), settings_(settings) {}

  std::string_view name() const override { return "local service"; }
  proxy::Next run(proxy::RequestContext& context) override;
  // The event services (presence) get PUBLISH and SUBSCRIBE first; a
  // phase that outlives this one, or nullptr.
  void setEventService(proxy::Phase* events) { events_ = events; }

 private:
  proxy::Next registerBinding(proxy::RequestContext& context);
  proxy::Next deliver(proxy::RequestContext& context);

  proxy::Proxy& proxy_;
  Registrar& registrar_;
  const LocationTable& table_;
  Post post_;
  LocalServiceSettings settings_;
  proxy::Phase* events_ = nullptr;
};

// The REGISTER's contacts, expiry and ordering fields (§10.3 steps 5-6), or
// the answer that refuses it (400, 423 with Min-Expires).
Result<RegisterRequest, proxy::LocalResponse> parseRegister(const sip::Message& request,
                                                            const RegistrarSettings& settings, int64_t now);

// The 200 to a REGISTER: every current binding with its remaining time
// (§10.3 step 8), a Date, and the Path when the client supports it.
proxy::LocalResponse registerOk(const std::vector<store::Binding>& bindings, int64_t now, bool echo_path);

}  // namespace tandem::registrar
