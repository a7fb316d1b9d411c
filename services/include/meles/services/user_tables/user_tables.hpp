// meles/services/user_tables/user_tables.hpp — persistent TAP uploads (//tap_user): the HTTP
// resource /tap/user_tables (PUT/GET/DELETE of tables, destruction, UWS index jobs), the
// per-request ADQL catalog of a caller's tables, CREATE TABLE ... AS, quotas, and the reaper
// that drops expired tables.  How users see it: docs/user-tables.md.
//
// The TAP service plugs this in with two calls: catalog(user) gives the tables a query by
// `user` may name (compose it with the public catalog through adql::CompositeCatalog), and
// create_table_as() runs a translated CREATE TABLE tap_user.NAME AS ... .
// Thread-safety: all public members may be called from any thread.
#pragma once

#include "meles/core/adql/catalog.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/config/config.hpp"
#include "meles/core/net/http.hpp"
#include "meles/core/pg/pool.hpp"
#include "meles/services/user_tables/user_table_store.hpp"
#include "meles/services/uws/job_manager.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace meles::services::user_tables {

struct Settings {
	std::string read_role = "meles_ro";               // [db] readRole: gets SELECT on every user table
	std::string server_url = "http://localhost:8080"; // for URLs in responses
	std::chrono::seconds lifetime{7 * 86400};         // [ivoa] userTableDays
	std::chrono::seconds max_lifetime{30 * 86400};    // [ivoa] userTableMaxDays (from now)
	Limits user_limits{10'000'000'000, 100};          // [ivoa] userTableMaxBytes/-Count
	Limits anonymous_limits{1'000'000'000, 100};      // [ivoa] anonymousTableMaxBytes/-Count
	IndexKind spatial_index = IndexKind::Q3c;         // [ivoa] userTableSpatialIndex
	std::size_t upload_connections = 4;               // [db] uploadPoolSize
	std::chrono::milliseconds upload_wait{3000};      // for one of them, before answering 503
	std::uint64_t max_upload_bytes = 2ull << 30;      // [upload] maxUserTableUploadSize

	static Settings from_config(const Config& config);
};

// The quota that applies to `owner` (configuration, then `meles adm quota` overrides).
Limits limits_for(pg::Connection& conn, const Settings& settings, const Owner& owner);

// The catalog entry a user table gets: schema tap_user, its ADQL name, the random SQL
// relation, columns and spatial index facts.
adql::TableEntry table_entry(const UserTable& table);

// What CREATE TABLE ... AS made.
struct CreatedTable {
	std::string adql_name;           // tap_user.NAME
	std::vector<ColumnMeta> columns; // of the new table (as the translation declared them)
	int64_t rows = 0;
	bool replaced = false; // an earlier table of that name was dropped
};

class UserTables {
public:
	// `admin` opens the dedicated connections long operations (uploads, CREATE TABLE AS,
	// indexing) need; `admin_pool` serves short bookkeeping.  `jobs` runs index jobs.
	UserTables(Settings settings, pg::ConnectParams admin, pg::Pool& admin_pool, uws::JobManager& jobs);
	~UserTables();
	UserTables(const UserTables&) = delete;
	UserTables& operator=(const UserTables&) = delete;

	static constexpr const char* kIndexJobKind = "user_table_index";

	// Registers the index job kind (call before jobs.start()) and starts the reaper thread.
	void start();
	void stop();

	// HTTP for /tap/user_tables and everything below it.  Errors are thrown as meles::Error
	// (the router turns them into DALI documents).
	void handle(net::Request& request, net::Response& response);

	// Creates or replaces table `name` of `owner` from a VOTable whose bytes `read` delivers
	// (up to n bytes into buf; 0 at the end) — the body of a PUT.  Memory stays constant.
	// A database connection (from a pool of Settings::upload_connections) is taken only when
	// the VOTable's data begins, so slow or idle senders hold none; when all are in use for
	// longer than Settings::upload_wait the upload fails with Error(Unavailable).  More than
	// Settings::max_upload_bytes is Error(Limit).
	struct Uploaded {
		UserTable table;
		bool replaced = false;
	};
	struct UploadControl {
		// Registers a callback the transport runs (on any thread) when the client goes away, and
		// unregisters it when called with {} (net::Response::on_client_gone): the upload then
		// stops reading and cancels its statement.
		std::function<void(std::function<void()>)> on_client_gone;
	};
	Uploaded upload(const Owner& owner, std::string_view name,
	                const std::function<size_t(char* buf, size_t n)>& read,
	                const UploadControl& control = {});

	// ---- hooks for the TAP service
	// Whether //tap_user is imported (one query).
	bool enabled();
	// The user tables a query by `user` may name: the user's own first, then anonymous ones
	// (an own table shadows an anonymous one of the same name); empty when the feature is off.
	// One bookkeeping query per call; column metadata is cached between calls.
	std::unique_ptr<adql::Catalog> catalog(const Owner& user);
	// Runs a translated CREATE TABLE tap_user.NAME AS <query> for `user`: the query is read
	// with COPY ... TO STDOUT on `query_conn` (a read-role connection, so the SELECT can read
	// nothing that role cannot, and TAP_UPLOAD tables of that connection work) and written
	// into a fresh table, which replaces an existing one of that name only when complete.
	// Quotas are checked while the rows stream.  Throws meles::Error (Validation for a bad
	// target, Limit for quotas, the query's own errors).
	CreatedTable create_table_as(const adql::Translation& translation, pg::Connection& query_conn,
	                             const Owner& user);

	// ---- maintenance
	// Drops expired tables and orphaned relations now; returns how many tables were dropped.
	size_t reap();
	// Drops every table of `user` (meles adm deluser); returns the number dropped.
	size_t drop_all_of(const std::string& user);
	// Wakes the reaper (a destruction time moved earlier).
	void poke_reaper();

	const Settings& settings() const { return settings_; }

private:
	struct CatalogCache;
	class IndexJob;
	friend class IndexJob;

	void put(net::Request& request, net::Response& response, const std::string& name);
	void get_table(net::Request& request, net::Response& response, const std::string& name);
	void delete_table(net::Request& request, net::Response& response, const std::string& name);
	void destruction(net::Request& request, net::Response& response, const std::string& name);
	void index(net::Request& request, net::Response& response, const std::string& name,
	           std::string_view rest);
	void tableset(net::Request& request, net::Response& response);
	std::string table_url(const std::string& name) const;
	[[noreturn]] void too_large() const;
	// Drops one table and its bookkeeping in one transaction; false if it was gone already.
	bool drop_table(pg::Connection& conn, const std::string& sql_name);
	void reaper_loop();

	Settings settings_;
	pg::ConnectParams admin_;
	pg::Pool& pool_;
	pg::Pool upload_pool_; // for PUTs, which may hold a connection as long as their client sends
	uws::JobManager& jobs_;
	std::unique_ptr<IndexJob> index_job_;
	std::unique_ptr<CatalogCache> cache_;

	std::mutex reaper_mutex_;
	std::condition_variable reaper_cv_;
	bool stopping_ = false, poked_ = false;
	std::thread reaper_;
};

} // namespace meles::services::user_tables
