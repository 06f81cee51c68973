#pragma once

// The SIP message (RFC 3261 §7): one owned buffer, and views into it.
//
// Message::parse copies the wire bytes into a buffer the message owns (the only
// heap allocation of a parse for messages of up to kInlineHeaders header lines)
// and indexes the start line and every header line. Header values are not
// interpreted here: the typed parsers in headers.h / uri.h parse a value on
// demand. Every std::string_view handed out points into the message's buffer
// and lives as long as the message (moving the message keeps them valid).

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <span>
#include <string_view>
#include <vector>

#include "sip/error.h"
#include "sip/header_id.h"
#include "sip/method.h"

namespace tandem::sip {

// How the bytes reached us, which decides how the body is framed (§18.3).
enum class Framing : uint8_t {
  // UDP: Content-Length may be absent (the body is the rest of the datagram);
  // octets after Content-Length are ignored (RFC 4475 §3.1.1.8); a
  // Content-Length larger than the datagram is a 400.
  Datagram,
  // TCP/TLS: the bytes are exactly one message cut by StreamFramer, so
  // Content-Length is present and matches.
  Stream,
};

struct HeaderField {
  HeaderId id = HeaderId::Other;
  std::string_view name;   // as written, e.g. "v" or "VIA"
  std::string_view value;  // after the colon, outer LWS trimmed; folds (CRLF WSP) kept
  std::string_view line;   // the whole field: name through the CRLF that ends it
};

static_assert(std::is_trivially_copyable_v<HeaderField> && std::is_trivially_destructible_v<HeaderField>);

// A comma-separated element of a list header (RFC 3261 §7.3.1), outer LWS
// trimmed. Commas inside quoted strings and <...> do not split. Empty elements
// are yielded too ("a,,b" gives "a", "", "b") so validators can refuse them.
class ValueIterator {
 public:
  using value_type = std::string_view;
  using difference_type = std::ptrdiff_t;

  ValueIterator() = default;
  ValueIterator(const HeaderField* pos, const HeaderField* end, HeaderId id);

  std::string_view operator*() const { return current_; }
  // The header line the current element belongs to.
  const HeaderField& field() const { return *pos_; }
  ValueIterator& operator++();
  ValueIterator operator++(int) {
    ValueIterator copy = *this;
    ++*this;
    return copy;
  }
  bool operator==(const ValueIterator& other) const {
    return pos_ == other.pos_ && rest_.data() == other.rest_.data() && done_ == other.done_;
  }

 private:
  void seekField();
  void takeElement();

  const HeaderField* pos_ = nullptr;
  const HeaderField* end_ = nullptr;
  HeaderId id_ = HeaderId::Other;
  bool split_ = false;
  bool done_ = true;
  bool trailing_empty_ = false;  // "a," still owes the empty element after the comma
  std::string_view rest_;     // unconsumed part of the current field value
  std::string_view current_;
};

class ValueRange {
 public:
  ValueRange(ValueIterator begin) : begin_(begin) {}  // NOLINT
  ValueIterator begin() const { return begin_; }
  ValueIterator end() const { return ValueIterator(); }
  bool empty() const { return begin_ == ValueIterator(); }

 private:
  ValueIterator begin_;
};

class Message {
 public:
  static constexpr size_t kInlineHeaders = 32;

  // Parses one whole message. Errors carry the status to answer with:
  // 400 (with the faulty part named), 505 for a SIP version other than 2.0.
  static Result<Message> parse(std::string_view bytes, Framing framing);

  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();

  bool isRequest() const { return is_request_; }
  bool isResponse() const { return !is_request_; }

  // Requests (RFC 3261 §7.1).
  Method method() const { return method_; }
  std::string_view methodName() const { return method_name_; }
  std::string_view requestUri() const { return request_uri_; }

  // Responses (RFC 3261 §7.2).
  int statusCode() const { return status_code_; }
  std::string_view reasonPhrase() const { return reason_; }

  std::string_view version() const { return version_; }
  std::string_view startLine() const { return start_line_; }  // without CRLF

  std::span<const HeaderField> headers() const { return {header_data(), header_count_}; }
  // First header with this id / (case-insensitive) name; nullptr when absent.
  const HeaderField* find(HeaderId id) const;
  const HeaderField* find(std::string_view name) const;
  size_t count(HeaderId id) const;
  // Every element of every line of a header, in order. List headers are split
  // on commas; other headers yield each line's whole value.
  ValueRange values(HeaderId id) const;

  std::string_view body() const { return body_; }
  // Content-Length as sent; -1 when absent (datagrams only).
  int64_t contentLength() const { return content_length_; }
  // The message as framed: start line through the body. Octets a datagram
  // carried after the body are not part of it.
  std::string_view raw() const { return {buffer_.get(), size_}; }
  // Offset of the blank line that ends the header section within raw().
  size_t headerEnd() const { return header_end_; }

 private:
  Message() = default;
  // Inline slots are raw storage: only the ones in use are ever written or
  // copied, so a parse does not pay for clearing 32 fields.
  HeaderField* inline_headers() { return std::launder(reinterpret_cast<HeaderField*>(inline_storage_)); }
  const HeaderField* inline_headers() const {
    return std::launder(reinterpret_cast<const HeaderField*>(inline_storage_));
  }
  const HeaderField* header_data() const { return overflow_.empty() ? inline_headers() : overflow_.data(); }
  void moveFrom(Message& other) noexcept;
  Status parseImpl(Framing framing, size_t available);
  Status parseStartLine(std::string_view line);
  HeaderField& appendHeader(HeaderId id, std::string_view name, std::string_view value, std::string_view line);
  HeaderField& appendOverflow(const HeaderField& field);

  std::unique_ptr<char[]> buffer_;
  size_t size_ = 0;
  bool is_request_ = true;
  Method method_ = Method::Unknown;
  int status_code_ = 0;
  std::string_view method_name_, request_uri_, version_, reason_, start_line_, body_;
  int64_t content_length_ = -1;
  size_t header_end_ = 0;
  size_t header_count_ = 0;
  alignas(HeaderField) unsigned char inline_storage_[kInlineHeaders * sizeof(HeaderField)];
  std::vector<HeaderField> overflow_;  // used only past kInlineHeaders lines
};

// Case-insensitive ASCII comparison (header names, parameter names, schemes).
bool equalsIgnoreCase(std::string_view a, std::string_view b);

// Linear white space (RFC 3261 §25.1: [*WSP CRLF] 1*WSP). Trims it from both
// ends of `text`, including folds.
std::string_view trimLws(std::string_view text);

}  // namespace tandem::sip
