#include "transport/tcp_connection.h"

#include <spdlog/spdlog.h>
#include <asio/connect.hpp>
#include <asio/write.hpp>

#include "transport/socket_setup.h"

namespace tandem::transport {
namespace {

constexpr std::string_view kPong = "\r\n";  // RFC 5626 §3.5.1
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr size_t kDrainBytes = 1024 * 1024;

}  // namespace

TcpConnection::TcpConnection(asio::ip::tcp::socket socket, ConnectionTable& table)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      table_(&table),
      handler_(&table.handler()),
      id_(table.nextId()),
      state_(State::Open),
      framer_(sip::FramerLimits{table.limits().max_message_size, table.limits().max_header_size}),
      idle_timeout_(table.limits().tcp_idle_timeout),
      max_output_(table.limits().max_output_buffer),
      max_connect_queue_(table.limits().max_connect_queue),
      last_activity_(Clock::now()) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint peer = socket_.remote_endpoint(ec);
  peer_ = detail::normalize(peer.address(), peer.port());
  const asio::ip::tcp::endpoint local = socket_.local_endpoint(ec);
  local_ = detail::normalize(local.address(), local.port());
}

TcpConnection::TcpConnection(ConnectionTable& table, const Endpoint& remote)
    : socket_(table.io()),
      timer_(table.io()),
      table_(&table),
      handler_(&table.handler()),
      id_(table.nextId()),
      state_(State::Connecting),
      peer_(detail::normalize(remote.address, remote.port)),
      framer_(sip::FramerLimits{table.limits().max_message_size, table.limits().max_header_size}),
      idle_timeout_(table.limits().tcp_idle_timeout),
      max_output_(table.limits().max_output_buffer),
      max_connect_queue_(table.limits().max_connect_queue),
      last_activity_(Clock::now()) {}

void TcpConnection::start() {
  spdlog::debug("tcp connection {} from {} to {}", connectionNumber(id_), toString(peer_), toString(local_));
  armTimer();
  read();
}

Status<SendError> TcpConnection::connect(const asio::ip::address& local) {
  const asio::ip::tcp::endpoint remote(peer_.address, peer_.port);
  asio::error_code ec;
  socket_.open(remote.protocol(), ec);
  if (!ec && !local.is_unspecified()) {
    // The connection leaves from the configured connection's address, so the
    // peer can authorize Tandem by source IP (brief, "Interfaces").
    socket_.bind(asio::ip::tcp::endpoint(local, 0), ec);
  }
  if (ec) {
    spdlog::debug("tcp connection {} to {}: {}", connectionNumber(id_), toString(peer_), ec.message());
    closed_ = true;
    table_ = nullptr;
    return fail(SendError::Failed);
  }
  spdlog::debug("tcp connection {} to {}: connecting", connectionNumber(id_), toString(peer_));
  connect_deadline_ = Clock::now() + table_->limits().tcp_connect_timeout;
  armTimer();
  socket_.async_connect(remote,
                        [self = shared_from_this()](const asio::error_code& error) { self->onConnected(error); });
  return {};
}

void TcpConnection::onConnected(const asio::error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted) {
    return;
  }
  if (ec) {
    close(ec.message(), SendError::ConnectFailed);
    return;
  }
  state_ = State::Open;
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  const asio::ip::tcp::endpoint local = socket_.local_endpoint(ignored);
  local_ = detail::normalize(local.address(), local.port());
  last_activity_ = Clock::now();
  spdlog::debug("tcp connection {} from {} to {}: connected", connectionNumber(id_), toString(local_), toString(peer_));
  armTimer();  // from the connect deadline to the idle one
  read();
  if (!outgoing_.empty()) {
    flush();
  }
}

void TcpConnection::close(std::string_view why, SendError error) {
  if (closed_) {
    return;
  }
  closed_ = true;
  spdlog::debug("tcp connection {} ({}) closed: {}", connectionNumber(id_), toString(peer_), why);
  asio::error_code ec;
  socket_.close(ec);
  timer_.cancel();
  reportTracked(error);
  if (table_ != nullptr) {
    ConnectionTable* table = table_;
    table_ = nullptr;
    table->forget(*this);  // may drop the table's reference; callers hold their own
  }
}

void TcpConnection::reportTracked(SendError error) {
  if (table_ == nullptr) {
    return;
  }
  const Destination to{peer_, TransportKind::Tcp, id_};
  for (const SendToken token : tracked_writing_) {
    table_->reportFailure(to, error, token);
  }
  for (const SendToken token : tracked_outgoing_) {
    table_->reportFailure(to, error, token);
  }
  tracked_writing_.clear();
  tracked_outgoing_.clear();
}

void TcpConnection::read() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->onRead(ec, n); });
}

