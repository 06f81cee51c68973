#include "transport/tcp_listener.h"

#include <spdlog/spdlog.h>
#include <asio/write.hpp>
#include <atomic>

#include "transport/socket_setup.h"

namespace tandem::transport {
namespace {

constexpr std::string_view kPong = "\r\n";  // RFC 5626 §3.5.1
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr size_t kDrainBytes = 1024 * 1024;

ConnectionId nextConnectionId() {
  static std::atomic<ConnectionId> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// Out of descriptors or memory: accepting again at once would spin.
bool isResourceShortage(const asio::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
         ec.value() == ENFILE;
}

}  // namespace

// ---------------------------------------------------------------------------
// TcpListener

Result<std::shared_ptr<TcpListener>, std::string> TcpListener::open(asio::io_context& io, const ListenSpec& spec,
                                                                    const Limits& limits, MessageHandler& handler) {
  asio::ip::tcp::acceptor acceptor(io);
  asio::error_code ec = detail::openAndBind<asio::ip::tcp>(acceptor, spec.address, spec.port);
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(detail::describe(ec));
  }
  return std::make_shared<TcpListener>(std::move(acceptor), limits, handler);
}

TcpListener::TcpListener(asio::ip::tcp::acceptor acceptor, const Limits& limits, MessageHandler& handler)
    : acceptor_(std::move(acceptor)), retry_timer_(acceptor_.get_executor()), limits_(limits), handler_(&handler) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint local = acceptor_.local_endpoint(ec);
  local_ = detail::normalize(local.address(), local.port());
}

void TcpListener::start() { accept(); }

void TcpListener::close() {
  closed_ = true;
  asio::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) {
    connection->close("server stopping");
  }
}

void TcpListener::accept() {
  acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    self->onAccept(ec, std::move(socket));
  });
}

void TcpListener::onAccept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (closed_ || ec == asio::error::operation_aborted) {
    return;
  }
  if (isResourceShortage(ec)) {
    spdlog::warn("tcp {}: accept: {}; retrying", toString(local_), ec.message());
    retryAcceptLater();
    return;
  }
  if (!ec && connections_.size() >= limits_.tcp_max_connections) {
    spdlog::debug("tcp {}: {} connections open (limits.tcp_max_connections), refusing one", toString(local_),
                  connections_.size());
    asio::error_code ignored;
    socket.close(ignored);
  } else if (!ec) {
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto connection = std::make_shared<TcpConnection>(std::move(socket), nextConnectionId(), *this);
    connections_.emplace(connection->id(), connection);
    connection->start();
  }
  accept();
}

void TcpListener::retryAcceptLater() {
  retry_timer_.expires_after(kAcceptRetry);
  retry_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec && !self->closed_) {
      self->accept();
    }
  });
}

// ---------------------------------------------------------------------------
// TcpConnection

TcpConnection::TcpConnection(asio::ip::tcp::socket socket, ConnectionId id, TcpListener& listener)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      id_(id),
      listener_(&listener),
      handler_(listener.handler_),
      framer_(sip::FramerLimits{listener.limits_.max_message_size, listener.limits_.max_header_size}),
      idle_timeout_(listener.limits_.tcp_idle_timeout),
      max_output_(listener.limits_.max_output_buffer),
      last_activity_(Clock::now()) {
  asio::error_code ec;
  const asio::ip::tcp::endpoint peer = socket_.remote_endpoint(ec);
  peer_ = detail::normalize(peer.address(), peer.port());
  const asio::ip::tcp::endpoint local = socket_.local_endpoint(ec);
  local_ = detail::normalize(local.address(), local.port());
}

void TcpConnection::start() {
  spdlog::debug("tcp connection {} from {} to {}", id_, toString(peer_), toString(local_));
  armTimer();
  read();
}

void TcpConnection::close(std::string_view why) {
  if (closed_) {
    return;
  }
  closed_ = true;
  spdlog::debug("tcp connection {} ({}) closed: {}", id_, toString(peer_), why);
  asio::error_code ec;
  socket_.close(ec);
  timer_.cancel();
  if (listener_ != nullptr) {
    TcpListener* listener = listener_;
    listener_ = nullptr;
    listener->forget(id_);  // may drop the listener's reference; callers hold their own
  }
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
  spdlog::debug("tcp connection {} ({}): {} {}", id_, toString(peer_), frame.error.status, frame.error.reason);
  ReplyHandle reply(weak_from_this(), TransportKind::Tcp);
  handler_->onMalformed(
      MalformedInput{frame.message, frame.error, peer_, local_, TransportKind::Tcp, id_, reply, true});
  closeAfterFlush();
}

bool TcpConnection::send(std::string_view bytes, const Endpoint& /*to: a stream answers on itself*/) {
  if (closed_ || draining_) {
    return false;
  }
  if (outgoing_.size() + writing_.size() + bytes.size() > max_output_) {
    close("peer does not read (output buffer full)");
    return false;
  }
  outgoing_.append(bytes);
  if (writing_.empty()) {
    flush();
  }
  return true;
}

void TcpConnection::flush() {
  writing_.swap(outgoing_);
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
  return draining_ ? drain_deadline_ : last_activity_ + idle_timeout_;
}

void TcpConnection::armTimer() {
  timer_.expires_at(deadline());
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) { self->onTimer(ec); });
}

// The timer is not moved on every read: when it fires early (there was
// activity since), it is set again for the remaining time.
void TcpConnection::onTimer(const asio::error_code& ec) {
  if (closed_ || ec == asio::error::operation_aborted) {
    return;
  }
  if (Clock::now() < deadline()) {
    armTimer();
    return;
  }
  close(draining_ ? "framing error" : "idle timeout");
}

}  // namespace tandem::transport
