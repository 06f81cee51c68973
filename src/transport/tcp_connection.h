#pragma once

// One TCP connection (RFC 3261 §18.3), accepted by a TcpListener or opened by
// the Egress; once open both are the same. It cuts its byte stream into
// messages with a sip::StreamFramer, answers CRLF keep-alive pings, writes
// what is sent on it in order, and is closed when idle, when its peer stops
// reading, or when framing is lost. Every buffer is bounded by Limits.
// Internal to transport/; lives on its worker's thread.
//
// Sends come two ways. A ReplyHandle's (the stateless answers) are fire and
// forget. The Egress's are tracked: if the connection fails before their
// bytes are handed to the kernel — the connect is refused or times out, the
// connection resets or is closed — each is reported once through
// ConnectionTable::reportFailure with its SendToken.

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sip/framing.h"
#include "transport/connection_table.h"
#include "transport/inbound.h"

namespace tandem::transport {

class TcpConnection final : public Sender, public std::enable_shared_from_this<TcpConnection> {
 public:
  // Accepted: call start().
  TcpConnection(asio::ip::tcp::socket socket, ConnectionTable& table);
  // Outbound to `remote`: call connect().
  TcpConnection(ConnectionTable& table, const Endpoint& remote);

  void start();
  // Binds to (`local`, 0) — unless `local` is unspecified — and connects,
  // within Limits::tcp_connect_timeout. Bytes sent meanwhile are queued, up
  // to Limits::max_connect_queue. The error is what failed at once (the bind).
  Status<SendError> connect(const asio::ip::address& local);
  // Closes at once; queued output is lost (tracked sends reported as `error`).
  void close(std::string_view why, SendError error = SendError::ConnectionClosed);

  // ReplyHandle: queues `bytes` (`to` is not used: a stream answers on itself).
  bool send(std::string_view bytes, const Endpoint& to) override;
  // Egress: queues `bytes`; a later failure is reported with `token`.
  Status<SendError> send(std::string_view bytes, SendToken token);

  ConnectionId id() const { return id_; }
  const Endpoint& peer() const { return peer_; }
  const Endpoint& local() const { return local_; }  // unspecified while connecting
  // Open or connecting, and not on its way to closing: takes new messages.
  bool usable() const { return !closed_ && !close_after_flush_; }

 private:
  using Clock = std::chrono::steady_clock;
  enum class State : uint8_t { Connecting, Open };

  void onConnected(const asio::error_code& ec);
  Status<SendError> queue(std::string_view bytes, const SendToken* token);
  void read();
  void onRead(const asio::error_code& ec, size_t n);
  void processFrames();
  void deliver(std::string_view bytes);
  void onFramingError(const sip::StreamFramer::Frame& frame);
  void flush();
  void onWritten(const asio::error_code& ec);
  void closeAfterFlush();
  void startDraining();
  void reportTracked(SendError error);
  Clock::time_point deadline() const;
  void armTimer();
  void onTimer(const asio::error_code& ec);

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  ConnectionTable* table_;  // null once closed
  MessageHandler* handler_;
  ConnectionId id_;
  State state_;
  Endpoint peer_;
  Endpoint local_;
  sip::StreamFramer framer_;
  std::chrono::seconds idle_timeout_;
  size_t max_output_;
  size_t max_connect_queue_;
  Clock::time_point last_activity_;
  Clock::time_point connect_deadline_;
  std::string outgoing_;  // queued while `writing_` is on the wire (or while connecting)
  std::string writing_;
  // The tokens of the Egress's sends in `outgoing_` and in `writing_`.
  std::vector<SendToken> tracked_outgoing_;
  std::vector<SendToken> tracked_writing_;
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
