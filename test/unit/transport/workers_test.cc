// Workers: one event loop per core over SO_REUSEPORT sockets. Real threads
// and real sockets on loopback addresses.

#include "transport/worker.h"

#include <gtest/gtest.h>

#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <atomic>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "loopback.h"

namespace tandem::transport {
namespace {

using test::ip;
using test::options;

// Counts what one worker receives; touched only on that worker's thread
// except for the atomics.
class Counter final : public MessageHandler {
 public:
  void onMessage(InboundMessage&& in) override {
    thread = std::this_thread::get_id();
    last_connection = in.connection;
    ++messages;
  }
  void onMalformed(const MalformedInput&) override {}

  std::atomic<int> messages{0};
  std::atomic<ConnectionId> last_connection{0};
  std::thread::id thread;
};

class WorkersTest : public ::testing::Test {
 protected:
  std::unique_ptr<Workers> open(size_t count, std::vector<ListenSpec> specs) {
    for (size_t i = 0; i < count; ++i) {
      counters_.push_back(std::make_unique<Counter>());
    }
    auto workers = Workers::open(count, specs, Limits{},
                                 [&](Worker& worker) -> MessageHandler& { return *counters_[worker.index()]; });
    EXPECT_TRUE(workers.ok()) << workers.error();
    return workers.ok() ? std::move(*workers) : nullptr;
  }
  int total() const {
    int sum = 0;
    for (const auto& counter : counters_) {
      sum += counter->messages;
    }
    return sum;
  }
  int busyWorkers() const {
    int busy = 0;
    for (const auto& counter : counters_) {
      busy += counter->messages > 0 ? 1 : 0;
    }
    return busy;
  }

  asio::io_context peer_io_;  // the test's clients: blocking, never run
  std::vector<std::unique_ptr<Counter>> counters_;
};

TEST_F(WorkersTest, EveryWorkerBindsTheSamePortZeroResolved) {
  auto workers = open(3, {{"127.0.0.1", TransportKind::Udp, 0}, {"*", TransportKind::Tcp, 0}});
  ASSERT_NE(workers, nullptr);
  ASSERT_EQ(workers->size(), 3u);
  for (size_t i = 0; i < workers->size(); ++i) {
    ASSERT_EQ((*workers)[i].bound().size(), 2u);
    EXPECT_EQ((*workers)[i].index(), i);
    EXPECT_EQ((*workers)[i].bound()[0].endpoint, workers->bound()[0].endpoint);
    EXPECT_EQ((*workers)[i].bound()[1].endpoint, workers->bound()[1].endpoint);
  }
  EXPECT_NE(workers->bound()[0].endpoint.port, 0);
  EXPECT_NE(workers->bound()[1].endpoint.port, 0);
}

TEST_F(WorkersTest, DatagramsFromManyPeersSpreadAcrossWorkers) {
  auto workers = open(4, {{"127.0.0.1", TransportKind::Udp, 0}});
  ASSERT_NE(workers, nullptr);
  workers->start();
  const asio::ip::udp::endpoint server(ip("127.0.0.1"), workers->bound()[0].endpoint.port);
  std::vector<asio::ip::udp::socket> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));  // a source port each
    clients.back().send_to(asio::buffer(options(std::to_string(i))), server);
  }
  ASSERT_TRUE(test::waitFor([&] { return total() == 64; })) << total();
  // Every socket gets some, worker 0's (which set SO_REUSEPORT after bind)
  // too: 4 * (3/4)^64 ≈ 4e-8 that the 4-tuple hash leaves one out.
  EXPECT_EQ(busyWorkers(), 4);
  workers->stop();
  workers->join();
  std::set<std::thread::id> threads;
  for (const auto& counter : counters_) {
    if (counter->messages > 0) {
      threads.insert(counter->thread);
    }
  }
  EXPECT_EQ(threads.size(), static_cast<size_t>(busyWorkers())) << "one thread per worker";
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST_F(WorkersTest, ConnectionsSpreadAcrossWorkersAndNameTheirWorker) {
  auto workers = open(4, {{"127.0.0.1", TransportKind::Tcp, 0}});
  ASSERT_NE(workers, nullptr);
  workers->start();
  const asio::ip::tcp::endpoint server(ip("127.0.0.1"), workers->bound()[0].endpoint.port);
  std::vector<asio::ip::tcp::socket> clients;
  for (int i = 0; i < 64; ++i) {
    clients.emplace_back(peer_io_);
    clients.back().connect(server);
    asio::write(clients.back(), asio::buffer(options(std::to_string(i))));
  }
  ASSERT_TRUE(test::waitFor([&] { return total() == 64; })) << total();
  EXPECT_EQ(busyWorkers(), 4);
  for (size_t i = 0; i < counters_.size(); ++i) {
    if (counters_[i]->messages > 0) {
      EXPECT_EQ(workerOf(counters_[i]->last_connection), i);
    }
  }
}

TEST_F(WorkersTest, PostRunsOnTheWorkersThread) {
  auto workers = open(2, {});
  ASSERT_NE(workers, nullptr);
  workers->start();
  auto threadOf = [&](size_t index) {
    std::promise<std::thread::id> id;
    workers->post(index, [&id] { id.set_value(std::this_thread::get_id()); });
    return id.get_future().get();
  };
  const std::thread::id first = threadOf(0);
  EXPECT_EQ(threadOf(0), first);
  EXPECT_NE(threadOf(1), first);
  EXPECT_NE(first, std::this_thread::get_id());
}

