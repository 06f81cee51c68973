#include "dns/resolver.h"

#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/text.h"
#include "dns/cache.h"
#include "dns/servers.h"
#include "dns/srv_order.h"

namespace tandem::dns {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Key;
using detail::Resolution;
using detail::SrvRecord;

// Bounds on what one answer may cost, whatever the DNS says.
constexpr size_t kMaxAddresses = 16;   // per answer, and per A or AAAA RRset read
constexpr size_t kMaxSrvRecords = 64;  // per SRV RRset considered
constexpr size_t kMaxTargets = 16;     // SRV targets resolved per answer
constexpr size_t kMaxName = 253;       // RFC 1035 §2.3.4 (text form, no trailing dot)

constexpr int kClassIn = 1;
constexpr int kTypeA = 1;
constexpr int kTypeAaaa = 28;
constexpr int kTypeSrv = 33;

uint16_t defaultPort(Transport transport) { return transport == Transport::Tls ? 5061 : 5060; }

// RFC 3263 §4.1: the SRV owner name of a transport.
std::string srvName(Transport transport, const std::string& name) {
  switch (transport) {
    case Transport::Udp:
      return "_sip._udp." + name;
    case Transport::Tcp:
      return "_sip._tcp." + name;
    case Transport::Tls:
      return "_sips._tcp." + name;
  }
  return name;
}

// Letters, digits, '-' and '_' in dot-separated labels of 1-63 characters.
bool isHostName(std::string_view name) {
  if (name.empty() || name.size() > kMaxName) {
    return false;
  }
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) {
      return false;
    }
  }
  return label > 0;
}

// A name safe to quote in a Warning: printable ASCII, not too long.
std::string printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 64)) {
    out += (c > ' ' && c < 0x7f && c != '"' && c != '\\') ? c : '?';
  }
  if (name.size() > 64) {
    out += "...";
  }
  return out;
}

AnswerPtr immediate(std::vector<Address> addresses, std::string error) {
  auto answer = std::make_shared<Answer>();
  answer->addresses = std::move(addresses);
  answer->error = std::move(error);
  answer->expires = Clock::now();
  return answer;
}

asio::ip::address fromV4(const in_addr& in) {
  asio::ip::address_v4::bytes_type bytes;
  std::memcpy(bytes.data(), &in, bytes.size());
  return asio::ip::address_v4(bytes);
}

asio::ip::address fromV6(const void* in) {
  asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), in, bytes.size());
  return asio::ip::address_v6(bytes);
}

std::once_flag library_once;

}  // namespace

class Resolver::Impl {
 public:
  Impl(const Options& options, std::vector<detail::Server> servers)
      : options_(options),
        servers_(std::move(servers)),
        cache_(detail::Cache::Limits{options.stale, options.negative_ttl, options.max_entries, options.max_waiters}) {}

  ~Impl() {
    if (thread_.joinable()) {
      stop_.store(true);
      wake();
      thread_.join();
    }
    if (wake_fd_ >= 0) {
      ::close(wake_fd_);
    }
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Creates the eventfd and the thread, which creates the channel; the first
  // error as one line.
  std::string start() {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
      return std::string("dns: eventfd: ") + std::strerror(errno);
    }
    std::promise<std::string> ready;
    std::future<std::string> started = ready.get_future();
    thread_ = std::thread([this, &ready] {
      std::string error = initChannel();
      const bool ok = error.empty();
      ready.set_value(std::move(error));  // `ready` is not touched after this
      if (ok) {
        run();
      }
    });
    std::string error = started.get();
    if (!error.empty()) {
      thread_.join();
    }
    return error;
  }

