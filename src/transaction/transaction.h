#pragma once

// Internal to the transaction layer: the record of one transaction, the pool
// that owns every record, and the hash index that finds them. The TU never
// sees these; it holds ClientId / ServerId.
//
// Memory. Records live in chunks of 1024 that never move (their TimerNodes
// are linked into the wheel), recycled through a free list: creating a
// transaction allocates nothing once the pool has grown to the peak load,
// besides what the messages themselves own. The index is an intrusive
// chained hash table: the chain link lives in the record, so an insert
// allocates nothing either (the bucket array doubles now and then).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"
#include "transaction/interfaces.h"
#include "transaction/machines.h"
#include "transaction/matching.h"
#include "transaction/timer_wheel.h"

namespace tandem::transaction {

inline constexpr uint32_t kNoIndex = UINT32_MAX;

// Which of a transaction's two timers a TimerNode is (its cookie's low bit).
enum class TimerRole : uint8_t { Retransmit = 0, Lifetime = 1 };

struct Transaction {
  TransactionId id;  // generation changes every time the slot is reused
  bool live = false;
  bool indexed = false;
  bool notify_terminated = true;  // false: the TU never got the id (startClient failed)
  Kind kind = Kind::NonInviteServer;
  State state = State::Terminated;
  uint32_t steps = 0;  // transitions taken; tells a re-entrant change apart
  Destination peer;    // client: the next hop; server: where responses go
  Destination source;  // server: where the request came from
  // Out of line (a Message is ~2 KB with its inline header slots): a free
  // pool record stays small, so the pool's high-water mark after a burst
  // costs ~450 bytes a record, not 2.4 KB.
  std::unique_ptr<sip::Message> request;
  // What a retransmission resends. Server: the last response from the TU (or
  // the 100 Trying the transaction sent). INVITE client: the ACK, once built;
  // empty for a client: the request itself.
  std::string outgoing;
  std::string response_to_tag;  // RFC 2543 server transactions: To tag of our final response
  MatchKey key;                 // views into *request
  Duration interval{0};         // current retransmission interval (A, E, G)
  TimerNode retransmit_timer;
  TimerNode lifetime_timer;
  uint32_t next = kNoIndex;  // hash chain, or free list

  std::string_view wire() const {
    if (outgoing.empty() && isClient(kind) && request) {
      return request->raw();
    }
    return outgoing;
  }
  TimerNode& timer(TimerRole role) { return role == TimerRole::Retransmit ? retransmit_timer : lifetime_timer; }
};

class TransactionPool {
 public:
  static constexpr uint32_t kChunkBits = 10;
  static constexpr uint32_t kChunkSize = uint32_t{1} << kChunkBits;

  Transaction& at(uint32_t index) { return chunks_[index >> kChunkBits][index & (kChunkSize - 1)]; }
  const Transaction& at(uint32_t index) const { return chunks_[index >> kChunkBits][index & (kChunkSize - 1)]; }
  // The live transaction `id` names; nullptr for a stale or unknown id.
  Transaction* find(TransactionId id);
  const Transaction* find(TransactionId id) const;

  // A fresh record with a new id, live, everything else at its defaults.
  Transaction& acquire();
  // Back to the free list; its timers must be disarmed.
  void release(Transaction& transaction);

  size_t live() const { return live_; }
  uint32_t capacity() const { return capacity_; }

 private:
  std::vector<std::unique_ptr<Transaction[]>> chunks_;
  uint32_t capacity_ = 0;
  uint32_t free_head_ = kNoIndex;
  size_t live_ = 0;
};

class TransactionIndex {
 public:
  explicit TransactionIndex(TransactionPool& pool) : pool_(pool) {}

  // Indexes `transaction` under transaction.key.hash.
  void insert(Transaction& transaction);
  void erase(Transaction& transaction);
  // The first indexed transaction with this hash for which match(t) holds.
  template <class Match>
  Transaction* find(uint64_t hash, Match&& match) const {
    if (buckets_.empty()) {
      return nullptr;
    }
    for (uint32_t i = buckets_[hash & (buckets_.size() - 1)]; i != kNoIndex; i = pool_.at(i).next) {
      Transaction& candidate = pool_.at(i);
      if (candidate.key.hash == hash && match(candidate)) {
        return &candidate;
      }
    }
    return nullptr;
  }
  size_t size() const { return size_; }

 private:
  uint32_t& head(uint64_t hash) { return buckets_[hash & (buckets_.size() - 1)]; }
  void grow();

  TransactionPool& pool_;
  std::vector<uint32_t> buckets_;  // power-of-two size, chain heads
  size_t size_ = 0;
};

}  // namespace tandem::transaction
