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
#include "transport/inbound.h"
#include "transport/listeners.h"

namespace tandem::transport {

class UdpListener final : public Sender, public std::enable_shared_from_this<UdpListener> {
 public:
  // Binds the socket; the error is the reason only ("address in use").
  static Result<std::shared_ptr<UdpListener>, std::string> open(asio::io_context& io, const ListenSpec& spec,
                                                                const Limits& limits, MessageHandler& handler);

  UdpListener(asio::ip::udp::socket socket, const Limits& limits, MessageHandler& handler);

  void start();
  void close();
  Endpoint localEndpoint() const { return local_; }

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
  Endpoint local_;
  bool v6_socket_ = false;  // IPv4 peers are reached through v4-mapped addresses
  bool closed_ = false;
};

}  // namespace tandem::transport
