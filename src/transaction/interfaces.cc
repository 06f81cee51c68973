#include "transaction/interfaces.h"

namespace tandem::transaction {

std::string_view describe(TransactionError error) {
  switch (error) {
    case TransactionError::Malformed:
      return "no usable top Via or CSeq";
    case TransactionError::NotATransaction:
      return "ACK does not start a transaction";
    case TransactionError::DuplicateBranch:
      return "a client transaction with this branch and method exists";
    case TransactionError::UnknownTransaction:
      return "no such transaction";
    case TransactionError::NotAllowedInState:
      return "not allowed in the transaction's state";
    case TransactionError::TransportError:
      return "the send failed";
  }
  return "unknown transaction error";
}

}  // namespace tandem::transaction
