#include "transport/udp_listener.h"

#include <spdlog/spdlog.h>

#include "transport/socket_setup.h"

namespace tandem::transport {
namespace {

// Datagrams read per wake-up before yielding to the other sockets of the loop.
constexpr int kBatch = 64;

bool onlyLineBreaks(std::string_view bytes) { return bytes.find_first_not_of("\r\n") == std::string_view::npos; }

}  // namespace

Result<std::shared_ptr<UdpListener>, std::string> UdpListener::open(ConnectionTable& table, const ListenSpec& spec,
                                                                    detail::BindTarget& target, detail::BindMode mode) {
  asio::ip::udp::socket socket(table.io());
  asio::error_code ec = mode == detail::BindMode::Exclusive
                            ? detail::bindFirst<asio::ip::udp>(socket, spec.address, spec.port, target)
                            : detail::bindTo<asio::ip::udp>(socket, target, mode);
  if (!ec) {
    socket.non_blocking(true, ec);
  }
  if (ec) {
    return fail(detail::describe(ec));
  }
  return std::make_shared<UdpListener>(std::move(socket), table, target);
}

UdpListener::UdpListener(asio::ip::udp::socket socket, ConnectionTable& table, detail::BindTarget target)
    : socket_(std::move(socket)),
      buffer_(table.limits().max_message_size + 1),
      max_message_size_(table.limits().max_message_size),
      handler_(&table.handler()),
      target_(target) {
  asio::error_code ec;
  const asio::ip::udp::endpoint local = socket_.local_endpoint(ec);
  local_ = detail::normalize(local.address(), local.port());
  v6_socket_ = local.address().is_v6();
}

void UdpListener::start() { waitReadable(); }

void UdpListener::close() {
  closed_ = true;
  asio::error_code ec;
  socket_.close(ec);
}

void UdpListener::waitReadable() {
  socket_.async_wait(asio::socket_base::wait_read, [self = shared_from_this()](const asio::error_code& ec) {
    if (self->closed_ || ec == asio::error::operation_aborted) {
      return;
    }
    self->drain();
    if (!self->closed_) {
      self->waitReadable();
    }
  });
}

void UdpListener::drain() {
  for (int i = 0; i < kBatch && !closed_; ++i) {
    asio::error_code ec;
    const size_t n = socket_.receive_from(asio::buffer(buffer_), sender_, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      return;
    }
    if (ec) {
      // ICMP errors of earlier sends surface here on some systems: not fatal.
      spdlog::debug("udp {}: receive: {}", toString(local_), ec.message());
      continue;
    }
    onDatagram(std::string_view(buffer_.data(), n), detail::normalize(sender_.address(), sender_.port()));
  }
}

void UdpListener::onDatagram(std::string_view bytes, const Endpoint& source) {
  if (bytes.size() > max_message_size_) {
    spdlog::debug("udp {}: datagram from {} exceeds {} bytes, dropped", toString(local_), toString(source),
                  max_message_size_);
    return;
  }
  if (onlyLineBreaks(bytes)) {
    return;  // keep-alive
  }
  ReplyHandle reply(weak_from_this(), TransportKind::Udp);
  sip::Result<sip::Message> parsed = sip::Message::parse(bytes, sip::Framing::Datagram);
  if (!parsed) {
    handler_->onMalformed(MalformedInput{bytes, parsed.error(), source, local_, TransportKind::Udp, 0, reply, false});
    return;
  }
  handler_->onMessage(InboundMessage{std::move(parsed).value(), source, local_, TransportKind::Udp, 0, reply});
}

bool UdpListener::send(std::string_view bytes, const Endpoint& to) {
  if (closed_) {
    return false;
  }
  if (!v6_socket_ && to.address.is_v6()) {
    return false;  // an IPv4 socket cannot reach an IPv6 peer
  }
  const asio::ip::address address = detail::toFamily(to.address, v6_socket_);
  asio::error_code ec;
  socket_.send_to(asio::buffer(bytes.data(), bytes.size()), asio::ip::udp::endpoint(address, to.port), 0, ec);
  if (ec) {
    spdlog::debug("udp {}: send to {}: {}", toString(local_), toString(to), ec.message());
    return false;
  }
  return true;
}

}  // namespace tandem::transport
