#pragma once

// Helpers for transport tests on real loopback sockets.

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "transport/inbound.h"

namespace tandem::transport::test {

inline std::string options(std::string_view tag = "1") {
  return "OPTIONS sip:lcs1.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/TCP 127.0.0.9:5060;branch=z9hG4bK" +
         std::string(tag) +
         "\r\n"
         "Content-Length: 0\r\n"
         "\r\n";
}

inline asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

// Remembers what arrived.
class Recorder final : public MessageHandler {
 public:
  struct Received {
    std::string start_line;
    Endpoint source;
    Endpoint local;
    TransportKind transport;
    ConnectionId connection;
  };
  void onMessage(InboundMessage&& in) override {
    received.push_back({std::string(in.message.startLine()), in.source, in.local, in.transport, in.connection});
  }
  void onMalformed(const MalformedInput& in) override { malformed.push_back(in.error.status); }

  std::vector<Received> received;
  std::vector<int> malformed;
};

// Runs `io` until `done` or `timeout` passes; true when done.
template <class Done>
bool runUntil(asio::io_context& io, Done done, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(std::chrono::milliseconds(5));
    io.restart();
  }
  return done();
}

// Polls (without a loop of ours) until `done` or `timeout` passes.
template <class Done>
bool waitFor(Done done, std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// Appends what a non-blocking stream socket has to `out`; false on EOF or error.
inline bool readAvailable(asio::ip::tcp::socket& socket, std::string& out) {
  socket.non_blocking(true);
  std::array<char, 4096> buffer{};
  for (;;) {
    asio::error_code ec;
    const size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block) {
      return true;
    }
    if (ec) {
      return false;
    }
    out.append(buffer.data(), n);
  }
}

}  // namespace tandem::transport::test
