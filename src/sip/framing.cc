#include "sip/framing.h"

#include <cstring>

#include "sip/message.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kHeaderEnd = "\r\n\r\n";

bool isLengthName(std::string_view name) {
  return equalsIgnoreCase(name, "Content-Length") || equalsIgnoreCase(name, "l");
}

// Finds Content-Length in a complete header section. Returns false with
// `failure` set when the value is malformed, repeated or missing.
bool findContentLength(std::string_view headers, size_t& length, Error& failure) {
  bool seen = false;
  size_t pos = headers.find("\r\n");  // skip the start line
  while (pos != std::string_view::npos && pos + 2 < headers.size()) {
    const size_t begin = pos + 2;
    const size_t end = headers.find("\r\n", begin);
    const std::string_view line = headers.substr(begin, end == std::string_view::npos ? end : end - begin);
    pos = end;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.empty() || line[0] == ' ' || line[0] == '\t') {
      continue;
    }
    if (!isLengthName(trimLws(line.substr(0, colon)))) {
      continue;
    }
    const std::string_view value = trimLws(line.substr(colon + 1));
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string_view::npos) {
      failure = Error{400, "Malformed Content-Length header"};
      return false;
    }
    size_t n = 0;
    for (char c : value) {
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    if (seen && n != length) {
      failure = Error{400, "Conflicting Content-Length headers"};
      return false;
    }
    seen = true;
    length = n;
  }
  if (!seen) {
    failure = Error{400, "Missing Content-Length header (required on stream transports)"};
    return false;
  }
  return true;
}

}  // namespace

bool StreamFramer::append(std::string_view bytes) {
  if (failed_) {
    return false;
  }
  compact();
  buffer_.append(bytes.data(), bytes.size());
  return true;
}

void StreamFramer::compact() {
  if (start_ == 0) {
    return;
  }
  if (start_ == buffer_.size()) {
    buffer_.clear();
  } else {
    buffer_.erase(0, start_);
  }
  start_ = 0;
}

StreamFramer::Frame StreamFramer::next() {
  if (failed_) {
    return Frame{Kind::Error, {}, failure_};
  }
  compact();
  std::string_view pending(buffer_.data() + start_, buffer_.size() - start_);

  // Keep-alives between messages (RFC 5626 §3.5.1): "\r\n\r\n" is a ping to
  // answer; a lone "\r\n" is a pong (or stray) and is dropped.
  while (!pending.empty() && (pending[0] == '\r' || pending[0] == '\n')) {
    if (pending.substr(0, 4) == kHeaderEnd) {
      start_ += 4;
      scanned_ = 0;
      return Frame{Kind::KeepAlive, {}, {}};
    }
    if (pending.size() < 4 && kHeaderEnd.substr(0, pending.size()) == pending) {
      return Frame{};  // maybe the start of a ping
    }
    start_ += 1;
    pending.remove_prefix(1);
    scanned_ = 0;
  }
  if (pending.empty()) {
    return Frame{};
  }

  if (pending_total_ != 0) {
    if (pending.size() < pending_total_) {
      return Frame{};
    }
    const size_t total = pending_total_;
    start_ += total;
    scanned_ = 0;
    pending_total_ = 0;
    return Frame{Kind::Message, pending.substr(0, total), {}};
  }

  const size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
  const size_t end = pending.find(kHeaderEnd, from);
  if (end == std::string_view::npos) {
    scanned_ = pending.size();
    if (pending.size() > limits_.max_header_size) {
      failed_ = true;
      failure_ = Error{413, "Header section too large"};
      return Frame{Kind::Error, {}, failure_};
    }
    return Frame{};
  }
  const std::string_view headers = pending.substr(0, end + kHeaderEnd.size());
  if (headers.size() > limits_.max_header_size) {
    failed_ = true;
    failure_ = Error{413, "Header section too large"};
    return Frame{Kind::Error, {}, failure_};
  }
  size_t length = 0;
  if (!findContentLength(headers, length, failure_)) {
    failed_ = true;
    return Frame{Kind::Error, headers, failure_};
  }
  const size_t total = headers.size() + length;
  if (total > limits_.max_message_size) {
    failed_ = true;
    failure_ = Error{413, "Message too large"};
    return Frame{Kind::Error, headers, failure_};
  }
  if (pending.size() < total) {
    pending_total_ = total;  // headers are in; wait for the body without rescanning
    return Frame{};
  }
  start_ += total;
  scanned_ = 0;
  return Frame{Kind::Message, pending.substr(0, total), {}};
}

}  // namespace tandem::sip
