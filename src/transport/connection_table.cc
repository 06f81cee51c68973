#include "transport/connection_table.h"

#include <asio/post.hpp>
#include <atomic>

#include "transport/tcp_connection.h"

namespace tandem::transport {
namespace {

class DropEverything final : public MessageHandler {
 public:
  void onMessage(InboundMessage&&) override {}
  void onMalformed(const MalformedInput&) override {}
};

}  // namespace

ConnectionTable::ConnectionTable(asio::io_context& io, size_t worker, const Limits& limits)
    : io_(&io), worker_(worker), limits_(limits) {
  static DropEverything drop;  // stateless: shared by every worker
  handler_ = &drop;
}

ConnectionId ConnectionTable::nextId() {
  static std::atomic<uint64_t> last{0};
  return makeConnectionId(worker_, last.fetch_add(1, std::memory_order_relaxed) + 1);
}

void ConnectionTable::add(const std::shared_ptr<TcpConnection>& connection, size_t listener) {
  const Remote remote{connection->peer(), TransportKind::Tcp};
  by_id_.emplace(connection->id(), Entry{connection, listener, {remote}});
  by_remote_[remote] = connection->id();
  ++per_listener_[listener];
}

void ConnectionTable::forget(const TcpConnection& connection) {
  const auto it = by_id_.find(connection.id());
  if (it == by_id_.end()) {
    return;
  }
  for (const Remote& remote : it->second.remotes) {
    unindex(remote, connection.id());
  }
  if (gate_ != nullptr && it->second.listener != kOutbound) {
    gate_->release(it->second.remotes.front().endpoint);  // admitted by TcpListener
  }
  --per_listener_[it->second.listener];
  by_id_.erase(it);  // may destroy `connection` when nothing else holds it: last
}

void ConnectionTable::unindex(const Remote& remote, ConnectionId id) {
  const auto it = by_remote_.find(remote);
  if (it != by_remote_.end() && it->second == id) {
    by_remote_.erase(it);
  }
}

bool ConnectionTable::alias(ConnectionId id, const Endpoint& remote) {
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || !it->second.connection->usable()) {
    return false;
  }
  const Remote key{remote, TransportKind::Tcp};
  it->second.remotes.push_back(key);
  by_remote_[key] = id;
  return true;
}

TcpConnection* ConnectionTable::find(ConnectionId id) const {
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || !it->second.connection->usable()) {
    return nullptr;
  }
  return it->second.connection.get();
}

TcpConnection* ConnectionTable::findByRemote(TransportKind transport, const Endpoint& remote) const {
  const auto it = by_remote_.find(Remote{remote, transport});
  return it == by_remote_.end() ? nullptr : find(it->second);
}

size_t ConnectionTable::count(size_t listener) const {
  const auto it = per_listener_.find(listener);
  return it == per_listener_.end() ? 0 : it->second;
}

void ConnectionTable::closeAll(std::string_view why) {
  closed_ = true;
  auto entries = std::move(by_id_);
  by_id_.clear();
  by_remote_.clear();
  per_listener_.clear();
  for (auto& [id, entry] : entries) {
    entry.connection->close(why);
  }
}

void ConnectionTable::reportFailure(const Destination& to, SendError error, SendToken token) {
  if (closed_ || !on_failure_) {
    return;
  }
  asio::post(*io_, [table = weak_from_this(), to, error, token] {
    const std::shared_ptr<ConnectionTable> self = table.lock();
    if (self != nullptr && !self->closed_ && self->on_failure_) {
      self->on_failure_(to, error, token);
    }
  });
}

}  // namespace tandem::transport
