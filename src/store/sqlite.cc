#include "store/sqlite.h"

#include <sqlite3.h>

#include <utility>

namespace tandem::store::sqlite {

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = std::exchange(other.db_, nullptr);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::Use::~Use() {
  sqlite3_reset(statement_.stmt_);
  sqlite3_clear_bindings(statement_.stmt_);
}

Statement::Use& Statement::Use::bind(std::string_view text) {
  const int rc =
      sqlite3_bind_text(statement_.stmt_, next_++, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) {
    bind_error_ = rc;
  }
  return *this;
}

Statement::Use& Statement::Use::bind(int64_t value) {
  const int rc = sqlite3_bind_int64(statement_.stmt_, next_++, value);
  if (rc != SQLITE_OK && bind_error_ == 0) {
    bind_error_ = rc;
  }
  return *this;
}

Result<bool, std::string> Statement::Use::step() {
  if (bind_error_ != 0) {
    return fail(std::string("cannot bind a parameter: ") + sqlite3_errstr(bind_error_));
  }
  const int rc = sqlite3_step(statement_.stmt_);
  if (rc == SQLITE_ROW) {
    return true;
  }
  if (rc == SQLITE_DONE) {
    return false;
  }
  return fail(std::string(sqlite3_errmsg(statement_.db_)));
}

Status<std::string> Statement::Use::run() {
  for (;;) {
    Result<bool, std::string> row = step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return {};
    }
  }
}

std::string Statement::Use::text(int column) const {
  const auto* data = sqlite3_column_text(statement_.stmt_, column);
  const int size = sqlite3_column_bytes(statement_.stmt_, column);
  return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
}

int64_t Statement::Use::integer(int column) const { return sqlite3_column_int64(statement_.stmt_, column); }

Database::~Database() { sqlite3_close_v2(db_); }

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Result<Database, std::string> Database::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
  Database database(db);  // closes `db` on every path
  if (rc != SQLITE_OK) {
    return fail(db == nullptr ? std::string(sqlite3_errstr(rc)) : std::string(sqlite3_errmsg(db)));
  }
  sqlite3_extended_result_codes(db, 1);
  return database;
}

Status<std::string> Database::exec(std::string_view sql) {
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    return fail(lastError());
  }
  return {};
}

Result<Statement, std::string> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    return fail(lastError());
  }
  return Statement(db_, stmt);
}

std::string Database::lastError() const { return sqlite3_errmsg(db_); }

int64_t Database::changes() const { return sqlite3_changes64(db_); }

Result<Transaction, std::string> Transaction::begin(Database& db, Kind kind) {
  Status<std::string> begun = db.exec(kind == Kind::Write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!begun) {
    return fail(begun.error());
  }
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) {
    (void)db_->exec("ROLLBACK");
  }
}

Status<std::string> Transaction::commit() {
  Database* db = std::exchange(db_, nullptr);
  Status<std::string> done = db->exec("COMMIT");
  if (!done) {
    (void)db->exec("ROLLBACK");
  }
  return done;
}

}  // namespace tandem::store::sqlite
