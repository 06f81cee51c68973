#include "sip/editor.h"

#include <charconv>

namespace tandem::sip {

size_t Editor::offsetOf(std::string_view part) const {
  return static_cast<size_t>(part.data() - message_.raw().data());
}

void Editor::add(const Edit& edit) {
  if (edit_count_ == kMaxEdits) {
    overflow_ = true;
    return;
  }
  edits_[edit_count_++] = edit;
}

void Editor::pushVia(std::string_view value) {
  const HeaderField* top = message_.find(HeaderId::Via);
  if (top != nullptr) {
    insertBefore(*top, "Via", value);
  } else {
    insertFirst("Via", value);
  }
}

void Editor::popVia() {
  const ValueRange vias = message_.values(HeaderId::Via);
  auto it = vias.begin();
  if (it == vias.end()) {
    return;
  }
  const HeaderField& field = it.field();
  const std::string_view first = *it;
  ++it;
  if (it == vias.end() || &it.field() != &field) {
    remove(field);
    return;
  }
  // Several values on the line: drop "first ," and the LWS up to the next one.
  add(Edit{Op::Replace, offsetOf(first), offsetOf(*it), {}, {}});
}

void Editor::remove(const HeaderField& field) {
  const size_t at = offsetOf(field.line);
  add(Edit{Op::Replace, at, at + field.line.size(), {}, {}});
}

void Editor::replace(const HeaderField& field, std::string_view value) {
  const size_t at = offsetOf(field.value);
  add(Edit{Op::Replace, at, at + field.value.size(), {}, value});
}

void Editor::replaceSpan(std::string_view part, std::string_view text) {
  const size_t at = offsetOf(part);
  add(Edit{Op::Replace, at, at + part.size(), {}, text});
}

void Editor::insertBefore(const HeaderField& field, std::string_view name, std::string_view value) {
  const size_t at = offsetOf(field.line);
  add(Edit{Op::Insert, at, at, name, value});
}

void Editor::insertFirst(std::string_view name, std::string_view value) {
  const auto headers = message_.headers();
  const size_t at = headers.empty() ? message_.headerEnd() : offsetOf(headers.front().line);
  add(Edit{Op::Insert, at, at, name, value});
}

void Editor::append(std::string_view name, std::string_view value) {
  const size_t at = message_.headerEnd();
  add(Edit{Op::Insert, at, at, name, value});
}

void Editor::setBody(std::string_view body) {
  has_body_ = true;
  body_ = body;
  const auto [end, ec] = std::to_chars(length_text_, length_text_ + sizeof(length_text_), body.size());
  length_value_ = std::string_view(length_text_, static_cast<size_t>(end - length_text_));
  if (const HeaderField* length = message_.find(HeaderId::ContentLength); length != nullptr) {
    replace(*length, length_value_);
  } else {
    append("Content-Length", length_value_);
  }
}

size_t Editor::serialize(std::string& out) const {
  const std::string_view raw = message_.raw();
  const size_t initial = out.size();

  // Edits in source order; at one offset, insertions come before the
  // replacement of the span that starts there. Edits must not overlap.
  std::array<const Edit*, kMaxEdits + 1> order{};
  size_t count = 0;
  Edit uri_edit;
  if (has_request_uri_ && message_.isRequest()) {
    const size_t at = offsetOf(message_.requestUri());
    uri_edit = Edit{Op::Replace, at, at + message_.requestUri().size(), {}, request_uri_};
    order[count++] = &uri_edit;
  }
  for (size_t i = 0; i < edit_count_; ++i) {
    order[count++] = &edits_[i];
  }
  // Stable insertion sort: a handful of edits, and no temporary buffer (the
  // serializer must not allocate beyond the output).
  auto before = [](const Edit* a, const Edit* b) {
    return a->at != b->at ? a->at < b->at : (a->op == Op::Insert && b->op != Op::Insert);
  };
  for (size_t i = 1; i < count; ++i) {
    const Edit* edit = order[i];
    size_t j = i;
    for (; j > 0 && before(edit, order[j - 1]); --j) {
      order[j] = order[j - 1];
    }
    order[j] = edit;
  }

  size_t extra = 0;
  for (size_t i = 0; i < count; ++i) {
    extra += order[i]->name.size() + order[i]->value.size() + 4;
  }
  const size_t body_start = raw.size() - message_.body().size();
  const size_t copy_end = has_body_ ? body_start : raw.size();
  out.reserve(initial + raw.size() + extra + (has_body_ ? body_.size() : 0));

  size_t cursor = 0;
  for (size_t i = 0; i < count; ++i) {
    const Edit& edit = *order[i];
    if (edit.at < cursor) {
      continue;  // overlapping edit: ignored (contract violation)
    }
    out.append(raw.data() + cursor, edit.at - cursor);
    if (edit.op == Op::Insert) {
      out.append(edit.name);
      out.append(": ");
      out.append(edit.value);
      out.append("\r\n");
    } else {
      out.append(edit.value);
    }
    cursor = edit.end;
  }
  out.append(raw.data() + cursor, copy_end - cursor);
  if (has_body_) {
    out.append(body_);
  }
  return out.size() - initial;
}

}  // namespace tandem::sip
