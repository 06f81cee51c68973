#pragma once

// Black-box test harness: runs the real binaries (tandemd, tandemctl, sipp) as
// child processes on loopback addresses, and talks to them with plain sockets.
// Everything is torn down by destructors: processes are killed and reaped,
// temporary folders removed.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace tandem::test {

using std::chrono::milliseconds;

// A temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& file);

// A child process with stdin from /dev/null and stdout / stderr in files.
class Process {
 public:
  // argv[0] without a '/' is searched in PATH. pid() is -1 when it could not start.
  Process(const std::vector<std::string>& argv, const std::filesystem::path& cwd, const std::filesystem::path& out,
          const std::filesystem::path& err);
  ~Process();  // SIGKILL and reap when still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  void signal(int signal) const;
  // The exit status (128 + signal number when killed by one); nullopt when it
  // is still running after `timeout`.
  std::optional<int> wait(milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Runs a command to completion (killed after `timeout`); returns its exit
// status, and its stdout + stderr in `output`.
int run(const std::vector<std::string>& argv, const std::filesystem::path& cwd, std::string& output,
        milliseconds timeout = milliseconds(20000));

// Creates the store `server_file` (in `dir`) names, as an administrator does
// before the first start (tandemd refuses a missing database): runs
// `tandemctl --config <server_file> domain list`. False when it failed.
bool createStore(const std::filesystem::path& dir, const std::string& server_file = "server.toml");

// The values of every `name` header line of a SIP message's text (exact
// case, one value per line, leading spaces dropped), in order.
std::vector<std::string> headerValues(const std::string& message, const std::string& name);

// A port free for both UDP and TCP on `address` right now.
uint16_t freePort(const std::string& address = "127.0.0.1");

// Polls until `predicate` holds or `timeout` passes.
template <class Predicate>
bool eventually(Predicate predicate, milliseconds timeout = milliseconds(10000)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
  return true;
}

// Plain sockets for hostile and hand-made input.
class UdpClient {
 public:
  explicit UdpClient(const std::string& local_address = "127.0.0.20");
  ~UdpClient();
  uint16_t localPort() const { return port_; }
  void sendTo(const std::string& address, uint16_t port, std::string_view bytes) const;
  // One datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(milliseconds timeout = milliseconds(2000)) const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class TcpClient {
 public:
  TcpClient(const std::string& address, uint16_t port, const std::string& local_address = "127.0.0.20");
  ~TcpClient();
  bool connected() const { return fd_ >= 0; }
  // False when the peer closed or reset the connection.
  bool send(std::string_view bytes) const;
  // Half-close: the peer reads EOF, and can still answer.
  void shutdownSend() const;
  // Reads until `bytes` holds `until` (returns true), or the peer closes
  // (closed() becomes true) or `timeout` passes.
  bool readUntil(std::string& bytes, std::string_view until, milliseconds timeout = milliseconds(3000));
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

}  // namespace tandem::test
