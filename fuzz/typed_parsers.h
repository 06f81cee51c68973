#pragma once

#include "sip/message.h"

namespace tandem::fuzz {

// Runs every typed parser over the values of the message's headers.
void exerciseTypedParsers(const sip::Message& message);

}  // namespace tandem::fuzz
