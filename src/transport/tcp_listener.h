#pragma once

// TCP (RFC 3261 §18.3): one worker's acceptor for one configured connection.
// The connections it accepts join the worker's ConnectionTable (see
// tcp_connection.h); at most Limits::tcp_max_connections of them at a time.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "common/result.h"
#include "transport/connection_table.h"
#include "transport/listen_spec.h"
#include "transport/socket_setup.h"

namespace tandem::transport {

class TcpListener final : public std::enable_shared_from_this<TcpListener> {
 public:
  // Binds (see socket_setup.h for `mode`) and listens; the error is the
  // reason only ("address in use"). `index` names it in the table's counts.
  // Exclusive: `target` is filled in with what was bound.
  static Result<std::shared_ptr<TcpListener>, std::string> open(ConnectionTable& table, size_t index,
                                                                const ListenSpec& spec, detail::BindTarget& target,
                                                                detail::BindMode mode);

  TcpListener(asio::ip::tcp::acceptor acceptor, ConnectionTable& table, size_t index, detail::BindTarget target);

  void start();
  // Stops accepting (the table closes the connections).
  void close();
  Endpoint localEndpoint() const { return local_; }
  // What the socket is bound to: which peers' address family it serves.
  const detail::BindTarget& target() const { return target_; }

 private:
  void accept();
  void onAccept(const asio::error_code& ec, asio::ip::tcp::socket socket);
  // The table's InboundGate lets the new connection in (it counts it then).
  bool admitted(const asio::ip::tcp::socket& socket) const;
  void retryAcceptLater();

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;  // accept failed for lack of descriptors: try again later
  ConnectionTable* table_;
  size_t index_;
  detail::BindTarget target_;
  Endpoint local_;
  bool closed_ = false;
};

}  // namespace tandem::transport
