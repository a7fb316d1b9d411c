#include "meles/services/tap/tap_query.hpp"

#include "meles/core/adql/translator.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/net/fetch.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/query/query_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>

namespace fs = std::filesystem;

namespace meles::services::tap {

namespace {

std::optional<std::string> param(const std::vector<std::pair<std::string, std::string>>& ps,
                                 std::string_view name) {
	std::optional<std::string> out;
	for (auto& [k, v] : ps)
		if (iequals(k, name)) out = v;
	return out;
}

// Reads an uploaded VOTable (streaming) into a temporary table; returns its catalog entry.
class UploadLoader : public votable::VOTableConsumer {
public:
	UploadLoader(pg::Connection& conn, std::string name) : conn_(conn), name_(std::move(name)) {
		sql_name_ = concat("pg_temp.", pg::quote_ident("tap_upload_" + to_lower(name_)));
	}

	void on_schema(const votable::TableSchema& schema) override {
		conv_.emplace(schema);
		std::string ddl = concat("CREATE TEMP TABLE ", sql_name_, " (");
		for (size_t i = 0; i < conv_->columns().size(); ++i) {
			auto& c = conv_->columns()[i];
			if (i) ddl += ", ";
			ddl += pg::quote_ident(c.delimited ? c.name : to_lower(c.name));
			ddl += " " + c.type.pg_ddl();
		}
		ddl += ") ON COMMIT DROP";
		conn_.exec(ddl);
		copy_.emplace(conn_.copy_in(concat("COPY ", sql_name_, " FROM STDIN")));
	}
	void on_rows(const votable::RowBatch& batch) override {
		buf_.clear();
		conv_->append(batch, buf_);
		copy_->write(buf_);
	}

	adql::TableEntry finish() {
		if (!copy_) throw Error(ErrorKind::Validation, "the document contains no table");
		copy_->finish();
		copy_.reset();
		conn_.exec(concat("ANALYZE ", sql_name_));
		adql::TableEntry e;
		e.schema = "TAP_UPLOAD";
		e.name = name_;
		e.sql_name = sql_name_;
		e.description = "Table uploaded with this query";
		e.columns = conv_->columns();
		return e;
	}

private:
	pg::Connection& conn_;
	std::string name_, sql_name_;
	std::optional<votable::CopyTextConverter> conv_;
	std::optional<pg::CopyIn> copy_;
	std::string buf_;
};

// Whether an error while reading an upload is the upload's fault (told as "upload NAME: ...",
// 400 or 413) rather than the database's or the server's, which keep their kind (and, for a
// lost database connection, the wording that hides libpq's details).
bool is_upload_fault(const Error& e) {
	// An error whose message is for the log only (PostgreSQL's text) must not be reworded into
	// one a client reads.
	return e.kind() != ErrorKind::Database && e.kind() != ErrorKind::Unavailable &&
	       e.kind() != ErrorKind::Timeout && e.kind() != ErrorKind::Internal && e.client_text().empty();
}

// Writes fetched bytes to a file descriptor, counting them against the request's limit.
class FdSink : public ByteSink {
public:
	FdSink(int fd, uint64_t& left) : fd_(fd), left_(left) {}
	void write(std::string_view data) override {
		if (data.size() > left_)
			throw Error(ErrorKind::Limit, "the URL uploads exceed the upload size limit");
		left_ -= data.size();
		while (!data.empty()) {
			ssize_t n = ::write(fd_, data.data(), data.size());
			if (n < 0 && errno == EINTR) continue;
			if (n <= 0) throw Error(ErrorKind::Io, "cannot spool a URL upload (disk full?)");
			data.remove_prefix(static_cast<size_t>(n));
		}
	}

private:
	int fd_;
	uint64_t& left_;
};

// An anonymous file in `dir`: nothing is left behind however the process ends.
int anonymous_file(const fs::path& dir) {
	int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0) return fd;
	std::string tmpl = (dir / "meles-fetch-XXXXXX").string();
	fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
	if (fd < 0) throw Error(ErrorKind::Io, "cannot create a file for a URL upload in the scratch directory");
	::unlink(tmpl.c_str());
	return fd;
}

} // namespace

FetchedUploads::~FetchedUploads() {
	for (auto& [uri, fd] : files_)
		::close(fd);
}

std::optional<fs::path> FetchedUploads::find(const std::string& uri) const {
	for (auto& [u, fd] : files_)
		if (u == uri) return fs::path("/proc/self/fd") / std::to_string(fd);
	return std::nullopt;
}

