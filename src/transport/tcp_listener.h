#pragma once

// TCP (RFC 3261 §18.3): an acceptor and the connections it accepted. Each
// connection cuts its byte stream into messages with a sip::StreamFramer,
// answers CRLF keep-alive pings, writes responses on the same connection, and
// is closed when idle, when its peer stops reading, or when framing is lost.
// Every buffer is bounded by Limits.

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "sip/framing.h"
#include "transport/inbound.h"
#include "transport/listeners.h"

namespace tandem::transport {

class TcpConnection;

class TcpListener final : public std::enable_shared_from_this<TcpListener> {
 public:
  // Binds and listens; the error is the reason only ("address in use").
  static Result<std::shared_ptr<TcpListener>, std::string> open(asio::io_context& io, const ListenSpec& spec,
                                                                const Limits& limits, MessageHandler& handler);

  TcpListener(asio::ip::tcp::acceptor acceptor, const Limits& limits, MessageHandler& handler);

  void start();
  // Stops accepting and closes every connection.
  void close();
  Endpoint localEndpoint() const { return local_; }
  size_t connectionCount() const { return connections_.size(); }

 private:
  friend class TcpConnection;

  void accept();
  void onAccept(const asio::error_code& ec, asio::ip::tcp::socket socket);
  void retryAcceptLater();
  void forget(ConnectionId id) { connections_.erase(id); }

  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;  // accept failed for lack of descriptors: try again later
  Limits limits_;
  MessageHandler* handler_;
  Endpoint local_;
  bool closed_ = false;
  std::unordered_map<ConnectionId, std::shared_ptr<TcpConnection>> connections_;
};

class TcpConnection final : public Sender, public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(asio::ip::tcp::socket socket, ConnectionId id, TcpListener& listener);

  void start();
  // Closes at once; queued output is lost.
  void close(std::string_view why);

  bool send(std::string_view bytes, const Endpoint& to) override;
  ConnectionId id() const { return id_; }

 private:
  using Clock = std::chrono::steady_clock;

  void read();
  void onRead(const asio::error_code& ec, size_t n);
  void processFrames();
  void deliver(std::string_view bytes);
  void onFramingError(const sip::StreamFramer::Frame& frame);
  void flush();
  void onWritten(const asio::error_code& ec);
  void closeAfterFlush();
  void startDraining();
  Clock::time_point deadline() const;
  void armTimer();
  void onTimer(const asio::error_code& ec);

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  ConnectionId id_;
  TcpListener* listener_;  // null once closed
  MessageHandler* handler_;
  Endpoint peer_;
  Endpoint local_;
  sip::StreamFramer framer_;
  std::chrono::seconds idle_timeout_;
  size_t max_output_;
  Clock::time_point last_activity_;
  std::string outgoing_;  // queued while `writing_` is on the wire
  std::string writing_;
  std::array<char, 8192> read_buffer_;
  // Framing lost: once the answer is written, stop sending and read what the
  // peer still sends (so closing does not reset the connection under the
  // answer), until it closes, kDrainBytes arrive, or kDrainTime passes.
  bool close_after_flush_ = false;
  bool peer_closed_ = false;  // EOF seen: close once the output is written
  bool draining_ = false;
  size_t drained_ = 0;
  Clock::time_point drain_deadline_;
  bool closed_ = false;
};

}  // namespace tandem::transport
