#include "presence/agent/writer.h"

#include <spdlog/spdlog.h>

namespace tandem::presence {

Result<std::unique_ptr<PresenceWriter>, std::string> PresenceWriter::start(std::unique_ptr<store::Store> store,
                                                                           size_t max_queued) {
  if (!store) {
    return fail(std::string("no store"));
  }
  std::unique_ptr<PresenceWriter> writer(new PresenceWriter(std::move(store), max_queued));
  writer->thread_ = std::thread([w = writer.get()] { w->run(); });
  return writer;
}

PresenceWriter::~PresenceWriter() { stop(); }

bool PresenceWriter::submit(std::vector<store::PresenceChange> changes, Done done) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queued_) {
      return false;
    }
    queue_.push_back(Job{std::move(changes), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void PresenceWriter::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) {
    thread_.join();
  }
}

PresenceWriter::Stats PresenceWriter::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

void PresenceWriter::run() {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, nothing left
      }
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
    }
    std::vector<store::PresenceChange> all;
    for (Job& job : batch) {
      all.insert(all.end(), job.changes.begin(), job.changes.end());
    }
    const store::StoreStatus written = store_->writePresence(all);
    uint64_t failures = 0;
    if (written) {
      for (Job& job : batch) {
        job.done(true);
      }
    } else {
      spdlog::warn("presence: a batch of {} change set(s) failed ({}); writing them one by one", batch.size(),
                   written.error());
      for (Job& job : batch) {
        const store::StoreStatus one = store_->writePresence(job.changes);
        if (!one) {
          ++failures;
          spdlog::error("presence: store write failed: {}", one.error());
        }
        job.done(static_cast<bool>(one));
      }
    }
    {
      const std::lock_guard lock(mutex_);
      ++stats_.batches;
      stats_.change_sets += batch.size();
      stats_.failures += failures;
    }
    batch.clear();
  }
}

}  // namespace tandem::presence
