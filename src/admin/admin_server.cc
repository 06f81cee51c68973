#include "admin/admin_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <httplib.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>
#include <utility>

namespace tandem::admin {
namespace {

constexpr std::chrono::seconds kReadyLimit{5};

std::string display(const config::HostPort& address) {
  const bool ipv6 = address.address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address.address + "]" : address.address) + ":" + std::to_string(address.port);
}

void sendJson(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump() + "\n", "application/json");
}

std::string reasonOf(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "no such resource";
    case 405:
      return "method not allowed";
    case 413:
      return "request body too large";
    case 414:
      return "request URI too long";
    case 500:
      return "internal error";
    default:
      return "error " + std::to_string(status);
  }
}

}  // namespace

struct AdminServer::Impl {
  httplib::Server http;
  Callbacks callbacks;
  std::thread thread;
  uint16_t port = 0;
  std::atomic<bool> stopped{false};
};

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() { stop(); }

uint16_t AdminServer::port() const { return impl_->port; }

Result<std::unique_ptr<AdminServer>, std::string> AdminServer::start(const config::HostPort& address,
                                                                     Callbacks callbacks, const Limits& limits) {
  auto impl = std::make_unique<Impl>();
  impl->callbacks = std::move(callbacks);
  httplib::Server& http = impl->http;
  Impl* self = impl.get();

  // cpp-httplib sets SO_REUSEPORT by default, which would let a second
  // tandemd share the port silently: only SO_REUSEADDR (TIME_WAIT), and no
  // descriptor leaks into children.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    fcntl(sock, F_SETFD, FD_CLOEXEC);
  });
  http.set_payload_max_length(limits.max_body);
  http.set_read_timeout(limits.read_timeout);
  http.set_write_timeout(limits.write_timeout);
  http.set_keep_alive_timeout(limits.keep_alive.count());
  http.set_keep_alive_max_count(16);
  const size_t threads = limits.threads == 0 ? 1 : limits.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  http.Get("/v1/status", [self](const httplib::Request&, httplib::Response& response) {
    sendJson(response, 200, self->callbacks.status ? self->callbacks.status() : nlohmann::json::object());
  });
  http.Post("/v1/service/stop", [self](const httplib::Request&, httplib::Response& response) {
    if (self->callbacks.requestStop) {
      self->callbacks.requestStop();
    }
    sendJson(response, 202, {{"state", "stopping"}});
  });
  // Every error the library or a handler produces (unknown path 404, body
  // too large 413, ...) gets a JSON body.
  http.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (response.body.empty()) {
      sendJson(response, response.status, {{"error", reasonOf(response.status)}, {"path", request.path}});
    }
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
    std::string what = "internal error";
    try {
      if (error) {
        std::rethrow_exception(error);
      }
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {  // NOLINT(bugprone-empty-catch): anything else keeps the generic text
    }
    sendJson(response, 500, {{"error", what}});
  });

  errno = 0;
  bool bound = false;
  if (address.port == 0) {
    const int port = http.bind_to_any_port(address.address, AI_NUMERICHOST);
    bound = port > 0;
    impl->port = bound ? static_cast<uint16_t>(port) : 0;
  } else {
    bound = http.bind_to_port(address.address, address.port, AI_NUMERICHOST);
    impl->port = address.port;
  }
  if (!bound) {
    const int error = errno;
    const std::string why = error == EADDRINUSE ? "address in use"
                            : error != 0        ? std::strerror(error)
                                                : "cannot listen";
    return fail("server.admin (" + display(address) + "): " + why);
  }
  impl->thread = std::thread([self] { self->http.listen_after_bind(); });
  // stop() is a no-op until the loop runs: wait for it, so a stop that comes
  // right after start is not lost.
  const auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
  while (!http.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

void AdminServer::stop() {
  if (!impl_ || impl_->stopped.exchange(true)) {
    return;
  }
  impl_->http.stop();
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  }
}

}  // namespace tandem::admin
