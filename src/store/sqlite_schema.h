#pragma once

// The SQLite store's schema as an ordered list of migrations. Migration i
// (1-based) takes a database from schema version i-1 to i; the table
// schema_version records every version applied. Never edit a migration that
// has shipped: add the next one.

#include <span>
#include <string_view>

namespace tandem::store::sqlite {

// Every migration, in order; migrations().size() is the version this build
// writes.
std::span<const std::string_view> migrations();

inline int latestSchemaVersion() { return static_cast<int>(migrations().size()); }

}  // namespace tandem::store::sqlite
