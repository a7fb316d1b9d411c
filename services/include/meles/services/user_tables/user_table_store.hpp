// meles/services/user_tables/user_table_store.hpp — the bookkeeping of persistent user tables
// (meles.user_tables, user_columns, user_indexes, user_quotas, created by //tap_user): who owns
// which table under which ADQL and SQL name, its columns with their VOTable metadata, its
// indexes, lifetime and size, and per-account quota overrides.
// Thread-safety: free functions on the connection they are given; callers own transactions.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/common/time.hpp"
#include "meles/core/pg/connection.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::services::user_tables {

// The account a table belongs to; nullopt: anonymous (one namespace shared by everybody).
using Owner = std::optional<std::string>;

// Q3c, Spoint: an (ra, dec) pair (clustered); Btree: columns; Gist: one geometry column.
enum class IndexKind { Q3c, Spoint, Btree, Gist };
std::string_view index_kind_name(IndexKind kind);

struct UserIndex {
	std::string name; // SQL name of the index (schema tap_user)
	IndexKind kind = IndexKind::Btree;
	std::vector<size_t> columns; // positions in UserTable::columns: (ra, dec) or the B-tree's columns
};

struct UserTable {
	std::string sql_name; // table name in schema tap_user: random, never shown to users
	Owner owner;
	std::string name; // ADQL name (a regular identifier, lower case)
	std::string description;
	std::string origin; // "upload" or "query"
	TimePoint created, modified, destruction;
	int64_t nrows = 0;
	int64_t size_bytes = 0; // table + TOAST + indexes
	std::optional<std::string> index_job;
	std::vector<ColumnMeta> columns; // name/delimited as in ADQL, type, unit, ucd, ..., indexed
	std::vector<UserIndex> indexes;

	// tap_user.<sql_name>, ready to put into SQL.
	std::string relation() const { return "tap_user." + sql_name; }
	// What users write in ADQL: tap_user.<name>.
	std::string adql_name() const { return "tap_user." + name; }
};

struct Usage {
	int64_t bytes = 0;
	int64_t tables = 0;
};

struct Limits {
	int64_t bytes = 0;
	int64_t tables = 0;
};

// Whether //tap_user has been imported (bookkeeping tables and schema tap_user exist).
bool enabled(pg::Connection& conn);
// Throws Error(NotFound) "persistent uploads are not enabled on this server ..." unless enabled.
void require_enabled(pg::Connection& conn);

// Names of user tables: regular ADQL identifiers that are not reserved words, at most 60
// characters.  Throws Error(Validation) with the seed's wording ("'join' cannot be used as
// an upload table name (which must be regular ADQL identifiers, in particular not ADQL
// reserved words).").  Returns the name lower-cased.
std::string check_table_name(std::string_view name);

// A fresh random SQL table name ("t" and 20 characters from [a-z0-9]).
std::string new_sql_name();

// The table `owner` has under `name` (lower-cased ADQL name).
std::optional<UserTable> find(pg::Connection& conn, const Owner& owner, std::string_view name,
                              bool with_columns = true);
// What `name` means for `user`: the user's own table, else the anonymous one.
std::optional<UserTable> resolve(pg::Connection& conn, const Owner& user, std::string_view name,
                                 bool with_columns = true);
std::optional<UserTable> find_by_sql_name(pg::Connection& conn, const std::string& sql_name,
                                          bool with_columns = true);
// The tables of `owner`, by name.
std::vector<UserTable> list(pg::Connection& conn, const Owner& owner, bool with_columns);
// Tables a query by `user` may name, without columns: own ones, then anonymous ones whose
// name the user does not use; tables past their destruction time are left out.
std::vector<UserTable> visible(pg::Connection& conn, const Owner& user, TimePoint now);
// Fills columns and indexes of the given tables (one round trip each for columns and indexes).
void load_columns(pg::Connection& conn, const std::vector<UserTable*>& tables);

// Records a new table (columns and indexes included).
void insert(pg::Connection& conn, const UserTable& table);
// Forgets a table (its bookkeeping rows; the caller drops the relation).
void remove(pg::Connection& conn, const std::string& sql_name);
void set_destruction(pg::Connection& conn, const std::string& sql_name, TimePoint when);
void set_index_job(pg::Connection& conn, const std::string& sql_name, const std::string& job_id);
// Records an index: the row in user_indexes, the indexed flags, size and modification time.
void add_index(pg::Connection& conn, const UserTable& table, const UserIndex& index, int64_t size_bytes);

// Serialises changes to one owner's namespace until the end of the transaction (name
// uniqueness and quota checks happen under this lock).
void lock_owner(pg::Connection& conn, const Owner& owner);

Usage usage(pg::Connection& conn, const Owner& owner);
// Per-account overrides (meles adm quota); nullopt fields use the configured defaults.
struct QuotaOverride {
	std::optional<int64_t> bytes;
	std::optional<int64_t> tables;
};
std::optional<QuotaOverride> quota_override(pg::Connection& conn, const std::string& user);
// Sets (or with both fields empty removes) the override of `user`.
void set_quota_override(pg::Connection& conn, const std::string& user, const QuotaOverride& q);

// sql_names of tables whose destruction time has passed.
std::vector<std::string> expired(pg::Connection& conn, TimePoint now);
// The next destruction time of any table.
std::optional<TimePoint> next_destruction(pg::Connection& conn);
// Relations in schema tap_user without bookkeeping (left behind e.g. by a killed process;
// tables of uploads in progress are invisible to other sessions and never listed).
std::vector<std::string> orphans(pg::Connection& conn);

// DROP TABLE of a relation no bookkeeping points to any more, outside a transaction, waiting
// at most `lock_wait` for queries still reading it; false (and left to the reaper) otherwise.
bool drop_relation(pg::Connection& conn, const std::string& relation,
                   std::chrono::milliseconds lock_wait = std::chrono::milliseconds(2000));

// Drops a user table: its bookkeeping (under the owner's lock, in a transaction of its own),
// then the relation (see drop_relation).  False if it was gone already.
bool drop_user_table(pg::Connection& conn, const std::string& sql_name);
// Drops every table of `user` and its quota override (the account is being deleted); 0 when
// persistent uploads are not enabled.
size_t drop_tables_of(pg::Connection& conn, const std::string& user);

// Disk use of a relation with TOAST and indexes.
int64_t relation_size(pg::Connection& conn, const std::string& relation);

// "1.50 GiB", "320 KiB", "17 bytes" (binary units, as sizes in the configuration).
std::string format_bytes(int64_t bytes);

} // namespace meles::services::user_tables
