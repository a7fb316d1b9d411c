#include "meles/services/query/query_runner.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/dali/error_status.hpp"

#include <mutex>
#include <optional>

namespace meles::services::query {

std::unique_ptr<formats::TableWriter> make_writer(const OutputSpec& output, ByteSink& sink) {
	formats::WriterOptions wo;
	wo.spool_dir = output.spool_dir;
	wo.votable_version = output.votable_version;
	wo.coosys_refposition = output.coosys_refposition;
	const auto* fmt =
	    output.format ? output.format : &formats::output_format_info(formats::OutputFormat::VOTableBinary2);
	return formats::make_table_writer(fmt->format, sink, wo);
}

QueryOutcome run_table_query(pg::Connection& conn, const TableQuery& query, formats::TableWriter& writer,
                             const std::function<void()>& on_output) {
	QueryOutcome outcome;
	auto started = [&] {
		if (on_output) on_output();
		outcome.started_output = true;
		writer.begin(query.header);
	};
	try {
		auto r =
		    pg::stream_query(conn, query.sql, query.header.columns, writer, query.max_rows, 10000, started);
		outcome.rows = r.rows;
		outcome.overflow = r.overflow && query.overflow_possible;
	} catch (const Error& e) {
		if (outcome.started_output) writer.finish(formats::EndStatus::Error, public_message(e));
		throw;
	}
	writer.finish(outcome.overflow ? formats::EndStatus::Overflow : formats::EndStatus::Ok);
	return outcome;
}

QueryOutcome run_table_query(pg::Connection& conn, const TableQuery& query, const OutputSpec& output,
                             ByteSink& sink, const std::function<void()>& on_output) {
	auto writer = make_writer(output, sink);
	return run_table_query(conn, query, *writer, on_output);
}

struct StatementCanceller::Target {
	std::mutex mutex;
	pg::Connection* conn = nullptr;
};

StatementCanceller::StatementCanceller(pg::Connection& conn, Setter set_canceller)
    : target_(std::make_shared<Target>()), set_(std::move(set_canceller)) {
	target_->conn = &conn;
	if (set_)
		set_([target = target_] {
			std::lock_guard lock(target->mutex);
			if (target->conn) target->conn->cancel();
		});
}

StatementCanceller::~StatementCanceller() {
	{
		std::lock_guard lock(target_->mutex);
		target_->conn = nullptr;
	}
	if (set_) set_({});
}

bool tells_errors_in_band(formats::OutputFormat format) {
	return format != formats::OutputFormat::Csv && format != formats::OutputFormat::Tsv;
}

namespace {
// Thrown by the check of a connection lent for short queries only: the query is not short.
struct LongQuery {};
} // namespace

void serve_streaming(Context& ctx, net::Request& request, net::Response& response, bool in_band,
                     const std::function<void(pg::Connection& conn, ByteSink& out,
                                              const BeforeQuery& before_query)>& produce) {
	std::optional<pg::Pool::Lease> lease(ctx.acquire_read_maybe_short(request.remote));
	// The connection is given back before the last of the result goes to the client: what a
	// slow client has not taken yet waits in a file (bounded), not in the database.
	response.spool_when_slow(ctx.config.get_path("general", "tmpDir"),
	                         static_cast<uint64_t>(ctx.config.get_int("web", "slowClientSpool")));
	try {
		// One stream for every try: a response's stream() may be asked for only once.
		ByteSink& out = response.stream();
		for (;;) {
			BeforeQuery check = [](pg::Connection&, const std::string&) {};
			if (lease->reserved())
				check = [&ctx](pg::Connection& c, const std::string& sql) {
					if (!ctx.short_enough(c, sql)) throw LongQuery{};
				};
			try {
				StatementCanceller cancel(lease->get(), [&response](std::function<void()> c) {
					response.on_client_gone(std::move(c));
				});
				produce(lease->get(), out, check);
				break;
			} catch (const LongQuery&) {
			}
			lease.reset();
			lease.emplace(ctx.acquire_read(request.remote));
		}
	} catch (const Error& e) {
		lease.reset();
		if (!response.headers_sent()) throw;
		if (e.kind() != ErrorKind::Io && !response.client_gone())
			log::warn(concat(request.path, ": the query failed after output began: ", e.what()));
		if (!in_band) throw Error(ErrorKind::Io, concat("result cut after an error: ", e.message()));
		response.finish();
		return;
	}
	lease.reset();
	response.finish();
}

} // namespace meles::services::query
