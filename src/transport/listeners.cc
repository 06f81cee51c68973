#include "transport/listeners.h"

#include "transport/tcp_listener.h"
#include "transport/udp_listener.h"

namespace tandem::transport {
namespace {

// "connection 2 (tcp 127.0.0.1:5060)"
std::string name(size_t index, const ListenSpec& spec) {
  const bool v6 = spec.address.find(':') != std::string::npos;
  const std::string address = v6 ? "[" + spec.address + "]" : spec.address;
  return "connection " + std::to_string(index + 1) + " (" + std::string(transportName(spec.transport)) + " " + address +
         ":" + std::to_string(spec.port) + ")";
}

}  // namespace

Result<std::unique_ptr<Listeners>, std::string> Listeners::open(asio::io_context& io, std::span<const ListenSpec> specs,
                                                                const Limits& limits, MessageHandler& handler) {
  std::unique_ptr<Listeners> listeners(new Listeners());
  for (size_t i = 0; i < specs.size(); ++i) {
    const ListenSpec& spec = specs[i];
    Endpoint bound;
    switch (spec.transport) {
      case TransportKind::Udp: {
        auto udp = UdpListener::open(io, spec, limits, handler);
        if (!udp) {
          return fail(name(i, spec) + ": " + udp.error());
        }
        bound = (*udp)->localEndpoint();
        listeners->udp_.push_back(std::move(*udp));
        break;
      }
      case TransportKind::Tcp: {
        auto tcp = TcpListener::open(io, spec, limits, handler);
        if (!tcp) {
          return fail(name(i, spec) + ": " + tcp.error());
        }
        bound = (*tcp)->localEndpoint();
        listeners->tcp_.push_back(std::move(*tcp));
        break;
      }
      case TransportKind::Tls:
      case TransportKind::Mtls:
        return fail(name(i, spec) + ": " + std::string(transportName(spec.transport)) +
                    " transport arrives with the TLS issue");
    }
    listeners->bound_.push_back(Bound{spec, bound});
  }
  for (auto& udp : listeners->udp_) {
    udp->start();
  }
  for (auto& tcp : listeners->tcp_) {
    tcp->start();
  }
  return listeners;
}

Listeners::~Listeners() { close(); }

void Listeners::close() {
  for (auto& udp : udp_) {
    udp->close();
  }
  for (auto& tcp : tcp_) {
    tcp->close();
  }
}

}  // namespace tandem::transport
