#include "service.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "commands.h"

namespace tandem::tandemctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds kWaitLimit{10};
constexpr std::chrono::milliseconds kPoll{100};
constexpr size_t kMaxLogLine = 400;

std::string display(const config::HostPort& address) {
  const bool ipv6 = address.address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address.address + "]" : address.address) + ":" + std::to_string(address.port);
}

// What the admin port says.
struct Probe {
  enum class Kind : uint8_t { Running, Down, Odd };
  Kind kind = Kind::Down;
  nlohmann::json status;  // Running: the /v1/status document
  std::string problem;    // Odd: what was wrong with the answer
};

httplib::Client client(const config::HostPort& admin) {
  httplib::Client http(admin.address, admin.port);
  http.set_connection_timeout(std::chrono::seconds(1));
  http.set_read_timeout(std::chrono::seconds(3));
  http.set_write_timeout(std::chrono::seconds(3));
  return http;
}

Probe probe(const config::HostPort& admin) {
  httplib::Client http = client(admin);
  const httplib::Result response = http.Get("/v1/status");
  Probe out;
  if (!response) {
    if (response.error() == httplib::Error::Connection || response.error() == httplib::Error::ConnectionTimeout) {
      out.kind = Probe::Kind::Down;
    } else {
      out.kind = Probe::Kind::Odd;
      out.problem = "no answer from the admin API on " + display(admin) + ": " + httplib::to_string(response.error());
    }
    return out;
  }
  nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status != 200 || body.is_discarded() || !body.is_object() || !body.contains("pid")) {
    out.kind = Probe::Kind::Odd;
    out.problem = "something that is not tandemd's admin API answers on " + display(admin) + " (HTTP " +
                  std::to_string(response->status) + ")";
    return out;
  }
  out.kind = Probe::Kind::Running;
  out.status = std::move(body);
  return out;
}

int64_t pidOf(const nlohmann::json& status) { return status.value("pid", int64_t{0}); }

// "running: pid 1234, up 12 s, version 0.1.0, 2 workers"
std::string statusLine(const nlohmann::json& status) {
  const int64_t workers = status.value("workers", int64_t{0});
  return status.value("state", std::string("running")) + ": pid " + std::to_string(pidOf(status)) + ", up " +
         std::to_string(status.value("uptime_s", int64_t{0})) + " s, version " +
         status.value("version", std::string("?")) + ", " + std::to_string(workers) +
         (workers == 1 ? " worker" : " workers");
}

// Gone, or a zombie nobody reaped yet.
bool processGone(int64_t pid) {
  if (pid <= 0) {
    return true;
  }
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!stat || !std::getline(stat, text)) {
    return true;
  }
  const size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

// The last non-empty line written to `file` from `offset` on.
std::string lastLogLine(const fs::path& file, std::streamoff offset) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return "";
  }
  in.seekg(offset);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty()) {
      last = line;
    }
  }
  if (last.size() > kMaxLogLine) {
    last = last.substr(0, kMaxLogLine) + "...";
  }
  return oneLine(last);
}

fs::path defaultTandemd() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("tandemd") : self.parent_path() / "tandemd";
}

fs::path defaultLog(const config::ServerConfig& config) {
  if (config.store.kind == config::Store::Kind::Sqlite) {
    return fs::path(config.store.location).parent_path() / "tandemd.log";
  }
  return config.file.parent_path() / "tandemd.log";
}