  AnswerPtr lookup(const Query& query, std::function<void()> done) {
    std::string name = asciiLower(query.name);
    if (name.ends_with('.')) {
      name.pop_back();
    }
    if (AnswerPtr literal = ipLiteral(query, name)) {
      return literal;
    }
    if (!isHostName(name)) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return immediate({}, "'" + printable(query.name) + "': not a host name");
    }
    Key key = detail::keyOf(query, std::move(name));
    detail::Cache::Found found;
    size_t waiting = 0;
    {
      std::lock_guard lock(mutex_);
      found = cache_.find(key, Clock::now(), done);
      waiting = cache_.waiters();
      if (found.start) {
        queue_.push_back(key);
      }
    }
    if (found.start) {
      wake();
    }
    if (found.busy) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      return immediate({}, key.name + ": resolver busy (" + std::to_string(waiting) + " lookups waiting)");
    }
    (found.answer ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return found.answer;
  }

  Stats stats() const {
    Stats stats;
    stats.queries = queries_.load(std::memory_order_relaxed);
    stats.hits = hits_.load(std::memory_order_relaxed);
    stats.misses = misses_.load(std::memory_order_relaxed);
    stats.failures = failures_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    stats.entries = cache_.size();
    return stats;
  }

 private:
  // The A/AAAA lookup of one name: the queried name itself, or one SRV target.
  struct HostLookup {
    HostLookup(std::string name_in, uint16_t port_in, Transport transport_in)
        : name(std::move(name_in)), port(port_in), transport(transport_in) {}

    std::string name;
    uint16_t port = 0;
    Transport transport = Transport::Udp;
    std::vector<asio::ip::address> v4, v6;
    int a_status = ARES_SUCCESS;
    int aaaa_status = ARES_SUCCESS;
    std::optional<std::chrono::seconds> ttl;  // of the records read (clamped), or hosts_ttl
  };

  struct SrvSet {
    explicit SrvSet(Transport transport_in) : transport(transport_in) {}

    Transport transport = Transport::Udp;
    int status = ARES_SUCCESS;
    std::vector<SrvRecord> records;
  };

  // One resolution under way, on the resolver's thread only.
  struct Job {
    uint64_t id = 0;
    Key key;
    int pending = 0;  // c-ares queries under way (+1 while queries are being sent)
    bool srv_phase = false;
    std::vector<SrvSet> srv;
    std::vector<HostLookup> hosts;
  };

  enum class Step : uint8_t { Srv, A, Aaaa };

  // What a c-ares callback needs to find its job again (c-ares owns it
  // until the callback, which deletes it).
  struct Ticket {
    Impl* impl = nullptr;
    uint64_t job = 0;
    Step step = Step::A;
    size_t index = 0;
    int attempt = 0;
  };

  // ---- any thread ---------------------------------------------------------

  void wake() const {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  }

  // An IP literal needs no DNS (RFC 3263 §4.2: no SRV for a numeric host).
  static AnswerPtr ipLiteral(const Query& query, std::string_view name) {
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
      name = name.substr(1, name.size() - 2);
    }
    std::error_code ec;
    const asio::ip::address address = asio::ip::make_address(std::string(name), ec);
    if (ec) {
      return nullptr;
    }
    const Transport transport = query.transport_given ? query.transport : Transport::Udp;
    uint16_t port = query.port != 0 ? query.port : defaultPort(transport);
    if (query.addresses_only) {
      port = 0;
    }
    return immediate({Address{address, port, query.addresses_only ? Transport::Udp : transport}}, {});
  }

  // ---- the resolver's thread ----------------------------------------------

  std::string initChannel() {
    std::call_once(library_once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
    ares_options options{};
    int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB | ARES_OPT_NOROTATE;
    options.timeout = static_cast<int>(options_.timeout.count());  // at most an hour (start)
    // One try per ares_query: c-ares doubles the timeout of each further try,
    // so the tries are ours (sendQuery), each `timeout` long.
    options.tries = 1;
    options.sock_state_cb = &Impl::onSocketState;
    options.sock_state_cb_data = this;
    int status = ares_init_options(&channel_, &options, mask);
    if (status != ARES_SUCCESS) {
      return std::string("dns: c-ares init failed: ") + ares_strerror(status);
    }
    if (!servers_.empty()) {
      std::vector<ares_addr_port_node> nodes(servers_.size());
      for (size_t i = 0; i < servers_.size(); ++i) {
        ares_addr_port_node& node = nodes[i];
        node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
        node.udp_port = servers_[i].port;
        node.tcp_port = servers_[i].port;
        if (servers_[i].address.is_v4()) {
          node.family = AF_INET;
          const auto bytes = servers_[i].address.to_v4().to_bytes();
          std::memcpy(&node.addr.addr4, bytes.data(), bytes.size());
        } else {
          node.family = AF_INET6;
          const auto bytes = servers_[i].address.to_v6().to_bytes();
          std::memcpy(&node.addr.addr6, bytes.data(), bytes.size());
        }
      }
      status = ares_set_servers_ports(channel_, nodes.data());
      if (status != ARES_SUCCESS) {
        ares_destroy(channel_);
        channel_ = nullptr;
        return std::string("dns: c-ares refused the servers: ") + ares_strerror(status);
      }
    }
    server_text_ = describeServers();
    spdlog::trace("dns: resolver started, servers {}", server_text_);
    return {};
  }

  // "127.0.0.1:53" or "10.0.0.1:53, 10.0.0.2:53": what error texts name.
  std::string describeServers() const {
    ares_addr_port_node* list = nullptr;
    if (ares_get_servers_ports(channel_, &list) != ARES_SUCCESS) {
      return "the DNS servers";
    }
    std::string text;
    int count = 0;
    for (const ares_addr_port_node* node = list; node != nullptr; node = node->next) {
      if (++count > 3) {
        text += ", ...";
        break;
      }
      detail::Server server;
      server.address = node->family == AF_INET ? fromV4(node->addr.addr4) : fromV6(&node->addr.addr6);
      server.port = node->udp_port != 0 ? static_cast<uint16_t>(node->udp_port) : uint16_t{53};
      text += (text.empty() ? "" : ", ") + detail::toString(server);
    }
    ares_free_data(list);
    return text.empty() ? "no DNS server" : text;
  }

  static void onSocketState(void* data, ares_socket_t fd, int readable, int writable) {
    auto* impl = static_cast<Impl*>(data);
    if (readable == 0 && writable == 0) {
      impl->sockets_.erase(fd);
    } else {
      impl->sockets_[fd] = static_cast<short>((readable != 0 ? POLLIN : 0) | (writable != 0 ? POLLOUT : 0));
    }
  }

  void run() {
    std::vector<pollfd> fds;
    while (!stop_.load()) {
      fds.clear();
      fds.push_back(pollfd{wake_fd_, POLLIN, 0});
      for (const auto& [fd, events] : sockets_) {
        fds.push_back(pollfd{fd, events, 0});
      }
      timeval tv{};
      const timeval* next = ares_timeout(channel_, nullptr, &tv);
      const int timeout_ms =
          next == nullptr ? -1 : static_cast<int>(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000);
      if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
        spdlog::error("dns: poll: {}", std::strerror(errno));
      }
      if ((fds[0].revents & POLLIN) != 0) {
        uint64_t count = 0;
        [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &count, sizeof count);
      }
      if (stop_.load()) {
        break;
      }
      startQueued();
      for (size_t i = 1; i < fds.size(); ++i) {
        const short revents = fds[i].revents;
        if (revents != 0) {
          const bool readable = (revents & (POLLIN | POLLERR | POLLHUP)) != 0;
          const bool writable = (revents & POLLOUT) != 0;
          ares_process_fd(channel_, readable ? fds[i].fd : ARES_SOCKET_BAD, writable ? fds[i].fd : ARES_SOCKET_BAD);
        }
      }
      ares_process_fd(channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      callReady();
    }
    // Pending queries end with ARES_EDESTRUCTION; onAnswer ignores them, and
    // their waiters are dropped with the cache.
    stopping_ = true;
    ares_destroy(channel_);
    channel_ = nullptr;
    jobs_.clear();
    ready_.clear();
  }

  void callReady() {
    std::vector<std::function<void()>> ready = std::move(ready_);
    ready_.clear();
    for (auto& done : ready) {
      done();
    }
  }

  void startQueued() {
    std::vector<Key> keys;
    {
      std::lock_guard lock(mutex_);
      keys.swap(queue_);
    }
    for (Key& key : keys) {
      auto job = std::make_unique<Job>();
      job->id = ++last_job_;
      job->key = std::move(key);
      Job& ref = *job;
      jobs_.emplace(ref.id, std::move(job));
      startJob(ref);
    }
  }

  // RFC 3263 §4.2: a port, or only addresses wanted: A/AAAA; else SRV first.
  void startJob(Job& job) {
    const Key& key = job.key;
    if (key.addresses_only || key.port != 0) {
      job.hosts.emplace_back(key.name, key.port, key.transport);
      startHosts(job);
      return;
    }
    HostLookup pinned(key.name, defaultPort(key.transport), key.transport);
    if (fromHostsFile(pinned)) {
      job.hosts.push_back(std::move(pinned));
      finish(job);
      return;
    }
    job.srv_phase = true;
    job.srv.emplace_back(key.transport);
    if (!key.transport_given) {
      job.srv.emplace_back(Transport::Tcp);  // after _sip._udp (RFC 3263 §4.1 leaves the order to us)
    }
    ++job.pending;  // held while sending: a callback run at once cannot finish the job under us
    for (size_t i = 0; i < job.srv.size(); ++i) {
      sendQuery(job, Step::Srv, i, 0);
    }
    if (--job.pending == 0) {
      afterSrv(job);
    }
  }

  // RFC 3263 §4.2 and RFC 2782: the SRV answers are in; resolve the targets,
  // or the name itself when there is no SRV record.
  void afterSrv(Job& job) {
    job.srv_phase = false;
    bool any_records = false;
    int server_error = ARES_SUCCESS;
    for (SrvSet& set : job.srv) {
      if (set.records.empty()) {
        if (set.status != ARES_ENOTFOUND && set.status != ARES_ENODATA && server_error == ARES_SUCCESS) {
          server_error = set.status;
        }
        continue;
      }
      any_records = true;
      if (set.records.size() == 1 && detail::isRootTarget(set.records[0].target)) {
        continue;  // "decidedly not available" (RFC 2782)
      }
      for (SrvRecord& record : detail::orderSrv(std::move(set.records), random_)) {
        if (!detail::isRootTarget(record.target) && job.hosts.size() < kMaxTargets) {
          std::string target = asciiLower(record.target);
          if (target.ends_with('.')) {
            target.pop_back();
          }
          job.hosts.emplace_back(std::move(target), record.port, set.transport);
        }
      }
    }
    if (!job.hosts.empty()) {
      startHosts(job);
    } else if (any_records) {
      finishError(job, job.key.name + ": SIP service not available (SRV target \".\")");
    } else if (server_error != ARES_SUCCESS) {
      finishError(job, job.key.name + ": " + describeStatus(server_error));
    } else {
      const Transport transport = job.key.transport;
      job.hosts.emplace_back(job.key.name, defaultPort(transport), transport);
      startHosts(job);
    }
  }

  void startHosts(Job& job) {
    ++job.pending;  // held while sending
    for (size_t i = 0; i < job.hosts.size(); ++i) {
      if (!fromHostsFile(job.hosts[i])) {
        sendQuery(job, Step::A, i, 0);
        sendQuery(job, Step::Aaaa, i, 0);
      }
    }
    if (--job.pending == 0) {
      finish(job);
    }
  }

  // The hosts file (/etc/hosts) answers before DNS; a name found there is
  // answered from it alone.
  bool fromHostsFile(HostLookup& host) {
    for (const int family : {AF_INET, AF_INET6}) {
      hostent* entry = nullptr;
      if (ares_gethostbyname_file(channel_, host.name.c_str(), family, &entry) != ARES_SUCCESS || entry == nullptr) {
        continue;
      }
      auto& out = family == AF_INET ? host.v4 : host.v6;
      for (char** address = entry->h_addr_list; *address != nullptr && out.size() < kMaxAddresses; ++address) {
        if (entry->h_addrtype == AF_INET) {
          in_addr in{};
          std::memcpy(&in, *address, sizeof in);
          out.push_back(fromV4(in));
        } else if (entry->h_addrtype == AF_INET6) {
          out.push_back(fromV6(*address));
        }
      }
      ares_free_hostent(entry);
    }
    if (host.v4.empty() && host.v6.empty()) {
      return false;
    }
    host.ttl = options_.hosts_ttl;
    return true;
  }

  void sendQuery(Job& job, Step step, size_t index, int attempt) {
    std::string name;
    int type = kTypeA;
    switch (step) {
      case Step::Srv:
        name = srvName(job.srv[index].transport, job.key.name);
        type = kTypeSrv;
        break;
      case Step::A:
        name = job.hosts[index].name;
        break;
      case Step::Aaaa:
        name = job.hosts[index].name;
        type = kTypeAaaa;
        break;
    }
    ++job.pending;
    queries_.fetch_add(1, std::memory_order_relaxed);
    // ares_query, not ares_search: the names are fully qualified, no search list.
    ares_query(channel_, name.c_str(), kClassIn, type, &Impl::onAnswerThunk,
               new Ticket{this, job.id, step, index, attempt});
  }

  static void onAnswerThunk(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
    const std::unique_ptr<Ticket> ticket(static_cast<Ticket*>(arg));
    if (status == ARES_EDESTRUCTION || ticket->impl->stopping_) {
      return;
    }
    ticket->impl->onAnswer(*ticket, status, abuf, alen);
  }

  void onAnswer(const Ticket& ticket, int status, const unsigned char* abuf, int alen) {
    const auto it = jobs_.find(ticket.job);
    if (it == jobs_.end()) {
      return;
    }
    Job& job = *it->second;
    if (status == ARES_ETIMEOUT && ticket.attempt + 1 < options_.tries) {
      sendQuery(job, ticket.step, ticket.index, ticket.attempt + 1);
    } else if (ticket.step == Step::Srv) {
      readSrv(job.srv[ticket.index], status, abuf, alen);
    } else {
      readAddresses(job.hosts[ticket.index], ticket.step, status, abuf, alen);
    }
    if (--job.pending == 0) {
      if (job.srv_phase) {
        afterSrv(job);
      } else {
        finish(job);
      }
    }
  }

  static void readSrv(SrvSet& set, int status, const unsigned char* abuf, int alen) {
    set.status = status;
    if (status != ARES_SUCCESS) {
      return;
    }
    ares_srv_reply* replies = nullptr;
    set.status = ares_parse_srv_reply(abuf, alen, &replies);
    for (const ares_srv_reply* reply = replies; reply != nullptr && set.records.size() < kMaxSrvRecords;
         reply = reply->next) {
      set.records.push_back(
          SrvRecord{reply->host != nullptr ? reply->host : "", reply->port, reply->priority, reply->weight});
    }
    ares_free_data(replies);
  }

  void readAddresses(HostLookup& host, Step step, int status, const unsigned char* abuf, int alen) {
    int& out_status = step == Step::A ? host.a_status : host.aaaa_status;
    out_status = status;
    if (status != ARES_SUCCESS) {
      return;
    }
    std::optional<int> shortest;
    if (step == Step::A) {
      ares_addrttl records[kMaxAddresses];
      int count = static_cast<int>(kMaxAddresses);
      out_status = ares_parse_a_reply(abuf, alen, nullptr, records, &count);
      for (int i = 0; out_status == ARES_SUCCESS && i < count; ++i) {
        host.v4.push_back(fromV4(records[i].ipaddr));
        shortest = std::min(shortest.value_or(records[i].ttl), records[i].ttl);
      }
    } else {
      ares_addr6ttl records[kMaxAddresses];
      int count = static_cast<int>(kMaxAddresses);
      out_status = ares_parse_aaaa_reply(abuf, alen, nullptr, records, &count);
      for (int i = 0; out_status == ARES_SUCCESS && i < count; ++i) {
        host.v6.push_back(fromV6(&records[i].ip6addr));
        shortest = std::min(shortest.value_or(records[i].ttl), records[i].ttl);
      }
    }
    if (shortest) {
      const std::chrono::seconds ttl = std::clamp(std::chrono::seconds(std::max(*shortest, 0)), options_.min_ttl,
                                                  std::max(options_.min_ttl, options_.max_ttl));
      host.ttl = host.ttl ? std::min(*host.ttl, ttl) : ttl;
    }
  }

  // Every lookup of the job is in: the addresses in order, or why none.
  void finish(Job& job) {
    Resolution resolution;
    std::optional<std::chrono::seconds> ttl;
    for (const HostLookup& host : job.hosts) {
      bool used = false;
      for (const auto* family : {&host.v4, &host.v6}) {  // A before AAAA
        for (const asio::ip::address& address : *family) {
          const Address candidate{address, host.port, host.transport};
          const bool seen =
              std::any_of(resolution.addresses.begin(), resolution.addresses.end(), [&](const Address& a) {
                return a.address == candidate.address && a.port == candidate.port && a.transport == candidate.transport;
              });
          if (!seen && resolution.addresses.size() < kMaxAddresses) {
            resolution.addresses.push_back(candidate);
            used = true;
          }
        }
      }
      if (used && host.ttl) {
        ttl = ttl ? std::min(*ttl, *host.ttl) : *host.ttl;
      }
    }
    if (resolution.addresses.empty()) {
      finishError(job, describeFailure(job));
      return;
    }
    resolution.ttl = ttl.value_or(options_.min_ttl);
    spdlog::debug("dns: {} (port {}): {} addresses, fresh {} s", job.key.name, job.key.port,
                  resolution.addresses.size(), resolution.ttl.count());
    complete(job, std::move(resolution));
  }

  void finishError(Job& job, std::string error) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("dns: {}", error);
    Resolution resolution;
    resolution.error = std::move(error);
    resolution.ttl = options_.negative_ttl;
    complete(job, std::move(resolution));
  }

  // Stores the answer, queues its waiters and ends the job (`job` is gone after).
  void complete(Job& job, Resolution resolution) {
    std::vector<std::function<void()>> waiters;
    {
      std::lock_guard lock(mutex_);
      waiters = cache_.complete(job.key, std::move(resolution), Clock::now());
    }
    for (auto& done : waiters) {
      ready_.push_back(std::move(done));
    }
    jobs_.erase(job.id);
  }

  std::string describeFailure(const Job& job) const {
    if (job.hosts.size() == 1 && job.hosts[0].name == job.key.name) {
      return job.key.name + ": " + describeHost(job.hosts[0]);
    }
    if (job.hosts.empty()) {
      return job.key.name + ": no address";
    }
    return job.key.name + ": no address for its SRV targets (" + job.hosts[0].name + ": " + describeHost(job.hosts[0]) +
           ")";
  }

  // Why A and AAAA gave nothing: an authoritative "no" first, then the
  // server's trouble.
  std::string describeHost(const HostLookup& host) const {
    const int a = host.a_status;
    const int aaaa = host.aaaa_status;
    if (a == ARES_ENOTFOUND || aaaa == ARES_ENOTFOUND) {
      return describeStatus(ARES_ENOTFOUND);
    }
    const auto empty = [](int status) { return status == ARES_SUCCESS || status == ARES_ENODATA; };
    if (empty(a) && empty(aaaa)) {
      return "no address (A or AAAA) records";
    }
    return describeStatus(empty(a) ? aaaa : a);
  }

  std::string describeStatus(int status) const {
    const int tries = options_.tries;
    switch (status) {
      case ARES_ENOTFOUND:
        return "no such domain (NXDOMAIN)";
      case ARES_ETIMEOUT:
        return "no answer from " + server_text_ + " after " + std::to_string(tries) + (tries == 1 ? " try" : " tries");
      case ARES_ECONNREFUSED:
        return "no usable answer from " + server_text_ + " (refused or unreachable)";
      case ARES_ESERVFAIL:
        return "server failure (SERVFAIL) from " + server_text_;
      case ARES_EREFUSED:
        return "query refused (REFUSED) by " + server_text_;
      case ARES_EFORMERR:
      case ARES_EBADRESP:
        return "malformed answer from " + server_text_;
      case ARES_EBADNAME:
        return "not a valid DNS name";
      default:
        return std::string("DNS lookup failed: ") + ares_strerror(status);
    }
  }

  const Options options_;
  const std::vector<detail::Server> servers_;

  // Shared with lookup() / stats(), under mutex_.
  mutable std::mutex mutex_;
  detail::Cache cache_;
  std::vector<Key> queue_;  // keys whose resolution lookup() asked for

  std::atomic<uint64_t> queries_{0};
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<bool> stop_{false};
  int wake_fd_ = -1;
  std::thread thread_;

  // The resolver's thread only.
  ares_channel channel_ = nullptr;
  std::string server_text_;
  std::map<ares_socket_t, short> sockets_;  // c-ares's sockets and the events they wait for
  std::unordered_map<uint64_t, std::unique_ptr<Job>> jobs_;
  uint64_t last_job_ = 0;
  std::vector<std::function<void()>> ready_;  // waiters to call once c-ares is out of the way
  bool stopping_ = false;
  std::mt19937 engine_{std::random_device{}()};
  detail::Random random_ = [this](uint32_t bound) {
    return std::uniform_int_distribution<uint32_t>(0, bound)(engine_);
  };
};

