#include "registrar/registrar.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

namespace tandem::registrar {
namespace {

store::BindingChange upsert(const store::Binding& binding) {
  return store::BindingChange{store::BindingChange::Kind::Upsert, binding};
}
store::BindingChange removal(const store::Binding& binding) {
  return store::BindingChange{store::BindingChange::Kind::Delete, binding};
}

}  // namespace

RegisterOutcome applyRegister(const RegisterRequest& request, std::vector<store::Binding>& bindings,
                              std::vector<store::BindingChange>& changes, const RegistrarSettings& settings) {
  RegisterOutcome outcome;
  // Work on a copy: a request refused half-way changes nothing.
  std::vector<store::Binding> next = bindings;
  std::vector<store::BindingChange> made;
  if (request.wildcard) {
    // §10.3 step 6: "*" removes every binding — but not one that a later
    // request of the same Call-ID already wrote (step 7's ordering rule).
    for (const store::Binding& binding : next) {
      if (binding.call_id == request.call_id && binding.cseq >= request.cseq) {
        outcome.status = 400;
        outcome.warning = "CSeq is not higher than that of the binding's last REGISTER (out of order)";
        return outcome;
      }
    }
    for (const store::Binding& binding : next) {
      made.push_back(removal(binding));
    }
    next.clear();
  }
  for (const ContactUpdate& update : request.contacts) {
    auto existing = std::find_if(next.begin(), next.end(),
                                 [&](const store::Binding& binding) { return binding.contact == update.contact; });
    if (existing != next.end() && existing->call_id == request.call_id && existing->cseq >= request.cseq) {
      outcome.status = 400;
      outcome.warning = "CSeq is not higher than that of the binding's last REGISTER (out of order)";
      return outcome;
    }
    if (update.expires == 0) {
      if (existing != next.end()) {
        made.push_back(removal(*existing));
        next.erase(existing);
      }
      continue;
    }
    store::Binding binding;
    binding.user = request.user;
    binding.domain = request.domain;
    binding.contact = update.contact;
    binding.q = update.q;
    binding.expires_at = request.now + update.expires;
    binding.call_id = request.call_id;
    binding.cseq = request.cseq;
    binding.path = request.path;
    binding.received = request.received;
    binding.user_agent = request.user_agent;
    made.push_back(upsert(binding));
    if (existing != next.end()) {
      *existing = std::move(binding);
    } else {
      next.push_back(std::move(binding));
    }
  }
  if (next.size() > settings.max_contacts) {
    outcome.status = 403;
    outcome.warning = "Too many contacts: at most " + std::to_string(settings.max_contacts) + " per user";
    return outcome;
  }
  bindings = std::move(next);
  changes.insert(changes.end(), std::make_move_iterator(made.begin()), std::make_move_iterator(made.end()));
  outcome.bindings = bindings;
  return outcome;
}

Registrar::Registrar(std::unique_ptr<store::Store> store, LocationTable& table, RegistrarSettings settings)
    : store_(std::move(store)), table_(table), settings_(settings) {}

Result<std::unique_ptr<Registrar>, std::string> Registrar::start(std::unique_ptr<store::Store> store,
                                                                 LocationTable& table, RegistrarSettings settings) {
  auto bindings = store->loadBindings(unixNow());
  if (!bindings) {
    return fail("registrations not loaded: " + bindings.error());
  }
  table.clear();
  std::unordered_map<std::string, std::vector<store::Binding>> by_user;
  for (store::Binding& binding : *bindings) {
    by_user[LocationTable::key(binding.user, binding.domain)].push_back(std::move(binding));
  }
  for (auto& [key, list] : by_user) {
    const std::string user = list.front().user;
    const std::string domain = list.front().domain;
    table.replace(user, domain, std::move(list));
  }
  std::unique_ptr<Registrar> registrar(new Registrar(std::move(store), table, settings));
  registrar->thread_ = std::thread([r = registrar.get()] { r->run(); });
  return registrar;
}

Registrar::~Registrar() { stop(); }

void Registrar::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool Registrar::submit(RegisterRequest request, Completion completion) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= settings_.max_queue) {
      return false;
    }
    queue_.push_back(Job{std::move(request), std::move(completion)});
  }
  wake_.notify_one();
  return true;
}

Registrar::Stats Registrar::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

int64_t Registrar::unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void Registrar::run() {
  auto next_purge = std::chrono::steady_clock::now() + settings_.purge_interval;
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_purge, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) {
        return;
      }
      const size_t n = std::min(queue_.size(), settings_.max_batch);
      batch.clear();
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!batch.empty()) {
      process(batch);
    }
    if (std::chrono::steady_clock::now() >= next_purge) {
      purge();
      next_purge = std::chrono::steady_clock::now() + settings_.purge_interval;
    }
  }
}

void Registrar::process(std::vector<Job>& batch) {
  // The batch's view: each address of record it touches, as the earlier
  // requests of the batch left it.
  std::unordered_map<std::string, std::vector<store::Binding>> view;
  std::vector<store::BindingChange> changes;
  std::vector<RegisterOutcome> outcomes;
  outcomes.reserve(batch.size());
  for (Job& job : batch) {
    const RegisterRequest& request = job.request;
    const std::string key = LocationTable::key(request.user, request.domain);
    auto it = view.find(key);
    if (it == view.end()) {
      it = view.emplace(key, table_.lookup(request.user, request.domain, request.now)).first;
    }
    outcomes.push_back(applyRegister(request, it->second, changes, settings_));
  }
  auto written = store_->writeBindings(changes);
  if (!written && batch.size() > 1) {
    // One request may doom the batch (its user was removed meanwhile): each
    // alone, so the others still go through.
    spdlog::warn("registrar: a batch of {} REGISTERs was not stored ({}); storing them one by one", batch.size(),
                 written.error());
    for (Job& job : batch) {
      std::vector<Job> single;
      single.push_back(std::move(job));
      process(single);
    }
    return;
  }
  if (written) {
    for (auto& [key, bindings] : view) {
      const size_t at = key.rfind('@');
      table_.replace(std::string_view(key).substr(0, at), std::string_view(key).substr(at + 1), bindings);
    }
  } else {
    spdlog::error("registrar: REGISTER for sip:{}@{} not stored: {}", batch.front().request.user,
                  batch.front().request.domain, written.error());
  }
  {
    std::lock_guard lock(mutex_);
    stats_.registers += batch.size();
    stats_.batches += 1;
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
    stats_.write_failures += written ? 0 : 1;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    RegisterOutcome& outcome = outcomes[i];
    if (!written && outcome.status == 200) {
      outcome.status = 500;
      outcome.warning = "The registration could not be stored";
      outcome.bindings.clear();
      batch[i].completion(std::move(outcome));
      continue;
    }
    batch[i].completion(std::move(outcome));
  }
}

void Registrar::purge() {
  const int64_t now = unixNow();
  auto purged = store_->purgeExpiredBindings(now);
  if (!purged) {
    spdlog::error("registrar: expired bindings not purged: {}", purged.error());
    return;
  }
  const size_t dropped = table_.purge(now);
  if (*purged > 0 || dropped > 0) {
    spdlog::info("registrar: {} expired binding(s) purged", std::max(*purged, dropped));
  }
  std::lock_guard lock(mutex_);
  stats_.purged += *purged;
}

}  // namespace tandem::registrar