// POST /v1/service/stop, then wait until the admin port no longer answers
// and the process is gone. Prints "stopped" / "already stopped".
int stop(const config::HostPort& admin) {
  const Probe before = probe(admin);
  if (before.kind == Probe::Kind::Down) {
    std::printf("already stopped\n");
    return kExitOk;
  }
  if (before.kind == Probe::Kind::Odd) {
    return refuse(before.problem);
  }
  const int64_t pid = pidOf(before.status);
  httplib::Client http = client(admin);
  const httplib::Result response = http.Post("/v1/service/stop");
  if (response && response->status != 202) {
    return refuse("stop refused by the admin API on " + display(admin) + " (HTTP " + std::to_string(response->status) +
                  ")");
  }
  const auto deadline = Clock::now() + kWaitLimit;
  while (Clock::now() < deadline) {
    if (probe(admin).kind == Probe::Kind::Down && processGone(pid)) {
      std::printf("stopped\n");
      return kExitOk;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return refuse("tandemd (pid " + std::to_string(pid) + ") has not stopped after " +
                std::to_string(kWaitLimit.count()) + " s");
}

// The child: its own session, stdin /dev/null, stdout and stderr to the log,
// no other descriptor of ours; then tandemd. Only async-signal-safe calls.
[[noreturn]] void execTandemd(const std::string& tandemd, const std::string& server_file, int log_fd) {
  ::setsid();
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
  }
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  const int max_fd = static_cast<int>(::sysconf(_SC_OPEN_MAX));
  for (int fd = STDERR_FILENO + 1; fd < max_fd && fd < 65536; ++fd) {
    ::close(fd);
  }
  const char* argv[] = {tandemd.c_str(), "--config", server_file.c_str(), nullptr};
  ::execv(tandemd.c_str(), const_cast<char* const*>(argv));
  const char* why = std::strerror(errno);
  const char prefix[] = "tandemctl: cannot run tandemd: ";
  [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = ::write(STDERR_FILENO, why, std::strlen(why));
  ignored = ::write(STDERR_FILENO, "\n", 1);
  ::_exit(127);
}

int start(const config::ServerConfig& config, const config::HostPort& admin, const ServiceOptions& options) {
  const Probe before = probe(admin);
  if (before.kind == Probe::Kind::Running) {
    std::printf("already running (pid %lld)\n", static_cast<long long>(pidOf(before.status)));
    return kExitOk;
  }
  if (before.kind == Probe::Kind::Odd) {
    return refuse(before.problem);
  }
  std::error_code ec;
  const fs::path tandemd = fs::absolute(options.tandemd.empty() ? defaultTandemd() : fs::path(options.tandemd), ec);
  if (::access(tandemd.c_str(), X_OK) != 0) {
    return refuse("tandemd not found at " + tandemd.string() + " (give --tandemd PATH)");
  }
  const fs::path log = fs::absolute(options.log.empty() ? defaultLog(config) : fs::path(options.log), ec);
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return refuse("log " + log.string() + ": " + std::strerror(errno));
  }
  struct stat info {};
  const std::streamoff offset = ::fstat(log_fd, &info) == 0 ? static_cast<std::streamoff>(info.st_size) : 0;

  const std::string server_file = config.file.string();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(log_fd);
    return refuse(std::string("cannot start tandemd: ") + std::strerror(errno));
  }
  if (child == 0) {
    execTandemd(tandemd.string(), server_file, log_fd);
  }
  ::close(log_fd);

  const auto deadline = Clock::now() + kWaitLimit;
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      const std::string code = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                 : "signal " + std::to_string(WTERMSIG(status));
      return refuse("tandemd did not start (" + code + "): " + lastLogLine(log, offset));
    }
    const Probe now = probe(admin);
    if (now.kind == Probe::Kind::Running && pidOf(now.status) == child) {
      std::printf("started: pid %lld (log %s)\n", static_cast<long long>(child), log.c_str());
      return kExitOk;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return refuse("tandemd (pid " + std::to_string(child) + ") does not answer on " + display(admin) + " after " +
                std::to_string(kWaitLimit.count()) + " s: " + lastLogLine(log, offset));
}

}  // namespace

int service(ServiceAction action, const config::ServerConfig& config, const ServiceOptions& options) {
  if (!config.admin) {
    std::fprintf(stderr, "tandemctl: service: the admin API is off (server.admin = \"\")\n");
    return kExitUsage;
  }
  const config::HostPort& admin = *config.admin;
  switch (action) {
    case ServiceAction::Status: {
      const Probe now = probe(admin);
      if (now.kind == Probe::Kind::Down) {
        std::printf("stopped (nothing answers on %s)\n", display(admin).c_str());
        return kExitNotRunning;
      }
      if (now.kind == Probe::Kind::Odd) {
        return refuse(now.problem);
      }
      std::printf("%s\n", statusLine(now.status).c_str());
      return kExitOk;
    }
    case ServiceAction::Stop:
      return stop(admin);
    case ServiceAction::Start:
      return start(config, admin, options);
    case ServiceAction::Restart: {
      const int stopped = stop(admin);
      return stopped == kExitOk ? start(config, admin, options) : stopped;
    }
  }
  return kExitUsage;
}

}  // namespace tandem::tandemctl