Error url_upload_error(const std::string& table, const std::string& uri) {
	return Error(
	    ErrorKind::Validation,
	    concat("upload ", table, ": ", excerpt(uri, 200),
	           " could not be used: it could not be fetched, or what it returned is not a VOTable this "
	           "service can read (the service does not say which, so as not to tell what it can reach)"));
}

FetchedUploads fetch_uploads(const TapRequest& request, const FetchSettings& settings) {
	FetchedUploads out;
	uint64_t left = settings.max_bytes;
	for (auto& u : request.uploads) {
		if (starts_with_ci(u.uri, "param:") || out.find(u.uri)) continue;
		int fd = anonymous_file(settings.spool_dir);
		out.add(u.uri, fd);
		FdSink sink(fd, left);
		try {
			net::fetch(u.uri, left, sink, settings.timeout, settings.policy);
		} catch (const Error& e) {
			log::info(concat("upload ", u.table, " from ", u.uri, " refused or failed: ", e.what()));
			throw url_upload_error(u.table, u.uri);
		}
	}
	return out;
}

TapRequest parse_tap_request(const std::vector<std::pair<std::string, std::string>>& ps,
                             const Config& config) {
	TapRequest r;
	if (auto req = param(ps, "REQUEST"); req && !iequals(*req, "doQuery"))
		throw Error(ErrorKind::Validation, concat("REQUEST must be doQuery, not '", *req, "'"));
	auto lang = param(ps, "LANG");
	if (!lang) throw Error(ErrorKind::Validation, "missing parameter LANG (use LANG=ADQL)");
	std::string l = to_upper(*lang);
	if (l != "ADQL" && l != "ADQL-2.0" && l != "ADQL-2.1")
		throw Error(ErrorKind::Validation, concat("unsupported LANG '", *lang,
		                                          "' (this service speaks ADQL, ADQL-2.0 and ADQL-2.1)"));
	r.lang = *lang;
	auto q = param(ps, "QUERY");
	if (!q || trim(*q).empty())
		throw Error(ErrorKind::Validation, "missing parameter QUERY (the ADQL query to run)");
	r.query = *q;
	Params p;
	for (auto& [k, v] : ps)
		p.add(k, v);
	r.maxrec =
	    parse_maxrec(p, config.get_int("async", "defaultMAXREC"), config.get_int("async", "hardMAXREC"));
	std::string rf = param(ps, "RESPONSEFORMAT").value_or(param(ps, "FORMAT").value_or(""));
	r.format = &formats::output_format_info(formats::OutputFormat::VOTableBinary2);
	if (!trim(rf).empty()) {
		auto parsed = formats::parse_response_format(rf);
		r.format = parsed.format;
		if (!parsed.votable_version.empty()) r.votable_version = parsed.votable_version;
	}
	r.uploads = parse_uploads(p);
	return r;
}

