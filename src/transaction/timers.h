#pragma once

// The RFC 3261 transaction timers (§17, Table 4 of Appendix A; RFC 6026 §8
// for L and M) and their values.

#include <cstdint>
#include <string_view>

#include "transaction/timer_wheel.h"

namespace tandem::transaction {

struct TimerConfig {
  Duration t1{500};   // RTT estimate
  Duration t2{4000};  // maximum retransmission interval of non-INVITE requests and INVITE responses
  Duration t4{5000};  // maximum time a message stays in the network
  Duration d{32000};  // Timer D on unreliable transports (">32s", §17.1.1.2)
  // §17.2.1: the INVITE server transaction sends 100 Trying itself when the
  // TU has sent no provisional response within this time.
  Duration trying{200};
  bool send_trying = true;
};

// Every timer a transaction runs. A transaction runs at most two at once: a
// retransmission timer (A, E, G) and a lifetime timer (the others).
enum class TimerName : uint8_t {
  A,       // INVITE client: request retransmission, T1 doubling (unreliable only)
  B,       // INVITE client: transaction timeout, 64*T1
  D,       // INVITE client: wait for response retransmissions, d / 0
  E,       // non-INVITE client: request retransmission, T1 doubling to T2 (unreliable only)
  F,       // non-INVITE client: transaction timeout, 64*T1
  G,       // INVITE server: response retransmission, T1 doubling to T2 (unreliable only)
  H,       // INVITE server: wait for ACK, 64*T1
  I,       // INVITE server: wait for ACK retransmissions, T4 / 0
  J,       // non-INVITE server: wait for request retransmissions, 64*T1 / 0
  K,       // non-INVITE client: wait for response retransmissions, T4 / 0
  L,       // INVITE server: wait for 2xx-related retransmissions in Accepted, 64*T1 (RFC 6026)
  M,       // INVITE client: wait for 2xx retransmissions in Accepted, 64*T1 (RFC 6026)
  Trying,  // INVITE server: send 100 if the TU has not answered (§17.2.1)
};

std::string_view timerLetter(TimerName name);

// The initial value of a timer. Zero means "fires at once": the
// retransmission timers on reliable transports never run at all, and the wait
// timers D, I, J, K expire immediately there.
Duration initialDuration(TimerName name, bool reliable, const TimerConfig& config);

}  // namespace tandem::transaction
