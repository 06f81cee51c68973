#pragma once

// The presence agent's store thread: publications, subscription dialogs and
// pending watchers are made durable before the 2xx that reports them (a 2xx
// to PUBLISH or SUBSCRIBE means the state survives a crash). Every change
// queued while the previous transaction ran is written in one transaction
// (group commit, as the registrar does); a failed batch is retried change
// set by change set so one bad set fails alone.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "store/presence.h"
#include "store/store.h"

namespace tandem::presence {

class PresenceWriter {
 public:
  // Called on the store thread with true once the changes are durable.
  using Done = std::function<void(bool durable)>;

  static Result<std::unique_ptr<PresenceWriter>, std::string> start(std::unique_ptr<store::Store> store,
                                                                    size_t max_queued = 20'000);
  ~PresenceWriter();

  // From any thread. False when the queue is full or the writer stopped.
  bool submit(std::vector<store::PresenceChange> changes, Done done);
  // Writes what is queued, then ends the thread.
  void stop();

  struct Stats {
    uint64_t batches = 0;
    uint64_t change_sets = 0;
    uint64_t failures = 0;
  };
  Stats stats() const;

 private:
  struct Job {
    std::vector<store::PresenceChange> changes;
    Done done;
  };
  PresenceWriter(std::unique_ptr<store::Store> store, size_t max_queued)
      : store_(std::move(store)), max_queued_(max_queued) {}
  void run();

  std::unique_ptr<store::Store> store_;
  size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace tandem::presence