RunResult run_tap_query(const TapRequest& req, const CatalogSnapshot& snapshot, pg::Connection& conn,
                        ByteSink& sink, const RunOptions& opts) {
	RunResult result;
	bool transaction = !req.uploads.empty() || opts.time_limit.has_value();
	query::StatementCanceller canceller(conn, opts.set_canceller);
	// A cancel that arrives while no statement runs is lost; so look before each step.
	auto check_stopped = [&] {
		if (opts.stopped && opts.stopped()) throw Error(ErrorKind::Io, "the query was stopped");
	};
	check_stopped();
	if (transaction) {
		conn.begin();
		// The server also checks every 2 s that the daemon is still there: one killed with -9
		// must not leave its queries running until their time limit.
		std::string settings = "SET LOCAL client_connection_check_interval = 2000";
		if (opts.time_limit)
			settings += concat("; SET LOCAL statement_timeout = ",
			                   std::to_string(std::max<int64_t>(1, opts.time_limit->count())));
		conn.exec(settings);
	}
	try {
		// uploads
		adql::SimpleCatalog uploads;
		for (auto& u : req.uploads) {
			UploadLoader loader(conn, u.table);
			votable::ReaderOptions ro;
			votable::VOTableReader reader(loader, ro);
			bool by_url = !starts_with_ci(u.uri, "param:");
			std::optional<fs::path> file;
			if (by_url) {
				file = opts.fetched ? opts.fetched->find(u.uri) : std::nullopt;
				if (!file)
					throw Error(ErrorKind::Internal,
					            concat("upload ", u.uri, " was not fetched before the query"));
			} else {
				std::string part = u.uri.substr(6);
				file = opts.uploads ? opts.uploads(part) : std::nullopt;
				if (!file)
					throw Error(ErrorKind::Validation,
					            concat("UPLOAD ", u.table, " refers to param:", part,
					                   ", but the request has no file part of that name"));
			}
			std::ifstream in(*file, std::ios::binary);
			std::vector<char> buf(256 * 1024);
			try {
				while (in) {
					check_stopped();
					in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
					if (in.gcount() > 0) reader.feed({buf.data(), static_cast<size_t>(in.gcount())});
				}
				reader.finish();
				uploads.add(loader.finish());
			} catch (const Error& e) {
				if (!is_upload_fault(e) || (opts.stopped && opts.stopped())) throw;
				if (by_url) {
					log::info(concat("upload ", u.table, " from ", u.uri, " unreadable: ", e.what()));
					throw url_upload_error(u.table, u.uri);
				}
				throw Error(e.kind() == ErrorKind::Limit ? ErrorKind::Limit : ErrorKind::Validation,
				            concat("upload ", u.table, ": ", e.message()));
			}
		}
		// The extra catalog (persistent user tables) costs a database round trip; its tables are
		// only ever named with their schema, so a query that never mentions it does without
		// (unless a name is unknown: then the user tables may tell what was meant).
		std::unique_ptr<adql::Catalog> extra;
		std::vector<const adql::Catalog*> parts{&snapshot.catalog, &uploads};
		auto add_extra = [&] {
			extra = opts.extra_catalog(req.user);
			if (extra) parts.push_back(extra.get());
		};
		if (opts.extra_catalog && to_lower(req.query).find(opts.extra_schema) != std::string::npos)
			add_extra();
		adql::TranslateOptions to;
		to.maxrec = req.maxrec;
		to.allow_create_table = static_cast<bool>(opts.create_table);
		std::optional<adql::Translation> first;
		try {
			first = adql::translate(req.query, adql::CompositeCatalog(parts), to);
		} catch (const Error& e) {
			if (e.kind() != ErrorKind::Name || extra || !opts.extra_catalog) throw;
			add_extra();
			if (!extra) throw;
		}
		adql::CompositeCatalog catalog(parts);
		adql::Translation t = first ? std::move(*first) : adql::translate(req.query, catalog, to);
		if (t.kind != adql::StatementKind::Select) {
			if (!opts.create_table)
				throw Error(ErrorKind::Validation,
				            "CREATE TABLE needs persistent uploads, which are not enabled on this service");
			// The new table gets every row (quotas bound it, not MAXREC); the answer is a table
			// with its columns and no rows.
			to.maxrec.reset();
			t = adql::translate(req.query, catalog, to);
			if (opts.before_query) opts.before_query(conn, t.sql);
			auto writer = query::make_writer({req.format, req.votable_version, opts.spool_dir}, sink);
			formats::TableHeader header;
			header.columns = opts.create_table(t, conn, req.user);
			header.table_name = t.target_name;
			header.infos.push_back({"query", req.query, ""});
			header.infos.push_back({"request", "doQuery", ""});
			if (opts.on_output) opts.on_output();
			result.started_output = true;
			writer->begin(header);
			writer->finish(formats::EndStatus::Ok);
			if (transaction) conn.commit();
			return result;
		}
		// q3c's estimates for crossmatches are huge, which also switches on JIT compilation
		// with inlining: tens of milliseconds for a join that takes a few.
		if (t.uses_q3c && !req.uploads.empty() && transaction)
			conn.exec("SET LOCAL enable_seqscan = off; SET LOCAL jit = off");
		if (opts.before_query) opts.before_query(conn, t.sql);
		check_stopped();

		query::TableQuery tq;
		tq.sql = t.sql;
		tq.header.columns = t.columns;
		tq.header.table_name = "result";
		tq.header.infos.push_back({"query", req.query, ""});
		tq.header.infos.push_back({"request", "doQuery", ""});
		// MAXREC=0 asks for the metadata only: the query still runs (errors surface), no rows go.
		tq.max_rows = static_cast<uint64_t>(req.maxrec);
		tq.overflow_possible = req.maxrec == 0 || t.may_overflow;
		query::OutputSpec spec{req.format, req.votable_version, opts.spool_dir};
		auto r = query::run_table_query(conn, tq, spec, sink, opts.on_output);
		result.rows = r.rows;
		result.overflow = r.overflow;
		result.started_output = r.started_output;
		if (transaction) conn.commit();
	} catch (...) {
		if (transaction) conn.rollback();
		throw;
	}
	return result;
}

} // namespace meles::services::tap
