#pragma once

// A parse or validation failure as a value: the SIP status to answer with and a
// short static reason naming the fault (RFC 3261 §21.4, §21.5). The reason goes
// into a Warning header (399) of the error response.

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace tandem::sip {

struct Error {
  uint16_t status = 400;     // 400, 413, 416, 505, ...
  std::string_view reason;   // static text, e.g. "Malformed Via header"

  friend bool operator==(const Error&, const Error&) = default;
};

template <class T>
using Result = tandem::Result<T, Error>;
using Status = tandem::Status<Error>;

inline Failure<Error> error(uint16_t status, std::string_view reason) {
  return Failure<Error>{Error{status, reason}};
}
inline Failure<Error> badRequest(std::string_view reason) { return error(400, reason); }

}  // namespace tandem::sip
