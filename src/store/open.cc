#include <string>

#include "store/sqlite_store.h"
#include "store/store.h"

namespace tandem::store {
namespace {

constexpr std::string_view kPostgresLater =
    "PostgreSQL pools arrive with the Enterprise Edition issue; use store = \"sqlite:PATH\" for now";

StoreResult<std::unique_ptr<Store>> openSqlite(const std::filesystem::path& file, Missing missing) {
  std::error_code ec;
  if (missing == Missing::Refuse && !std::filesystem::exists(file, ec)) {
    return fail("store " + file.string() +
                ": no database there; tandemctl creates it (tandemctl --config <server file> pool apply <pool file>)");
  }
  StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file);
  if (!store) {
    return fail(store.error());
  }
  return std::unique_ptr<Store>(std::move(store.value()));
}

}  // namespace

StoreResult<std::unique_ptr<Store>> open(const config::Store& store, Missing missing) {
  if (store.kind == config::Store::Kind::Postgresql) {
    return fail(std::string(kPostgresLater));
  }
  return openSqlite(store.location, missing);
}

StoreResult<std::unique_ptr<Store>> open(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite) && url.size() > kSqlite.size()) {
    return openSqlite(std::filesystem::path(url.substr(kSqlite.size())), Missing::Create);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return fail(std::string(kPostgresLater));
  }
  return fail("unknown store '" + std::string(url) + "': expected \"sqlite:<path>\" or \"postgresql://...\"");
}

}  // namespace tandem::store
