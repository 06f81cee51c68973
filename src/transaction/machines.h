#pragma once

// The four transaction state machines of RFC 3261 §17 as amended by RFC 6026,
// written as data: each machine is a list of transitions
//     (state, event) -> (next state, actions, retransmission timer, lifetime timer)
// read off the RFC's figures, and one interpreter (TransactionTable::dispatch)
// runs them all. An event with no row in the current state is discarded —
// which is how the RFC's "absorb" arrows (a retransmitted 3xx in Completed, a
// request retransmission in Accepted, ...) are written here.
//
// Timers. A transaction runs at most two timers at once, so it embeds two
// TimerNodes: the retransmission timer (A, E or G) and the lifetime timer
// (B, D, F, H, I, J, K, L, M, or the INVITE server's 100 Trying delay). The
// event RetransmitTimer / LifetimeTimer together with the state tell which
// RFC timer fired (LifetimeTimer in Completed of an INVITE server is H, in
// Confirmed it is I). Entering Terminated stops both.

#include <cstdint>
#include <span>
#include <string_view>

#include "sip/method.h"
#include "transaction/timers.h"

namespace tandem::transaction {

enum class Kind : uint8_t {
  InviteClient,     // §17.1.1, RFC 6026 §8.4 (Figure 5)
  NonInviteClient,  // §17.1.2 (Figure 6)
  InviteServer,     // §17.2.1, RFC 6026 §8.7 (Figure 7)
  NonInviteServer,  // §17.2.2 (Figure 8)
};

inline bool isClient(Kind kind) { return kind == Kind::InviteClient || kind == Kind::NonInviteClient; }
inline bool isInvite(Kind kind) { return kind == Kind::InviteClient || kind == Kind::InviteServer; }
Kind kindFor(sip::Method method, bool client);

enum class State : uint8_t { Calling, Trying, Proceeding, Completed, Confirmed, Accepted, Terminated };
std::string_view stateName(State state);
State initialState(Kind kind);

enum class Event : uint8_t {
  Start,            // client: the TU hands over the request; server: the request arrived
  Provisional,      // 1xx (received by a client, from the TU for a server)
  Success,          // 2xx to INVITE
  Final,            // 300-699 to INVITE; 200-699 to anything else
  Request,          // server: a retransmission of the request
  Ack,              // INVITE server: an ACK matching the transaction
  RetransmitTimer,  // A, E or G fired
  LifetimeTimer,    // B, D, F, H, I, J, K, L, M or Trying fired
  TransportError,   // a send failed
};
std::string_view eventName(Event event);
// Provisional, Success or Final for a status code of a `kind` transaction.
Event eventForStatus(Kind kind, int status);

// Actions, run in this order: the message to (re)send is set, it is sent,
// then the TU is told.
enum Action : uint8_t {
  kTakeResponse = 1 << 0,  // server: the TU's response becomes the message to (re)send
  kBuildAck = 1 << 1,      // INVITE client: the ACK of the received 3xx-6xx (§17.1.1.3) becomes it
  kBuildTrying = 1 << 2,   // INVITE server: a 100 Trying (§17.2.1, §8.2.6.1) becomes it
  kSend = 1 << 3,          // send it: the request, the last response or the ACK (nothing yet: nothing)
  kPassUp = 1 << 4,        // the message goes to the TU (request, response, ACK)
  kReportTimeout = 1 << 5,
  kReportTransportError = 1 << 6,
};

// What a transition does to the retransmission timer (unreliable transports
// only; on reliable ones it never runs).
enum class Retransmit : uint8_t {
  Keep,
  Stop,
  Start,       // T1
  Double,      // 2 * interval (Timer A, §17.1.1.2)
  DoubleToT2,  // min(2 * interval, T2) (Timers E in Trying and G, §17.1.2.2, §17.2.1)
  AtT2,        // T2 (Timer E in Proceeding, §17.1.2.2)
};

// What a transition does to the lifetime timer.
struct Lifetime {
  enum class Op : uint8_t { Keep, Stop, Start };
  Op op = Op::Keep;
  TimerName timer = TimerName::B;  // for Start
};
inline constexpr Lifetime kKeepLifetime{};
inline constexpr Lifetime kStopLifetime{Lifetime::Op::Stop};
constexpr Lifetime startLifetime(TimerName timer) { return {Lifetime::Op::Start, timer}; }

struct Transition {
  State from;
  Event event;
  State to;
  uint8_t actions;
  Retransmit retransmit = Retransmit::Keep;
  Lifetime lifetime = kKeepLifetime;
};

std::span<const Transition> transitionsOf(Kind kind);
// The transition for `event` in `state`; nullptr when the event is discarded.
const Transition* findTransition(Kind kind, State state, Event event);

}  // namespace tandem::transaction