TEST_F(WorkersTest, StopClosesConnectionsAndReturns) {
  auto workers = open(2, {{"127.0.0.1", TransportKind::Tcp, 0}});
  ASSERT_NE(workers, nullptr);
  workers->start();
  asio::ip::tcp::socket client(peer_io_);
  client.connect(asio::ip::tcp::endpoint(ip("127.0.0.1"), workers->bound()[0].endpoint.port));
  asio::write(client, asio::buffer(options()));
  ASSERT_TRUE(test::waitFor([&] { return total() == 1; }));
  workers->stop();
  workers->join();
  std::string rest;
  EXPECT_FALSE(test::readAvailable(client, rest)) << "the connection is closed";
}

// A second server on the same address and port must fail to start, whether
// the first holds it with SO_REUSEPORT (another tandemd) or not.
TEST_F(WorkersTest, ASecondServerOnTheSameAddressAndPortFails) {
  auto first = open(2, {{"127.0.0.1", TransportKind::Udp, 0}, {"127.0.0.1", TransportKind::Tcp, 0}});
  ASSERT_NE(first, nullptr);
  const uint16_t udp = first->bound()[0].endpoint.port;
  const uint16_t tcp = first->bound()[1].endpoint.port;

  Counter other;
  const auto handler = [&](Worker&) -> MessageHandler& { return other; };
  const std::vector<ListenSpec> same_udp = {{"127.0.0.1", TransportKind::Udp, udp}};
  auto second = Workers::open(2, same_udp, Limits{}, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), "connection 1 (udp 127.0.0.1:" + std::to_string(udp) + "): address in use");

  const std::vector<ListenSpec> same_tcp = {{"127.0.0.2", TransportKind::Udp, 0}, {"*", TransportKind::Tcp, tcp}};
  second = Workers::open(1, same_tcp, Limits{}, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), "connection 2 (tcp *:" + std::to_string(tcp) + "): address in use");

  // Once the first is gone, the address is free again.
  first.reset();
  second = Workers::open(2, {{{"127.0.0.1", TransportKind::Udp, udp}, {"127.0.0.1", TransportKind::Tcp, tcp}}},
                         Limits{}, handler);
  EXPECT_TRUE(second.ok()) << second.error();
}

// Handlers that own I/O objects on their worker's loop (a proxy core's timer
// wheel) are made between create() and listen(), and outlive a failed listen().
TEST_F(WorkersTest, HandlersOwningTimersSurviveAFailedListen) {
  struct Core final : MessageHandler {
    explicit Core(Worker& worker) : timer(worker.io()) {}
    void onMessage(InboundMessage&&) override {}
    void onMalformed(const MalformedInput&) override {}
    asio::steady_timer timer;
  };
  asio::ip::udp::socket holder(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  const uint16_t taken = holder.local_endpoint().port();

  std::unique_ptr<Workers> workers = Workers::create(2, Limits{});
  std::vector<std::unique_ptr<Core>> cores;
  for (size_t i = 0; i < workers->size(); ++i) {
    cores.push_back(std::make_unique<Core>((*workers)[i]));
    (*workers)[i].setHandler(*cores.back());
  }
  const std::vector<ListenSpec> specs = {{"127.0.0.1", TransportKind::Tcp, 0},
                                         {"127.0.0.1", TransportKind::Udp, taken}};
  const Status<std::string> listening = workers->listen(specs);
  ASSERT_FALSE(listening.ok());
  EXPECT_EQ(listening.error(), "connection 2 (udp 127.0.0.1:" + std::to_string(taken) + "): address in use");
  ASSERT_EQ((*workers)[0].bound().size(), 1u);
  const uint16_t tcp = (*workers)[0].bound()[0].endpoint.port;
  cores.clear();  // before the loops their timers are on
  workers.reset();

  // The TCP port opened before the failure was let go again.
  workers = Workers::create(2, Limits{});
  const Status<std::string> again = workers->listen(std::vector<ListenSpec>{{"127.0.0.1", TransportKind::Tcp, tcp}});
  EXPECT_TRUE(again.ok()) << again.error();
}

TEST_F(WorkersTest, ASocketHeldWithReusePortByAnotherProgramMakesOpenFail) {
  asio::ip::udp::socket holder(peer_io_);
  holder.open(asio::ip::udp::v4());
  holder.set_option(detail::ReusePortOption(true));
  holder.bind(asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  const uint16_t port = holder.local_endpoint().port();
  Counter other;
  auto workers = Workers::open(2, {{{"127.0.0.1", TransportKind::Udp, port}}}, Limits{},
                               [&](Worker&) -> MessageHandler& { return other; });
  ASSERT_FALSE(workers.ok());
  EXPECT_EQ(workers.error(), "connection 1 (udp 127.0.0.1:" + std::to_string(port) + "): address in use");
}

TEST_F(WorkersTest, EachWorkerSendsFromTheSharedAddressAndPort) {
  auto workers = open(3, {{"127.0.0.3", TransportKind::Udp, 0}});
  ASSERT_NE(workers, nullptr);
  workers->start();
  asio::ip::udp::socket peer(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  const Destination to{{peer.local_endpoint().address(), peer.local_endpoint().port()}, TransportKind::Udp, {}};
  for (size_t i = 0; i < workers->size(); ++i) {
    workers->post(i, [&workers, i, to] { ASSERT_TRUE((*workers)[i].egress().send(options(), to).ok()); });
  }
  for (size_t i = 0; i < workers->size(); ++i) {
    std::array<char, 2048> buffer{};
    asio::ip::udp::endpoint source;
    peer.receive_from(asio::buffer(buffer), source);
    EXPECT_EQ(source.address(), ip("127.0.0.3"));
    EXPECT_EQ(source.port(), workers->bound()[0].endpoint.port);
  }
}

}  // namespace
}  // namespace tandem::transport
