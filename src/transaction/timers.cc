#include "transaction/timers.h"

namespace tandem::transaction {

std::string_view timerLetter(TimerName name) {
  constexpr std::string_view kLetters[] = {"A", "B", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "Trying"};
  return kLetters[static_cast<size_t>(name)];
}

Duration initialDuration(TimerName name, bool reliable, const TimerConfig& config) {
  const Duration zero{0};
  switch (name) {
    case TimerName::A:
    case TimerName::E:
    case TimerName::G:
      return reliable ? zero : config.t1;
    case TimerName::B:
    case TimerName::F:
    case TimerName::H:
    case TimerName::L:
    case TimerName::M:
      return 64 * config.t1;
    case TimerName::D:
      return reliable ? zero : config.d;
    case TimerName::I:
    case TimerName::K:
      return reliable ? zero : config.t4;
    case TimerName::J:
      return reliable ? zero : 64 * config.t1;
    case TimerName::Trying:
      return config.trying;
  }
  return zero;
}

}  // namespace tandem::transaction
