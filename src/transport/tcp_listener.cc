#include "transport/tcp_listener.h"

#include <spdlog/spdlog.h>

#include "transport/tcp_connection.h"

namespace tandem::transport {
namespace {

constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// Out of descriptors or memory: accepting again at once would spin.
bool isResourceShortage(const asio::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space || ec == asio::error::no_memory ||
         ec.value() == ENFILE;
}

}  // namespace

Result<std::shared_ptr<TcpListener>, std::string> TcpListener::open(ConnectionTable& table, size_t index,
                                                                    const ListenSpec& spec, detail::BindTarget& target,
                                                                    detail::BindMode mode) {
  asio::ip::tcp::acceptor acceptor(table.io());
  asio::error_code ec = mode == detail::BindMode::Exclusive
                            ? detail::bindFirst<asio::ip::tcp>(acceptor, spec.address, spec.port, target)
                            : detail::bindTo<asio::ip::tcp>(acceptor, target, mode);
  if (!ec) {
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return fail(detail::describe(ec));
  }
  return std::make_shared<TcpListener>(std::move(acceptor), table, index, target);
}

TcpListener::TcpListener(asio::ip::tcp::acceptor acceptor, ConnectionTable& table, size_t index,
                         detail::BindTarget target)
    : acceptor_(std::move(acceptor)),
      retry_timer_(acceptor_.get_executor()),
      table_(&table),
      index_(index),
      target_(target) {
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
  const Limits& limits = table_->limits();
  if (!ec && table_->count(index_) >= limits.tcp_max_connections) {
    spdlog::debug("tcp {}: {} connections open (limits.tcp_max_connections), refusing one", toString(local_),
                  table_->count(index_));
    asio::error_code ignored;
    socket.close(ignored);
  } else if (!ec && !admitted(socket)) {
    asio::error_code ignored;
    socket.close(ignored);
  } else if (!ec) {
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto connection = std::make_shared<TcpConnection>(std::move(socket), *table_);
    table_->add(connection, index_);
    connection->start();
  }
  accept();
}

bool TcpListener::admitted(const asio::ip::tcp::socket& socket) const {
  InboundGate* gate = table_->inboundGate();
  if (gate == nullptr) {
    return true;
  }
  asio::error_code ec;
  const asio::ip::tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) {
    return false;  // already gone
  }
  return gate->admit(detail::normalize(remote.address(), remote.port()));
}

void TcpListener::retryAcceptLater() {
  retry_timer_.expires_after(kAcceptRetry);
  retry_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec && !self->closed_) {
      self->accept();
    }
  });
}

}  // namespace tandem::transport
