#include "sip/response.h"

#include <algorithm>
#include <array>
#include <vector>

#include "common/version.h"

namespace tandem::sip {
namespace {

struct StatusReason {
  int status;
  std::string_view reason;
};

// RFC 3261 §21 and the extensions a presence / IM server meets.
constexpr StatusReason kReasons[] = {
    {100, "Trying"},
    {180, "Ringing"},
    {181, "Call Is Being Forwarded"},
    {182, "Queued"},
    {183, "Session Progress"},
    {199, "Early Dialog Terminated"},
    {200, "OK"},
    {202, "Accepted"},
    {204, "No Notification"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {305, "Use Proxy"},
    {380, "Alternative Service"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {410, "Gone"},
    {412, "Conditional Request Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Unsupported URI Scheme"},
    {417, "Unknown Resource-Priority"},
    {420, "Bad Extension"},
    {421, "Extension Required"},
    {422, "Session Interval Too Small"},
    {423, "Interval Too Brief"},
    {424, "Bad Location Information"},
    {428, "Use Identity Header"},
    {429, "Provide Referrer Identity"},
    {433, "Anonymity Disallowed"},
    {436, "Bad Identity-Info"},
    {437, "Unsupported Certificate"},
    {438, "Invalid Identity Header"},
    {439, "First Hop Lacks Outbound Support"},
    {440, "Max-Breadth Exceeded"},
    {469, "Bad Info Package"},
    {470, "Consent Needed"},
    {480, "Temporarily Unavailable"},
    {481, "Call/Transaction Does Not Exist"},
    {482, "Loop Detected"},
    {483, "Too Many Hops"},
    {484, "Address Incomplete"},
    {485, "Ambiguous"},
    {486, "Busy Here"},
    {487, "Request Terminated"},
    {488, "Not Acceptable Here"},
    {489, "Bad Event"},
    {491, "Request Pending"},
    {493, "Undecipherable"},
    {494, "Security Agreement Required"},
    {500, "Server Internal Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Server Time-out"},
    {505, "Version Not Supported"},
    {513, "Message Too Large"},
    {580, "Precondition Failure"},
    {600, "Busy Everywhere"},
    {603, "Decline"},
    {604, "Does Not Exist Anywhere"},
    {606, "Not Acceptable"},
    {607, "Unwanted"},
};

constexpr std::array<std::string_view, 6> kClassReasons = {"Provisional",  "Success",      "Redirection",
                                                           "Client Error", "Server Error", "Global Failure"};

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(value.empty() ? ":" : ": ").append(value).append("\r\n");
}

bool isCopied(HeaderId id) {
  return id == HeaderId::Via || id == HeaderId::From || id == HeaderId::To || id == HeaderId::CallId ||
         id == HeaderId::CSeq;
}

bool hasTag(std::string_view to_value) {
  const Result<NameAddr> to = parseNameAddr(to_value, HeaderId::To);
  return to && to->tag().has_value();
}

// The response from the header fields of a request: every Via, the first
// From, To, Call-ID and CSeq. Other fields are skipped.
std::string writeResponse(std::span<const HeaderField> fields, int status, std::string_view reason,
                          std::string_view to_tag, std::span<const HeaderPair> extra_headers,
                          std::string_view body = {}) {
  std::string out;
  out.reserve(512);
  out.append("SIP/2.0 ").append(std::to_string(status)).append(" ").append(reason).append("\r\n");
  std::array<bool, static_cast<size_t>(HeaderId::Count_)> seen{};
  for (const HeaderField& field : fields) {
    auto& once = seen[static_cast<size_t>(field.id)];
    if (!isCopied(field.id) || (once && field.id != HeaderId::Via)) {
      continue;
    }
    once = true;
    const std::string_view name = canonicalHeaderName(field.id);
    if (field.id == HeaderId::To && status > 100 && !to_tag.empty() && !hasTag(field.value)) {
      out.append(name).append(": ").append(field.value).append(";tag=").append(to_tag).append("\r\n");
    } else {
      appendHeader(out, name, field.value);
    }
  }
  for (const auto& [name, value] : extra_headers) {
    appendHeader(out, name, value);
  }
  out.append("Server: Tandem/").append(kVersion).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

bool startsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && equalsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

std::string_view trimWsp(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    return {};
  }
  return text.substr(begin, text.find_last_not_of(" \t\r") + 1 - begin);
}

// The copied header fields of bytes that did not parse. Tolerant: lines end
// in CRLF or LF, folds continue the previous value, lines that are not
// "name: value" are skipped. Values of folded fields keep their folds.
std::vector<HeaderField> scanCopiedFields(std::string_view bytes) {
  std::vector<HeaderField> fields;
  size_t pos = bytes.find('\n');
  bool last_copied = false;
  while (pos != std::string_view::npos && pos + 1 < bytes.size()) {
    const size_t begin = pos + 1;
    pos = bytes.find('\n', begin);
    const std::string_view line = bytes.substr(begin, pos == std::string_view::npos ? pos : pos - begin);
    if (line.empty() || line == "\r") {
      break;  // end of the header section
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (last_copied) {
        HeaderField& field = fields.back();
        field.value = trimWsp(std::string_view(field.value.data(), line.data() + line.size() - field.value.data()));
      }
      continue;
    }
    const size_t colon = line.find(':');
    last_copied = false;
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = trimWsp(line.substr(0, colon));
    const HeaderId id = headerIdFromName(name);
    if (isCopied(id)) {
      fields.push_back(HeaderField{id, name, trimWsp(line.substr(colon + 1)), line});
      last_copied = true;
    }
  }
  return fields;
}

uint16_t defaultPort(const Via& via) { return equalsIgnoreCase(via.transport, "TLS") ? 5061 : 5060; }

}  // namespace

std::string_view defaultReason(int status) {
  const auto* end = std::end(kReasons);
  const auto* it = std::lower_bound(std::begin(kReasons), end, status,
                                    [](const StatusReason& entry, int code) { return entry.status < code; });
  if (it != end && it->status == status) {
    return it->reason;
  }
  if (status >= 100 && status <= 699) {
    return kClassReasons[static_cast<size_t>(status / 100 - 1)];
  }
  return "Unknown";
}

std::string buildResponse(const Message& request, int status, std::string_view reason, std::string_view to_tag,
                          std::span<const HeaderPair> extra_headers, std::string_view body) {
  return writeResponse(request.headers(), status, reason, to_tag, extra_headers, body);
}

std::string buildResponseFromRaw(std::string_view bytes, int status, std::string_view reason, std::string_view to_tag,
                                 std::span<const HeaderPair> extra_headers) {
  while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
    bytes.remove_prefix(1);  // RFC 3261 §7.5: leading CRLFs
  }
  if (startsWithIgnoreCase(bytes, "SIP/") || bytes.starts_with("ACK ")) {
    return {};
  }
  const std::vector<HeaderField> fields = scanCopiedFields(bytes);
  const bool has_via = std::any_of(fields.begin(), fields.end(),
                                   [](const HeaderField& f) { return f.id == HeaderId::Via && !f.value.empty(); });
  if (!has_via) {
    return {};
  }
  return writeResponse(fields, status, reason, to_tag, extra_headers);
}

std::string warningValue(int code, std::string_view agent, std::string_view text) {
  std::string out = std::to_string(code);
  out.append(" ").append(agent).append(" \"");
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    if (c != '\r' && c != '\n') {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

ResponseTarget responseTarget(const Via& via, bool stream, std::string_view source_host, uint16_t source_port) {
  const uint16_t sent_by_port = via.has_port ? via.port : defaultPort(via);
  if (stream) {
    return ResponseTarget{true, source_host, sent_by_port};
  }
  if (!via.maddr.empty()) {
    return ResponseTarget{false, via.maddr, sent_by_port};
  }
  if (via.has_rport) {
    return ResponseTarget{false, source_host, source_port};
  }
  return ResponseTarget{false, source_host, sent_by_port};
}

}  // namespace tandem::sip
