// CREATE TABLE tap_user.NAME AS <query>: the rows come from the caller's read-role connection
// through COPY ... TO STDOUT and go into a fresh table through COPY ... FROM STDIN on an admin
// connection.  The SELECT thus runs with exactly the read role's privileges (and sees the
// TAP_UPLOAD tables of that connection), while only the admin role can create tables; the
// bytes pass through unparsed, and quotas are checked while they do.
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/services/user_tables/user_tables.hpp"
#include "user_tables/table_builder.hpp"

namespace meles::services::user_tables {

namespace {
constexpr size_t kCopyChunk = 1 << 20;
}

CreatedTable UserTables::create_table_as(const adql::Translation& t, pg::Connection& query_conn,
                                         const Owner& user) {
	if (t.kind != adql::StatementKind::CreateTableAs)
		throw Error(ErrorKind::Internal,
		            "create_table_as called for a query that is not CREATE TABLE ... AS");
	bool schema_ok =
	    t.target_schema_delimited ? t.target_schema == "tap_user" : iequals(t.target_schema, "tap_user");
	if (!schema_ok)
		throw Error(
		    ErrorKind::Validation,
		    concat("CREATE TABLE can only create tables in schema tap_user; write CREATE TABLE tap_user.",
		           t.target_name.empty() ? std::string("NAME") : t.target_name, " AS SELECT ..."));
	if (t.target_name_delimited)
		throw Error(
		    ErrorKind::Validation,
		    concat("'", t.target_name,
		           "' cannot be used as an upload table name (which must be regular ADQL identifiers, in "
		           "particular not ADQL reserved words)."));
	std::string name = check_table_name(t.target_name);
	Limits limits;
	{
		auto c = pool_.acquire();
		require_enabled(*c);
		limits = limits_for(*c, settings_, user);
	}
	pg::Connection conn(admin_);
	TableBuilder builder(conn, settings_, user, name, limits);
	builder.check_quota_before();
	builder.create(t.columns);
	{
		pg::CopyOut out(query_conn, concat("COPY (", t.sql, ") TO STDOUT"));
		std::string buf;
		buf.reserve(kCopyChunk + 65536);
		uint64_t rows = 0;
		while (auto msg = out.next()) {
			buf.append(*msg); // one message per row, with its newline
			++rows;
			if (buf.size() >= kCopyChunk) {
				builder.write(std::move(buf), rows);
				buf = std::string();
				buf.reserve(kCopyChunk + 65536);
				rows = 0;
			}
		}
		builder.write(std::move(buf), rows);
	}
	std::string description = concat("Created by CREATE TABLE AS");
	// The query may have read the table it replaces, and the caller's transaction may still
	// hold that lock: the reaper drops the old relation once it is free.
	UserTable made = builder.commit(description, "query", false);
	if (builder.replaced()) poke_reaper();
	log::info(concat("user table ", made.adql_name(), user ? " of " + *user : std::string(" (anonymous)"),
	                 " created by a query: ", std::to_string(made.nrows), " rows, ",
	                 format_bytes(made.size_bytes)));
	CreatedTable out;
	out.adql_name = made.adql_name();
	out.columns = made.columns;
	out.rows = made.nrows;
	out.replaced = builder.replaced();
	return out;
}

} // namespace meles::services::user_tables
