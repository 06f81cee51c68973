#include "dnsmasq.h"

#include <ares.h>
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

namespace tandem::test {
namespace {

constexpr const char* kDnsmasq = "/usr/sbin/dnsmasq";

sockaddr_in loopback(uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sa;
}

int udpSocket(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const sockaddr_in sa = loopback(port);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
    throw std::runtime_error(std::string("cannot bind a UDP socket on 127.0.0.1: ") + std::strerror(errno));
  }
  return fd;
}

// True when something on 127.0.0.1:port answers a DNS query (any answer:
// dnsmasq refuses names outside its local domains, which is an answer).
bool answers(uint16_t port) {
  unsigned char* query = nullptr;
  int length = 0;
  if (ares_create_query("ready.invalid", 1 /* IN */, 1 /* A */, 0x5eed, 1, &query, &length, 0) != ARES_SUCCESS) {
    return false;
  }
  const int fd = udpSocket(0);
  const sockaddr_in sa = loopback(port);
  ::sendto(fd, query, static_cast<size_t>(length), 0, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  ares_free_string(query);
  pollfd p{fd, POLLIN, 0};
  char buffer[512];
  const bool ok = ::poll(&p, 1, 200) > 0 && ::recv(fd, buffer, sizeof buffer, 0) > 0;
  ::close(fd);
  return ok;
}

// The names of the current user and group: dnsmasq drops privileges to
// "nobody"/"dip" by default (and fails when "dip" does not exist); staying as
// we are works as root and as anyone else.
std::string userName() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "root";
}

std::string groupName() {
  const group* gr = ::getgrgid(::getegid());
  return gr != nullptr ? gr->gr_name : "root";
}

}  // namespace

Dnsmasq::Dnsmasq(DnsRecords records) : records_(std::move(records)) {
  // A free port can be taken by someone else before dnsmasq binds it: retry.
  for (int attempt = 0; attempt < 5 && !started(); ++attempt) {
    port_ = freePort("127.0.0.1");
    launch();
  }
}

Dnsmasq::~Dnsmasq() { stop(); }

void Dnsmasq::stop() {
  if (process_ != nullptr) {
    process_->signal(SIGKILL);
    process_->wait(milliseconds(5000));
    process_.reset();
  }
}

bool Dnsmasq::restart(DnsRecords records) {
  stop();
  records_ = std::move(records);
  return launch();
}

bool Dnsmasq::launch() {
  ++generation_;
  std::ostringstream conf;
  conf << "no-resolv\nno-hosts\nbind-interfaces\nlisten-address=127.0.0.1\n"
       << "port=" << port_ << "\n"
       << "user=" << userName() << "\ngroup=" << groupName() << "\n"
       << "pid-file=" << (dir_.path() / "dnsmasq.pid").string() << "\n"
       << "log-queries\nlog-facility=-\n"
       << "local-ttl=" << records_.local_ttl << "\n";
  for (const std::string& domain : records_.local_domains) {
    conf << "local=/" << domain << "/\n";
  }
  for (const DnsRecords::Host& host : records_.hosts) {
    conf << "host-record=" << host.name;
    conf << (host.ipv4.empty() ? "" : "," + host.ipv4);
    conf << (host.ipv6.empty() ? "" : "," + host.ipv6);
    conf << (host.ttl == 0 ? "" : "," + std::to_string(host.ttl)) << "\n";
  }
  for (const DnsRecords::Srv& srv : records_.srvs) {
    conf << "srv-host=" << srv.owner;
    if (!srv.target.empty()) {
      conf << "," << srv.target << "," << srv.port << "," << srv.priority << "," << srv.weight;
    }
    conf << "\n";
  }
  const std::string name = "dnsmasq-" + std::to_string(generation_);
  const std::filesystem::path file = dir_.write(name + ".conf", conf.str());
  if (::access(kDnsmasq, X_OK) != 0) {
    error_ = std::string(kDnsmasq) + " is missing: scripts/setup installs dnsmasq-base";
    return false;
  }
  process_ = std::make_unique<Process>(
      std::vector<std::string>{kDnsmasq, "--keep-in-foreground", "--conf-file=" + file.string()}, dir_.path(),
      dir_.path() / (name + ".out"), dir_.path() / (name + ".log"));
  const bool up =
      eventually([&] { return !process_->running() || answers(port_); }, milliseconds(10000)) && process_->running();
  if (!up) {
    error_ = "dnsmasq did not answer on " + server() + ": " + readFile(dir_.path() / (name + ".log"));
    process_.reset();
    return false;
  }
  error_.clear();
  return true;
}

