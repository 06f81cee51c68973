#pragma once

// The registrar (RFC 3261 §10.3): REGISTER requests turned into binding
// changes, made durable in the store, then published to the location table
// and acknowledged.
//
//   event loop                       store thread (one per process)
//   ----------                       ------------------------------
//   parseRegister() → submit() ───▶  queue ─▶ batch: applyRegister() per
//                                    request against the table + the batch's
//                                    own earlier changes; one store
//                                    transaction for the whole batch (group
//                                    commit, synchronous = FULL); then the
//                                    table; then each completion
//   respondDeferred(200) ◀── post ── completion
//
// Nothing is acknowledged before it is durable, and nothing is in the table
// (so nothing is routed to it) before it is durable. When a batch's write
// fails, each request of it is retried alone, so one bad request (its user
// removed meanwhile) does not fail the others.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "registrar/location.h"
#include "store/store.h"

namespace tandem::registrar {

struct RegistrarSettings {
  uint32_t min_expires = 60;        // below (and not 0): 423 Interval Too Brief
  uint32_t max_expires = 86400;     // longer requests are shortened to this
  uint32_t default_expires = 3600;  // neither Contact expires nor Expires given
  size_t max_contacts = 16;         // bindings per address of record
  size_t max_batch = 1024;          // REGISTERs per store transaction
  size_t max_queue = 20000;         // waiting REGISTERs; beyond: 503
  std::chrono::seconds purge_interval{30};
};

// One Contact of a REGISTER with its expiry resolved (§10.3 step 6).
struct ContactUpdate {
  std::string contact;   // the URI, as written
  uint32_t expires = 0;  // 0: remove
  uint16_t q = 1000;
};

// A REGISTER as the registrar needs it; parsed on the loop.
struct RegisterRequest {
  std::string user;    // address of record: user part
  std::string domain;  // and domain, lower case
  std::string call_id;
  uint32_t cseq = 0;
  bool wildcard = false;                // "Contact: *" with Expires: 0
  std::vector<ContactUpdate> contacts;  // empty and !wildcard: a query
  std::string path;                     // Path values, comma-joined
  std::string received;                 // "udp:192.0.2.1:5060"
  std::string user_agent;
  int64_t now = 0;  // Unix seconds at arrival
};

struct RegisterOutcome {
  uint16_t status = 200;
  std::string warning;                   // why, when not 200
  std::vector<store::Binding> bindings;  // the address of record's bindings after it (200)
};

// §10.3 step 7 on `bindings` (the address of record's current bindings, in
// and out): adds, refreshes and removes; appends what changed to `changes`.
// Pure: the tests drive it directly.
RegisterOutcome applyRegister(const RegisterRequest& request, std::vector<store::Binding>& bindings,
                              std::vector<store::BindingChange>& changes, const RegistrarSettings& settings);

class Registrar {
 public:
  // Called on the store thread; the caller posts to its own loop.
  using Completion = std::function<void(RegisterOutcome)>;

  struct Stats {
    uint64_t registers = 0;
    uint64_t batches = 0;
    uint64_t largest_batch = 0;
    uint64_t write_failures = 0;
    uint64_t purged = 0;
  };

  // Loads the bindings that have not expired into `table` and starts the
  // store thread. `store` is this registrar's own connection. Logs nothing
  // (the caller reports table.bindings() when start-up succeeded).
  static Result<std::unique_ptr<Registrar>, std::string> start(std::unique_ptr<store::Store> store,
                                                               LocationTable& table, RegistrarSettings settings);
  ~Registrar();  // stop()
  Registrar(const Registrar&) = delete;
  Registrar& operator=(const Registrar&) = delete;

  // From any thread. False when the queue is full (answer 503) or stopped.
  bool submit(RegisterRequest request, Completion completion);
  // Finishes what is queued, then ends the store thread.
  void stop();

  Stats stats() const;
  const RegistrarSettings& settings() const { return settings_; }
  // Wall-clock Unix seconds: what binding expiry times are written in.
  static int64_t unixNow();

 private:
  struct Job {
    RegisterRequest request;
    Completion completion;
  };
  Registrar(std::unique_ptr<store::Store> store, LocationTable& table, RegistrarSettings settings);
  void run();
  void process(std::vector<Job>& batch);
  void purge();

  std::unique_ptr<store::Store> store_;
  LocationTable& table_;
  RegistrarSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  Stats stats_;  // under mutex_
  std::thread thread_;
};

}  // namespace tandem::registrar
