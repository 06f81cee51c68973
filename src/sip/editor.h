#pragma once

// Serializer with an edit list (RFC 3261 §16.6): writes the parts of a message
// it did not touch byte for byte and applies edits without reparsing. Edits
// reference header lines of the source message; values passed in are views
// the caller keeps alive until serialize() returns.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace tandem::sip {

class Editor {
 public:
  static constexpr size_t kMaxEdits = 16;

  explicit Editor(const Message& message) : message_(message) {}

  // Request-URI replacement (requests only).
  void setRequestUri(std::string_view uri) { request_uri_ = uri; has_request_uri_ = true; }
  // New top Via (§16.6 item 8): "Via: <value>" before the first header.
  void pushVia(std::string_view value);
  // Removes the topmost Via value (§16.7 item 3): the whole line when it holds
  // one value, else just the first element of the first Via line.
  void popVia();
  // Removes a header line of the message.
  void remove(const HeaderField& field);
  // Replaces the value of a header line, keeping its name as written.
  void replace(const HeaderField& field, std::string_view value);
  // Replaces any span of the source message (a view into it, e.g. a
  // parameter of the top Via) with `text`; an empty span inserts `text` there.
  void replaceSpan(std::string_view part, std::string_view text);
  // New header line before `field`, or (insertFirst) before all headers.
  void insertBefore(const HeaderField& field, std::string_view name, std::string_view value);
  void insertFirst(std::string_view name, std::string_view value);
  // New header line after every other header.
  void append(std::string_view name, std::string_view value);
  // Replaces the body; Content-Length is rewritten to match.
  void setBody(std::string_view body);

  // False when more than kMaxEdits edits were asked for (the extra ones are lost).
  bool ok() const { return !overflow_; }

  // Appends the edited message to `out`; returns the number of bytes written.
  size_t serialize(std::string& out) const;
  std::string serialize() const {
    std::string out;
    serialize(out);
    return out;
  }

 private:
  // Every edit replaces the source span [at, end) (empty for an insertion)
  // with `name: value\r\n` (Insert) or `value` (Replace, Remove).
  enum class Op : uint8_t { Insert, Replace };
  struct Edit {
    Op op = Op::Replace;
    size_t at = 0;
    size_t end = 0;
    std::string_view name, value;
  };
  size_t offsetOf(std::string_view part) const;
  void add(const Edit& edit);

  const Message& message_;
  std::array<Edit, kMaxEdits> edits_{};
  size_t edit_count_ = 0;
  bool overflow_ = false;
  bool has_request_uri_ = false;
  std::string_view request_uri_;
  bool has_body_ = false;
  std::string_view body_;
  char length_text_[24] = {};  // the rewritten Content-Length value
  std::string_view length_value_;
};

}  // namespace tandem::sip
