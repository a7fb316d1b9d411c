#include "meles/services/tap/tap_query.hpp"

#include "meles/core/adql/translator.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/pg/copy_out.hpp"

#include <cstring>
#include <mutex>

namespace meles::services::tap {

namespace {

bool is_copy_header(std::string_view m) {
	return m.size() >= 11 && std::memcmp(m.data(), "PGCOPY\n\377\r\n\0", 11) == 0;
}

// Whether a CopyData message holds a tuple (not the binary header alone, not the trailer).
bool holds_tuple(std::string_view m) {
	if (is_copy_header(m)) {
		if (m.size() < 19) return false;
		uint32_t ext = (uint32_t(uint8_t(m[15])) << 24) | (uint32_t(uint8_t(m[16])) << 16) |
		               (uint32_t(uint8_t(m[17])) << 8) | uint32_t(uint8_t(m[18]));
		m.remove_prefix(std::min<size_t>(m.size(), 19 + ext));
	}
	if (m.size() < 2) return false;
	return !(uint8_t(m[0]) == 0xff && uint8_t(m[1]) == 0xff);
}

std::string ms_text(std::chrono::milliseconds ms) {
	return std::to_string(ms.count());
}

} // namespace

TapRequest parse_tap_request(const Params& p, const TapSettings& settings, bool require_query) {
	TapRequest r;
	if (auto req = p.get("REQUEST"); req && !iequals(trim(*req), "doQuery"))
		throw Error(
		    ErrorKind::Validation,
		    concat("REQUEST=", *req, " is not supported; use REQUEST=doQuery (or leave REQUEST out)"));
	r.lang = std::string(trim(p.get("LANG").value_or("ADQL")));
	if (!iequals(r.lang, "ADQL") && !iequals(r.lang, "ADQL-2.0") && !iequals(r.lang, "ADQL-2.1"))
		throw Error(ErrorKind::Validation,
		            concat("LANG=", r.lang,
		                   " is not supported; this service understands LANG=ADQL (ADQL 2.0 and 2.1)"));
	auto q = p.get("QUERY");
	if (q && !trim(*q).empty())
		r.query = *q;
	else if (require_query)
		throw Error(ErrorKind::Validation, "the QUERY parameter (an ADQL query) is missing");
	r.maxrec = parse_maxrec(p, settings.default_maxrec, settings.hard_maxrec);

	r.votable_version = settings.votable_version;
	std::string fmt;
	if (auto f = p.get("RESPONSEFORMAT"))
		fmt = *f;
	else if (auto f2 = p.get("FORMAT"))
		fmt = *f2;
	if (trim(fmt).empty()) {
		r.format = &formats::output_formats()[0];
	} else {
		// ";version=1.5" chooses the VOTable version; the rest names the format.
		std::vector<std::string> kept;
		for (auto& part : split(fmt, ';')) {
			auto t = trim(part);
			if (starts_with_ci(t, "version")) {
				auto eq = t.find('=');
				if (eq != std::string_view::npos && iequals(trim(t.substr(0, eq)), "version")) {
					std::string v(trim(t.substr(eq + 1)));
					if (v != "1.3" && v != "1.4" && v != "1.5")
						throw Error(ErrorKind::Validation,
						            concat("RESPONSEFORMAT asks for VOTable version ", v,
						                   "; this service writes 1.3, 1.4 and 1.5"));
					r.votable_version = v;
					continue;
				}
			}
			kept.push_back(std::string(t));
		}
		std::string name = join(kept, ";");
		r.format = formats::find_output_format(name);
		if (!r.format) {
			std::vector<std::string> known;
			for (auto& f : formats::output_formats())
				if (f.advertise)
					for (auto a : f.aliases)
						known.push_back(std::string(a));
			throw Error(ErrorKind::Validation,
			            concat("unknown RESPONSEFORMAT '", fmt, "'; use one of ", join(known, ", "),
			                   " or a MIME type listed in the capabilities"));
		}
	}
	r.uploads = parse_uploads(p);
	return r;
}

Error user_error(const Error& e, const std::string& timeout_message) {
	if (auto* db = dynamic_cast<const pg::DbError*>(&e)) {
		const std::string& st = db->sqlstate();
		if (st == "57014") {
			if (e.message().find("statement timeout") != std::string::npos)
				return Error(ErrorKind::Timeout, timeout_message);
			return Error(ErrorKind::Io, "the query was cancelled");
		}
		if (st.starts_with("22") || st.starts_with("42") || st.starts_with("2B") || st.starts_with("21"))
			return Error(ErrorKind::Validation, concat("the database refused the query: ", e.message()));
		if (st.starts_with("53") || st.starts_with("54"))
			return Error(ErrorKind::Limit,
			             concat("the query needs more resources than the server grants: ", e.message()));
		return Error(e.kind(), e.message());
	}
	return e;
}

QueryOutcome QueryRunner::run(const TapRequest& req, const Uploads& uploads, const QueryExecution& exec,
                              ResultSink& sink) {
	auto snap = catalog_.snapshot();
	adql::SimpleCatalog upload_catalog;
	adql::CompositeCatalog catalog({&snap->catalog, &upload_catalog});
	adql::TranslateOptions topts;
	topts.maxrec = req.maxrec;
	auto translate = [&] {
		try {
			return adql::translate(req.query, catalog, topts);
		} catch (const Error& e) {
			// message() already ends with the position; full_message() would repeat it in front.
			throw Error(e.kind(), e.message());
		}
	};

	std::optional<adql::Translation> t;
	if (uploads.empty()) t = translate(); // fail fast, before taking a connection

	auto lease = [&] {
		try {
			return pool_.acquire(exec.pool_wait);
		} catch (const pg::DbError&) {
			throw; // the database is unreachable: a server error
		} catch (const Error& e) {
			throw ServerBusy(concat("The service is too busy to run the query now (", e.message(),
			                        "); please try again later."));
		}
	}();
	pg::Connection& conn = *lease;
	// The canceller may fire on another thread at any time, even after it was replaced (the
	// transport copies callbacks before calling them): it must never reach the connection
	// once it is back in the pool, serving someone else.
	struct CancelTarget {
		std::mutex mutex;
		pg::Connection* conn = nullptr;
	};
	auto target = std::make_shared<CancelTarget>();
	target->conn = &conn;
	if (exec.set_canceller)
		exec.set_canceller([target] {
			std::lock_guard lock(target->mutex);
			if (target->conn) target->conn->cancel();
		});
	struct ClearCanceller {
		const QueryExecution& e;
		std::shared_ptr<CancelTarget> t;
		~ClearCanceller() {
			{
				std::lock_guard lock(t->mutex);
				t->conn = nullptr;
			}
			if (e.set_canceller) e.set_canceller({});
		}
	} clear{exec, target};

	// The server also checks every 2 s that we are still there: a daemon that dies (kill -9)
	// must not leave its queries running until their timeout.
	std::string settings_sql = "SET LOCAL client_connection_check_interval = 2000; ";
	if (exec.timeout.count() > 0)
		settings_sql += concat("SET LOCAL statement_timeout = ", ms_text(exec.timeout), "; ");
	bool in_transaction = false;
	try {
		if (!uploads.empty()) {
			conn.exec(concat("BEGIN; ", settings_sql));
			in_transaction = true;
			settings_sql.clear();
			uploads.load(conn, upload_catalog);
			t = translate();
		}
		// With q3c 2.0 the planner picks the index for cones and crossmatches by itself (checked
		// with EXPLAIN on 10^6 rows, uploads of 500 and 50,000 rows; docs/tap.md), so
		// enable_seqscan stays on.  But q3c's cost estimates are huge, which switches on JIT
		// compilation with inlining: tens of milliseconds for a query that takes four.
		if (t->uses_q3c) settings_sql += "SET LOCAL jit = off; ";
	} catch (const Error& e) {
		if (in_transaction) conn.rollback();
		throw user_error(e, exec.timeout_message);
	}

	const adql::Translation& tr = *t;
	uint64_t max_rows = tr.may_overflow ? static_cast<uint64_t>(req.maxrec) : UINT64_MAX;
	std::string copy_sql = concat(settings_sql, "COPY (", pg::binary_shaped_query(tr.sql, tr.columns),
	                              ") TO STDOUT (FORMAT binary)");

	formats::WriterOptions wopts;
	wopts.spool_dir = settings_.spool_dir;
	wopts.votable_version = req.votable_version;
	auto writer = formats::make_table_writer(req.format->format, sink, wopts);
	formats::TableHeader header;
	header.columns = tr.columns;
	header.table_name = "result";
	header.infos.push_back({"query", req.query, ""});
	header.infos.push_back({"sql_query", tr.sql, ""});

	QueryOutcome out;
	bool begun = false;
	try {
		pg::CopyOut copy(conn, copy_sql);
		pg::BinaryRowDecoder decoder(tr.columns);
		writer->begin(header);
		begun = true;
		while (auto msg = copy.next()) {
			if (out.rows >= max_rows) {
				// The translator asked for MAXREC+1 rows: one more means rows were cut.
				if (holds_tuple(*msg)) out.overflow = true;
				continue;
			}
			if (decoder.feed(*msg, *writer)) {
				++out.rows;
				if (out.rows == 1) sink.rows_started();
				if (out.rows == 1 || out.rows % 10000 == 0) writer->flush();
			}
		}
		writer->finish(out.overflow ? formats::EndStatus::Overflow : formats::EndStatus::Ok);
		writer->flush();
	} catch (const Error& raw) {
		Error e = user_error(raw, exec.timeout_message);
		if (in_transaction) conn.rollback();
		if (!sink.committed()) throw e;
		// Bytes are out: end the document with the error where the format allows it.
		auto f = req.format->format;
		bool in_band = f != formats::OutputFormat::Csv && f != formats::OutputFormat::Tsv &&
		               f != formats::OutputFormat::Fits;
		if (in_band && begun) {
			try {
				writer->finish(
				    formats::EndStatus::Error,
				    concat("Query failed after ", std::to_string(out.rows), " rows: ", e.message()));
				writer->flush();
				out.failed_in_band = true;
				return out;
			} catch (const Error&) {
				// the client is gone too: nothing more to say
			}
		}
		throw Error(ErrorKind::Io, concat("query failed after the response started: ", e.message()));
	}
	if (in_transaction) conn.rollback(); // read-only work; the temporary tables go with it
	return out;
}

} // namespace meles::services::tap