void TcpConnection::onRead(const asio::error_code& ec, size_t n) {
  if (closed_) {
    return;
  }
  if (ec == asio::error::eof && !draining_) {
    // The peer is done sending; what we still owe it is written first.
    peer_closed_ = true;
    closeAfterFlush();
    return;
  }
  if (ec) {
    close(ec == asio::error::eof ? "closed by peer" : ec.message());
    return;
  }
  last_activity_ = Clock::now();
  if (draining_) {
    drained_ += n;
    if (drained_ > kDrainBytes) {
      close("framing error");
      return;
    }
  } else if (!close_after_flush_) {
    framer_.append(std::string_view(read_buffer_.data(), n));
    processFrames();
  }
  if (!closed_) {
    read();
  }
}

void TcpConnection::processFrames() {
  while (!closed_ && !close_after_flush_) {
    const sip::StreamFramer::Frame frame = framer_.next();
    switch (frame.kind) {
      case sip::StreamFramer::Kind::NeedMore:
        return;
      case sip::StreamFramer::Kind::KeepAlive:
        send(kPong, peer_);
        break;
      case sip::StreamFramer::Kind::Message:
        deliver(frame.message);
        break;
      case sip::StreamFramer::Kind::Error:
        onFramingError(frame);
        return;
    }
  }
}

void TcpConnection::deliver(std::string_view bytes) {
  ReplyHandle reply(weak_from_this(), TransportKind::Tcp);
  sip::Result<sip::Message> parsed = sip::Message::parse(bytes, sip::Framing::Stream);
  if (!parsed) {
    // The framer cut the message, so the stream itself is intact.
    handler_->onMalformed(MalformedInput{bytes, parsed.error(), peer_, local_, TransportKind::Tcp, id_, reply, false});
    return;
  }
  handler_->onMessage(InboundMessage{std::move(parsed).value(), peer_, local_, TransportKind::Tcp, id_, reply});
}

void TcpConnection::onFramingError(const sip::StreamFramer::Frame& frame) {
  spdlog::debug("tcp connection {} ({}): {} {}", connectionNumber(id_), toString(peer_), frame.error.status,
                frame.error.reason);
  ReplyHandle reply(weak_from_this(), TransportKind::Tcp);
  handler_->onMalformed(
      MalformedInput{frame.message, frame.error, peer_, local_, TransportKind::Tcp, id_, reply, true});
  closeAfterFlush();
}

bool TcpConnection::send(std::string_view bytes, const Endpoint& /*to: a stream answers on itself*/) {
  return queue(bytes, nullptr).ok();
}

Status<SendError> TcpConnection::send(std::string_view bytes, SendToken token) { return queue(bytes, &token); }

Status<SendError> TcpConnection::queue(std::string_view bytes, const SendToken* token) {
  if (closed_ || draining_) {
    return fail(SendError::ConnectionClosed);
  }
  if (state_ == State::Connecting) {
    if (outgoing_.size() + bytes.size() > max_connect_queue_) {
      return fail(SendError::QueueFull);
    }
  } else if (outgoing_.size() + writing_.size() + bytes.size() > max_output_) {
    close("peer does not read (output buffer full)");
    return fail(SendError::QueueFull);
  }
  outgoing_.append(bytes);
  if (token != nullptr) {
    tracked_outgoing_.push_back(*token);
  }
  if (state_ == State::Open && writing_.empty()) {
    flush();
  }
  return {};
}

void TcpConnection::flush() {
  writing_.swap(outgoing_);
  tracked_writing_.swap(tracked_outgoing_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const asio::error_code& ec, size_t) { self->onWritten(ec); });
}

void TcpConnection::onWritten(const asio::error_code& ec) {
  if (closed_) {
    return;
  }
  if (ec) {
    close(ec.message());
    return;
  }
  writing_.clear();
  tracked_writing_.clear();
  last_activity_ = Clock::now();  // a connection in use either way is not idle
  if (!outgoing_.empty()) {
    flush();
  } else if (close_after_flush_) {
    startDraining();
  }
}

void TcpConnection::closeAfterFlush() {
  close_after_flush_ = true;
  if (writing_.empty() && outgoing_.empty()) {
    startDraining();
  }
}

void TcpConnection::startDraining() {
  if (peer_closed_) {
    close("closed by peer");
    return;
  }
  draining_ = true;
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  drain_deadline_ = Clock::now() + kDrainTime;
  armTimer();
}

TcpConnection::Clock::time_point TcpConnection::deadline() const {
  if (state_ == State::Connecting) {
    return connect_deadline_;
  }
  return draining_ ? drain_deadline_ : last_activity_ + idle_timeout_;
}

void TcpConnection::armTimer() {
  timer_.expires_at(deadline());
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) { self->onTimer(ec); });
}

// The timer is not moved on every read: when it fires early (there was
// activity since, or the connect completed), it is set again for the
// remaining time.
void TcpConnection::onTimer(const asio::error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted) {
    return;
  }
  if (Clock::now() < deadline()) {
    armTimer();
    return;
  }
  if (state_ == State::Connecting) {
    close("connect timeout", SendError::ConnectTimeout);
    return;
  }
  close(draining_ ? "framing error" : "idle timeout");
}

}  // namespace tandem::transport