int Dnsmasq::queriesFor(std::string_view name) const {
  int count = 0;
  for (int generation = 1; generation <= generation_; ++generation) {
    std::istringstream log(readFile(dir_.path() / ("dnsmasq-" + std::to_string(generation) + ".log")));
    const std::string needle = "] " + std::string(name) + " from ";
    for (std::string line; std::getline(log, line);) {
      if (line.find("query[") != std::string::npos && line.find(needle) != std::string::npos) {
        ++count;
      }
    }
  }
  return count;
}

// ---------------------------------------------------------------------------

DnsRelay::DnsRelay(Mode mode, uint16_t upstream_port) : mode_(mode) {
  client_fd_ = udpSocket(0);
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(client_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  if (upstream_port != 0) {
    upstream_fd_ = udpSocket(0);
    const sockaddr_in upstream = loopback(upstream_port);
    if (::connect(upstream_fd_, reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) != 0) {
      throw std::runtime_error(std::string("cannot connect the relay upstream: ") + std::strerror(errno));
    }
  }
  thread_ = std::thread([this] { run(); });
}

DnsRelay::~DnsRelay() {
  stop_.store(true);
  thread_.join();
  ::close(client_fd_);
  if (upstream_fd_ >= 0) {
    ::close(upstream_fd_);
  }
}

void DnsRelay::release() {
  std::vector<std::pair<std::string, std::string>> held;
  {
    std::lock_guard lock(mutex_);
    mode_ = Mode::Forward;
    held.swap(held_);
  }
  for (const auto& [query, client] : held) {
    forward(query, client);
  }
}

void DnsRelay::forward(const std::string& query, const std::string& client) {
  if (upstream_fd_ < 0 || query.size() < 2) {
    return;
  }
  {
    std::lock_guard lock(mutex_);
    const auto id = static_cast<uint16_t>((static_cast<uint8_t>(query[0]) << 8) | static_cast<uint8_t>(query[1]));
    clients_[id] = client;
  }
  ::send(upstream_fd_, query.data(), query.size(), 0);
}

void DnsRelay::run() {
  char buffer[65536];
  while (!stop_.load()) {
    pollfd fds[2] = {{client_fd_, POLLIN, 0}, {upstream_fd_, POLLIN, 0}};
    if (::poll(fds, upstream_fd_ >= 0 ? 2 : 1, 50) <= 0) {
      continue;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n = ::recvfrom(client_fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) {
        received_.fetch_add(1);
        std::string query(buffer, static_cast<size_t>(n));
        std::string client(reinterpret_cast<const char*>(&from), sizeof from);
        bool forward_now = false;
        {
          std::lock_guard lock(mutex_);
          if (mode_ == Mode::Hold) {
            held_.emplace_back(query, client);
          }
          forward_now = mode_ == Mode::Forward;
        }
        if (forward_now) {
          forward(query, client);
        }
      }
    }
    if (upstream_fd_ >= 0 && (fds[1].revents & POLLIN) != 0) {
      const ssize_t n = ::recv(upstream_fd_, buffer, sizeof buffer, 0);
      if (n >= 2) {
        const auto id = static_cast<uint16_t>((static_cast<uint8_t>(buffer[0]) << 8) | static_cast<uint8_t>(buffer[1]));
        std::string client;
        {
          std::lock_guard lock(mutex_);
          auto it = clients_.find(id);
          if (it != clients_.end()) {
            client = it->second;
            clients_.erase(it);
          }
        }
        if (client.size() == sizeof(sockaddr_in)) {
          ::sendto(client_fd_, buffer, static_cast<size_t>(n), 0, reinterpret_cast<const sockaddr*>(client.data()),
                   sizeof(sockaddr_in));
        }
      }
    }
  }
}

}  // namespace tandem::test
