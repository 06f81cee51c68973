#include "transport/listeners.h"

namespace tandem::transport {

Result<std::unique_ptr<Listeners>, std::string> Listeners::open(asio::io_context& io, std::span<const ListenSpec> specs,
                                                                const Limits& limits, MessageHandler& handler) {
  auto worker = std::make_unique<Worker>(io, 0, limits);
  worker->setHandler(handler);
  Worker* const group[] = {worker.get()};
  if (Status<std::string> opened = detail::openListeners(group, specs); !opened) {
    return fail(opened.error());
  }
  worker->start();
  return std::unique_ptr<Listeners>(new Listeners(std::move(worker)));
}

Listeners::~Listeners() { close(); }

void Listeners::close() { worker_->close(); }

}  // namespace tandem::transport
