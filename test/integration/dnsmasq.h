#pragma once

// Real DNS for the resolver tests: a dnsmasq child process on 127.0.0.1
// serving the records a test gives, and a UDP relay the test controls (a
// server that never answers, or one that holds queries until released).
// Both are torn down by their destructors.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.h"

namespace tandem::test {

struct DnsRecords {
  // host-record: A and/or AAAA of a name.
  struct Host {
    std::string name;
    std::string ipv4;  // empty: no A record
    std::string ipv6;  // empty: no AAAA record
    uint32_t ttl = 0;  // 0: local_ttl
  };
  // srv-host: one SRV record; an empty target is "." (service not available).
  struct Srv {
    std::string owner;  // "_sip._udp.b.example.com"
    std::string target;
    uint16_t port = 0;
    uint16_t priority = 0;
    uint16_t weight = 0;
  };
  std::vector<Host> hosts;
  std::vector<Srv> srvs;
  // Answered from these records only: any other name under them is NXDOMAIN
  // (or NODATA for a missing type). Names elsewhere are REFUSED (no upstream).
  std::vector<std::string> local_domains{"example.com"};
  uint32_t local_ttl = 60;  // TTL of records without their own (SRV included)
};

// dnsmasq (/usr/sbin/dnsmasq, Debian's dnsmasq-base) in the foreground on
// 127.0.0.1 and a free port, with --no-resolv --no-hosts --bind-interfaces
// and a generated configuration file; running as the current user (root
// included). started() is false, with error() saying why, when it did not
// answer within 10 s.
class Dnsmasq {
 public:
  explicit Dnsmasq(DnsRecords records);
  ~Dnsmasq();
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  bool started() const { return process_ != nullptr; }
  const std::string& error() const { return error_; }
  uint16_t port() const { return port_; }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }

  // Kills it now (nothing answers on the port any more).
  void stop();
  // Starts it again on the same port with these records; false when it did not answer.
  bool restart(DnsRecords records);
  // Queries received for `name` so far (any type), from its query log.
  int queriesFor(std::string_view name) const;

 private:
  bool launch();

  TempDir dir_;
  DnsRecords records_;
  uint16_t port_ = 0;
  int generation_ = 0;
  std::unique_ptr<Process> process_;
  std::string error_;
};

// A DNS "server" on 127.0.0.1 (an ephemeral UDP port) whose behaviour the
// test sets: Drop reads every query and answers none; Hold keeps them until
// release(); Forward relays them to 127.0.0.1:upstream_port and relays the
// answers back.
class DnsRelay {
 public:
  enum class Mode : uint8_t { Drop, Hold, Forward };

  explicit DnsRelay(Mode mode, uint16_t upstream_port = 0);
  ~DnsRelay();
  DnsRelay(const DnsRelay&) = delete;
  DnsRelay& operator=(const DnsRelay&) = delete;

  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  size_t received() const { return received_.load(); }
  // Hold → Forward: the held queries go upstream now, later ones at once.
  void release();

 private:
  void run();
  void forward(const std::string& query, const std::string& client);

  int client_fd_ = -1;    // where resolvers send
  int upstream_fd_ = -1;  // connected to the upstream
  uint16_t port_ = 0;
  std::atomic<size_t> received_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  Mode mode_;
  std::vector<std::pair<std::string, std::string>> held_;  // query, client address (raw sockaddr_in)
  std::map<uint16_t, std::string> clients_;                // DNS id → client address
  std::thread thread_;
};

}  // namespace tandem::test
