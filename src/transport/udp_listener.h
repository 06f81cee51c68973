#pragma once

// One UDP socket (RFC 3261 §18): each datagram is one message. Datagrams are
// read in batches once the socket is readable; nothing is retransmitted here
// (that is the transaction layer's job), so a send that would block is dropped.

#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "transport/connection_table.h"
#include "transport/inbound.h"
#include "transport/listen_spec.h"
#include "transport/socket_setup.h"

namespace tandem::transport {

class UdpListener final : public Sender, public std::enable_shared_from_this<UdpListener> {
 public:
  // Binds the socket (see socket_setup.h for `mode`); the error is the
  // reason only ("address in use"). Exclusive: `target` is filled in with
  // what was bound. Delivers to the table's handler.
  static Result<std::shared_ptr<UdpListener>, std::string> open(ConnectionTable& table, const ListenSpec& spec,
                                                                detail::BindTarget& target, detail::BindMode mode);

  UdpListener(asio::ip::udp::socket socket, ConnectionTable& table, detail::BindTarget target);

  void start();
  void close();
  Endpoint localEndpoint() const { return local_; }
  // What the socket is bound to: which peers' address family it serves.
  const detail::BindTarget& target() const { return target_; }

  bool send(std::string_view bytes, const Endpoint& to) override;

 private:
  void waitReadable();
  void drain();
  void onDatagram(std::string_view bytes, const Endpoint& source);

  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint sender_;  // filled by receive_from
  std::vector<char> buffer_;        // max_message_size + 1: a full buffer means "too large"
  size_t max_message_size_;
  MessageHandler* handler_;
  detail::BindTarget target_;
  Endpoint local_;
  bool v6_socket_ = false;  // IPv4 peers are reached through v4-mapped addresses
  bool closed_ = false;
};

}  // namespace tandem::transport
