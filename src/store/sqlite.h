#pragma once

// Thin RAII over the SQLite C API for the store: a connection, prepared
// statements and transactions. Errors are values carrying sqlite3_errmsg.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tandem::store::sqlite {

// A prepared statement, owned. Prepared once and reused: every use goes
// through a Use, which binds, steps and resets it.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // One execution: binds parameters (1-based, in order of the bind calls),
  // steps through rows; resets the statement and clears its bindings when it
  // goes out of scope.
  class Use {
   public:
    explicit Use(Statement& statement) : statement_(statement) {}
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

    Use& bind(std::string_view text);
    Use& bind(int64_t value);
    Use& bind(bool value) { return bind(static_cast<int64_t>(value ? 1 : 0)); }

    // True: a row is ready for the column readers; false: no more rows.
    Result<bool, std::string> step();
    // Steps to the end (for statements without rows).
    Status<std::string> run();

    std::string text(int column) const;
    int64_t integer(int column) const;
    bool boolean(int column) const { return integer(column) != 0; }

   private:
    Statement& statement_;
    int next_ = 1;
    int bind_error_ = 0;  // the first failed bind's code
  };

  Use use() { return Use(*this); }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// A connection, owned.
class Database {
 public:
  Database() = default;
  ~Database();
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Opens (creating when missing) the database file; read-write.
  static Result<Database, std::string> open(const std::filesystem::path& file);

  // Runs one or more statements without results.
  Status<std::string> exec(std::string_view sql);
  Result<Statement, std::string> prepare(std::string_view sql);
  // The text of the last error on this connection.
  std::string lastError() const;
  int64_t changes() const;

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A transaction that rolls back unless committed. BEGIN IMMEDIATE for writes
// (takes the write lock at once, waiting up to the busy timeout), BEGIN
// DEFERRED for a consistent read.
class Transaction {
 public:
  enum class Kind : uint8_t { Read, Write };
  static Result<Transaction, std::string> begin(Database& db, Kind kind);
  ~Transaction();
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status<std::string> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;  // nullptr once committed or rolled back
};

}  // namespace tandem::store::sqlite
