#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace tandem::test {
namespace {

sockaddr_in socketAddress(const std::string& address, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    throw std::invalid_argument("not an IPv4 address: " + address);
  }
  return sa;
}

int boundSocket(int type, const std::string& address, uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  const sockaddr_in sa = socketAddress(address, port);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

uint16_t localPortOf(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

bool waitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

// ---------------------------------------------------------------------------

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tandem-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::write(const std::string& name, std::string_view text) const {
  const std::filesystem::path file = path_ / name;
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

std::string readFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---------------------------------------------------------------------------

Process::Process(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                 const std::filesystem::path& out, const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    pid_ = pid;
  }
  posix_spawn_file_actions_destroy(&actions);
}

Process::~Process() {
  if (started() && running()) {
    ::kill(pid_, SIGKILL);
    wait(milliseconds(5000));
  }
}

void Process::signal(int signal) const {
  if (started()) {
    ::kill(pid_, signal);
  }
}

bool Process::running() { return started() && !status_ && !wait(milliseconds(0)); }

std::optional<int> Process::wait(milliseconds timeout) {
  if (status_ || !started()) {
    return status_;
  }
  const auto end = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return status_;
    }
    if (std::chrono::steady_clock::now() >= end) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
}

int run(const std::vector<std::string>& argv, const std::filesystem::path& cwd, std::string& output,
        milliseconds timeout) {
  const std::filesystem::path out = cwd / ".run.out";
  const std::filesystem::path err = cwd / ".run.err";
  int status = -1;
  {
    Process process(argv, cwd, out, err);
    if (!process.started()) {
      output = "cannot start " + argv[0];
      return -1;
    }
    status = process.wait(timeout).value_or(-1);
  }
  output = readFile(out) + readFile(err);
  return status;
}

uint16_t freePort(const std::string& address) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const int tcp = boundSocket(SOCK_STREAM, address, 0);
    if (tcp < 0) {
      continue;
    }
    const uint16_t port = localPortOf(tcp);
    const int udp = boundSocket(SOCK_DGRAM, address, port);
    ::close(tcp);
    if (udp >= 0) {
      ::close(udp);
      return port;
    }
  }
  throw std::runtime_error("no free port on " + address);
}

// ---------------------------------------------------------------------------

UdpClient::UdpClient(const std::string& local_address) {
  fd_ = boundSocket(SOCK_DGRAM, local_address, 0);
  if (fd_ < 0) {
    throw std::runtime_error("cannot bind a UDP socket on " + local_address);
  }
  port_ = localPortOf(fd_);
}

UdpClient::~UdpClient() { ::close(fd_); }

void UdpClient::sendTo(const std::string& address, uint16_t port, std::string_view bytes) const {
  const sockaddr_in sa = socketAddress(address, port);
  ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

std::optional<std::string> UdpClient::receive(milliseconds timeout) const {
  if (!waitReadable(fd_, timeout)) {
    return std::nullopt;
  }
  std::string buffer(65536, '\0');
  const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
  if (n < 0) {
    return std::nullopt;
  }
  buffer.resize(static_cast<size_t>(n));
  return buffer;
}

TcpClient::TcpClient(const std::string& address, uint16_t port, const std::string& local_address) {
  fd_ = boundSocket(SOCK_STREAM, local_address, 0);
  const sockaddr_in sa = socketAddress(address, port);
  if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

bool TcpClient::send(std::string_view bytes) const {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void TcpClient::shutdownSend() const { ::shutdown(fd_, SHUT_WR); }

bool TcpClient::readUntil(std::string& bytes, std::string_view until, milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (bytes.find(until) == std::string::npos) {
    const auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !waitReadable(fd_, left)) {
      return false;
    }
    char buffer[8192];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed_ = true;
      return bytes.find(until) != std::string::npos;
    }
    bytes.append(buffer, static_cast<size_t>(n));
  }
  return true;
}

bool createStore(const std::filesystem::path& dir, const std::string& server_file) {
  std::string output;
  return run({TANDEMCTL_PATH, "--config", server_file, "domain", "list"}, dir, output) == 0;
}

std::vector<std::string> headerValues(const std::string& message, const std::string& name) {
  std::vector<std::string> out;
  const std::string key = "\r\n" + name + ":";
  for (size_t at = message.find(key); at != std::string::npos; at = message.find(key, at + 1)) {
    size_t start = at + key.size();
    while (start < message.size() && message[start] == ' ') {
      ++start;
    }
    out.push_back(message.substr(start, message.find("\r\n", start) - start));
  }
  return out;
}

}  // namespace tandem::test