Result<std::unique_ptr<Resolver>, std::string> Resolver::start(const Options& options) {
  // A TTL below 1 s would expire answers before their waiters read them.
  if (options.timeout < std::chrono::milliseconds(1) || options.timeout > std::chrono::hours(1) || options.tries < 1 ||
      options.max_entries < 1 || options.min_ttl < std::chrono::seconds(1) ||
      options.negative_ttl < std::chrono::seconds(1) || options.hosts_ttl < std::chrono::seconds(1) ||
      options.min_ttl > options.max_ttl || options.stale < std::chrono::seconds(0)) {
    return fail(
        std::string("dns: bad options (timeout 1 ms to 1 h, tries and max_entries at least 1, "
                    "TTLs at least 1 s, min_ttl at most max_ttl, stale not negative)"));
  }
  std::vector<detail::Server> servers;
  for (const std::string& text : options.servers) {
    auto server = detail::parseServer(text);
    if (!server) {
      return fail("dns: " + server.error());
    }
    servers.push_back(*server);
  }
  auto impl = std::make_unique<Impl>(options, std::move(servers));
  if (std::string error = impl->start(); !error.empty()) {
    return fail(std::move(error));
  }
  return std::unique_ptr<Resolver>(new Resolver(std::move(impl)));
}

Resolver::Resolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Resolver::~Resolver() = default;

AnswerPtr Resolver::lookup(const Query& query, std::function<void()> done) {
  return impl_->lookup(query, std::move(done));
}

Resolver::Stats Resolver::stats() const { return impl_->stats(); }

}  // namespace tandem::dns
