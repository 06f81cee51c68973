#include "transaction/machines.h"

#include <array>

namespace tandem::transaction {
namespace {

using enum State;
using enum Event;
using R = Retransmit;
using T = TimerName;

constexpr uint8_t kNone = 0;
constexpr uint8_t kRespond = kTakeResponse | kSend;

// INVITE client, RFC 3261 Figure 5 as amended by RFC 6026 Figure 5.
constexpr std::array kInviteClient = {
    Transition{Calling, Start, Calling, kSend, R::Start, startLifetime(T::B)},
    Transition{Calling, RetransmitTimer, Calling, kSend, R::Double},  // A
    Transition{Calling, LifetimeTimer, Terminated, kReportTimeout},   // B
    Transition{Calling, Provisional, Proceeding, kPassUp, R::Stop, kStopLifetime},
    Transition{Calling, Success, Accepted, kPassUp, R::Stop, startLifetime(T::M)},
    Transition{Calling, Final, Completed, kBuildAck | kSend | kPassUp, R::Stop, startLifetime(T::D)},
    Transition{Calling, TransportError, Terminated, kReportTransportError},
    Transition{Proceeding, Provisional, Proceeding, kPassUp},
    Transition{Proceeding, Success, Accepted, kPassUp, R::Keep, startLifetime(T::M)},
    Transition{Proceeding, Final, Completed, kBuildAck | kSend | kPassUp, R::Keep, startLifetime(T::D)},
    Transition{Completed, Final, Completed, kSend},  // a retransmitted 3xx-6xx: resend the ACK
    Transition{Completed, TransportError, Terminated, kReportTransportError},
    Transition{Completed, LifetimeTimer, Terminated, kNone},  // D
    Transition{Accepted, Success, Accepted, kPassUp},         // 2xx retransmissions go up (RFC 6026)
    Transition{Accepted, LifetimeTimer, Terminated, kNone},   // M
};

// Non-INVITE client, RFC 3261 Figure 6.
constexpr std::array kNonInviteClient = {
    Transition{Trying, Start, Trying, kSend, R::Start, startLifetime(T::F)},
    Transition{Trying, RetransmitTimer, Trying, kSend, R::DoubleToT2},  // E
    Transition{Trying, LifetimeTimer, Terminated, kReportTimeout},      // F
    Transition{Trying, Provisional, Proceeding, kPassUp},
    Transition{Trying, Final, Completed, kPassUp, R::Stop, startLifetime(T::K)},
    Transition{Trying, TransportError, Terminated, kReportTransportError},
    Transition{Proceeding, RetransmitTimer, Proceeding, kSend, R::AtT2},  // E
    Transition{Proceeding, LifetimeTimer, Terminated, kReportTimeout},    // F
    Transition{Proceeding, Provisional, Proceeding, kPassUp},
    Transition{Proceeding, Final, Completed, kPassUp, R::Stop, startLifetime(T::K)},
    Transition{Proceeding, TransportError, Terminated, kReportTransportError},
    Transition{Completed, LifetimeTimer, Terminated, kNone},  // K
};

// INVITE server, RFC 3261 Figure 7 as amended by RFC 6026 Figure 7.
constexpr std::array kInviteServer = {
    Transition{Proceeding, Start, Proceeding, kPassUp, R::Keep, startLifetime(T::Trying)},
    Transition{Proceeding, LifetimeTimer, Proceeding, kBuildTrying | kSend},  // 200 ms, TU silent
    Transition{Proceeding, Request, Proceeding, kSend},                       // resend the last provisional, if any
    Transition{Proceeding, Provisional, Proceeding, kRespond, R::Keep, kStopLifetime},
    Transition{Proceeding, Success, Accepted, kRespond, R::Keep, startLifetime(T::L)},
    Transition{Proceeding, Final, Completed, kRespond, R::Start, startLifetime(T::H)},
    Transition{Proceeding, TransportError, Terminated, kReportTransportError},
    Transition{Completed, Request, Completed, kSend},
    Transition{Completed, RetransmitTimer, Completed, kSend, R::DoubleToT2},  // G
    Transition{Completed, Ack, Confirmed, kNone, R::Stop, startLifetime(T::I)},
    Transition{Completed, LifetimeTimer, Terminated, kReportTimeout},  // H
    Transition{Completed, TransportError, Terminated, kReportTransportError},
    Transition{Confirmed, LifetimeTimer, Terminated, kNone},  // I
    Transition{Accepted, Success, Accepted, kRespond},        // 2xx from the TU (other forks, retransmissions)
    Transition{Accepted, Ack, Accepted, kPassUp},             // the 2xx ACK goes to the TU
    Transition{Accepted, TransportError, Accepted, kReportTransportError},
    Transition{Accepted, LifetimeTimer, Terminated, kNone},  // L
};

// Non-INVITE server, RFC 3261 Figure 8.
constexpr std::array kNonInviteServer = {
    Transition{Trying, Start, Trying, kPassUp},
    Transition{Trying, Provisional, Proceeding, kRespond},
    Transition{Trying, Final, Completed, kRespond, R::Keep, startLifetime(T::J)},
    Transition{Trying, TransportError, Terminated, kReportTransportError},
    Transition{Proceeding, Request, Proceeding, kSend},
    Transition{Proceeding, Provisional, Proceeding, kRespond},
    Transition{Proceeding, Final, Completed, kRespond, R::Keep, startLifetime(T::J)},
    Transition{Proceeding, TransportError, Terminated, kReportTransportError},
    Transition{Completed, Request, Completed, kSend},
    Transition{Completed, TransportError, Terminated, kReportTransportError},
    Transition{Completed, LifetimeTimer, Terminated, kNone},  // J
};

}  // namespace

Kind kindFor(sip::Method method, bool client) {
  const bool invite = method == sip::Method::Invite;
  if (client) {
    return invite ? Kind::InviteClient : Kind::NonInviteClient;
  }
  return invite ? Kind::InviteServer : Kind::NonInviteServer;
}

std::string_view stateName(State state) {
  constexpr std::string_view kNames[] = {"Calling",   "Trying",   "Proceeding", "Completed",
                                         "Confirmed", "Accepted", "Terminated"};
  return kNames[static_cast<size_t>(state)];
}

std::string_view eventName(Event event) {
  constexpr std::string_view kNames[] = {"Start", "Provisional",     "Success",       "Final",         "Request",
                                         "Ack",   "RetransmitTimer", "LifetimeTimer", "TransportError"};
  return kNames[static_cast<size_t>(event)];
}

State initialState(Kind kind) {
  switch (kind) {
    case Kind::InviteClient:
      return Calling;
    case Kind::InviteServer:
      return Proceeding;
    case Kind::NonInviteClient:
    case Kind::NonInviteServer:
      return Trying;
  }
  return Terminated;
}

Event eventForStatus(Kind kind, int status) {
  if (status < 200) {
    return Provisional;
  }
  if (status < 300 && isInvite(kind)) {
    return Success;
  }
  return Final;
}

std::span<const Transition> transitionsOf(Kind kind) {
  switch (kind) {
    case Kind::InviteClient:
      return kInviteClient;
    case Kind::NonInviteClient:
      return kNonInviteClient;
    case Kind::InviteServer:
      return kInviteServer;
    case Kind::NonInviteServer:
      return kNonInviteServer;
  }
  return {};
}

const Transition* findTransition(Kind kind, State state, Event event) {
  for (const Transition& transition : transitionsOf(kind)) {
    if (transition.from == state && transition.event == event) {
      return &transition;
    }
  }
  return nullptr;
}

}  // namespace tandem::transaction
