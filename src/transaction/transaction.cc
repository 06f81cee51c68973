#include "transaction/transaction.h"

#include <cassert>

namespace tandem::transaction {

Transaction* TransactionPool::find(TransactionId id) {
  if (id.index >= capacity_) {
    return nullptr;
  }
  Transaction& transaction = at(id.index);
  return transaction.live && transaction.id == id ? &transaction : nullptr;
}

const Transaction* TransactionPool::find(TransactionId id) const {
  return const_cast<TransactionPool*>(this)->find(id);
}

Transaction& TransactionPool::acquire() {
  if (free_head_ == kNoIndex) {
    chunks_.push_back(std::make_unique<Transaction[]>(kChunkSize));
    for (uint32_t i = kChunkSize; i > 0; --i) {
      Transaction& fresh = chunks_.back()[i - 1];
      fresh.id.index = capacity_ + i - 1;
      fresh.next = free_head_;
      free_head_ = fresh.id.index;
    }
    capacity_ += kChunkSize;
  }
  Transaction& transaction = at(free_head_);
  free_head_ = transaction.next;
  transaction.next = kNoIndex;
  transaction.live = true;
  if (++transaction.id.generation == 0) {
    transaction.id.generation = 1;  // 0 is never issued
  }
  ++live_;
  return transaction;
}

void TransactionPool::release(Transaction& transaction) {
  assert(transaction.live && !transaction.indexed);
  assert(!transaction.retransmit_timer.armed() && !transaction.lifetime_timer.armed());
  transaction.live = false;
  transaction.notify_terminated = true;
  transaction.state = State::Terminated;
  transaction.steps = 0;
  transaction.request.reset();
  transaction.outgoing = std::string();
  transaction.response_to_tag = std::string();
  transaction.key = MatchKey{};
  transaction.interval = Duration{0};
  transaction.next = free_head_;
  free_head_ = transaction.id.index;
  --live_;
}

void TransactionIndex::insert(Transaction& transaction) {
  assert(!transaction.indexed);
  if (size_ + 1 > buckets_.size()) {
    grow();
  }
  uint32_t& first = head(transaction.key.hash);
  transaction.next = first;
  first = transaction.id.index;
  transaction.indexed = true;
  ++size_;
}

void TransactionIndex::erase(Transaction& transaction) {
  if (!transaction.indexed) {
    return;
  }
  uint32_t* link = &head(transaction.key.hash);
  while (*link != transaction.id.index) {
    link = &pool_.at(*link).next;
  }
  *link = transaction.next;
  transaction.next = kNoIndex;
  transaction.indexed = false;
  --size_;
}

// Doubles the bucket array (64 at first) and relinks every chain.
void TransactionIndex::grow() {
  std::vector<uint32_t> old = std::move(buckets_);
  buckets_.assign(old.empty() ? 64 : old.size() * 2, kNoIndex);
  for (uint32_t first : old) {
    for (uint32_t i = first; i != kNoIndex;) {
      Transaction& transaction = pool_.at(i);
      const uint32_t next = transaction.next;
      uint32_t& bucket = head(transaction.key.hash);
      transaction.next = bucket;
      bucket = i;
      i = next;
    }
  }
}

}  // namespace tandem::transaction
