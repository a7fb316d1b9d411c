#include "meles/services/tap/tap_service.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/router/router.hpp"
#include "meles/services/tap/examples.hpp"
#include "meles/services/tap/vosi.hpp"

#include <cstdio>

namespace fs = std::filesystem;

namespace meles::services::tap {

namespace {

// The HTTP side of a sync result: holds the document back until the first rows are ready
// (or 64 kB are written), so that any failure before then can still be answered with an
// error status and a DALI error document instead of a broken 200.
class HttpResultSink final : public ResultSink {
public:
	HttpResultSink(net::Response& res, std::string content_type)
	    : res_(res), content_type_(std::move(content_type)) {}

	void write(std::string_view data) override {
		if (out_) {
			out_->write(data);
			return;
		}
		buf_.append(data);
		if (buf_.size() >= kHoldBack) commit();
	}
	void flush() override {
		if (!rows_) return; // the header alone: hold it back (see rows_started)
		commit();
		out_->flush();
	}
	void rows_started() override { rows_ = true; }
	bool committed() const override { return out_ != nullptr; }
	void discard() { buf_.clear(); }
	// Sends what is held back as one response with Content-Length, or ends the stream.
	void finish() {
		if (out_) {
			res_.finish();
			return;
		}
		res_.set_header("Content-Type", content_type_);
		res_.send(std::move(buf_));
	}

private:
	static constexpr size_t kHoldBack = 64 * 1024;
	void commit() {
		if (out_) return;
		res_.set_header("Content-Type", content_type_);
		out_ = &res_.stream();
		if (!buf_.empty()) out_->write(buf_);
		std::string().swap(buf_);
	}
	net::Response& res_;
	std::string content_type_;
	std::string buf_;
	ByteSink* out_ = nullptr;
	bool rows_ = false;
};

// An async result file.  Stops writing once the job is aborted or out of time, whatever
// the output format; removes the file unless keep() was called.
class FileResultSink final : public ResultSink {
public:
	FileResultSink(fs::path path, const uws::JobRun& run) : path_(std::move(path)), run_(run) {
		f_ = std::fopen(path_.c_str(), "wb");
		if (!f_)
			throw Error(ErrorKind::Io, concat("cannot create the result file ", path_.filename().string()));
	}
	~FileResultSink() override {
		if (f_) std::fclose(f_);
		if (!kept_) {
			std::error_code ec;
			fs::remove(path_, ec);
		}
	}
	void write(std::string_view data) override {
		if (run_.abort_requested()) throw Error(ErrorKind::Io, "the job was stopped");
		if (std::fwrite(data.data(), 1, data.size(), f_) != data.size())
			throw Error(ErrorKind::Io, "cannot write the result file (disk full?)");
		size_ += data.size();
	}
	bool committed() const override { return false; }
	int64_t keep() {
		if (std::fclose(f_) != 0) {
			f_ = nullptr;
			throw Error(ErrorKind::Io, "cannot write the result file (disk full?)");
		}
		f_ = nullptr;
		kept_ = true;
		return static_cast<int64_t>(size_);
	}

private:
	fs::path path_;
	const uws::JobRun& run_;
	FILE* f_ = nullptr;
	uint64_t size_ = 0;
	bool kept_ = false;
};

rd::RdStoreOptions rd_options(const Config& config) {
	rd::RdStoreOptions o;
	o.inputs_dir = config.inputs_dir();
	o.default_meta_file = config.get_path("general", "defaultMetaFile");
	o.config = [&config](std::string_view section, std::string_view key) {
		return config.lookup(section, key);
	};
	return o;
}

TapSettings settings_from(const Config& c) {
	TapSettings s;
	s.default_maxrec = c.get_int("async", "defaultMAXREC");
	s.hard_maxrec = c.get_int("async", "hardMAXREC");
	s.default_maxrec = std::min(s.default_maxrec, s.hard_maxrec);
	s.votable_version = c.get("tap", "votableVersion");
	s.spool_dir = c.get_path("general", "tmpDir");
	return s;
}

} // namespace

// ---------------------------------------------------------------- async jobs

class TapService::JobKind final : public uws::JobKind {
public:
	explicit JobKind(TapService& s) : s_(s) {}

	void execute(uws::JobRun& run) override {
		const uws::Job& job = run.job();
		Params p;
		for (auto& [k, v] : job.parameters)
			p.add(k, v);
		TapRequest tr = parse_tap_request(p, s_.runner_.settings());
		UploadLimits ul{static_cast<uint64_t>(s_.max_upload_), static_cast<int>(s_.fetch_timeout_),
		                run.dir()};
		Uploads uploads = Uploads::resolve(
		    tr.uploads, [&](const std::string& part) { return run.dir() / uws::part_file_name(part); }, ul);
		std::string file = concat("result.", tr.format->file_extension);
		FileResultSink sink(run.dir() / file, run);
		QueryExecution ex;
		if (auto d = run.deadline()) {
			auto left =
			    std::chrono::duration_cast<std::chrono::milliseconds>(*d - std::chrono::system_clock::now());
			ex.timeout = std::max(left, std::chrono::milliseconds(1));
		}
		ex.set_canceller = [&run](std::function<void()> f) { run.set_canceller(std::move(f)); };
		ex.timeout_message =
		    concat("The job exceeded its execution duration of ", std::to_string(job.execution_duration),
		           " seconds and was stopped; make the query cheaper or ask for a longer "
		           "EXECUTIONDURATION (at most ",
		           std::to_string(s_.jobs_->default_execution_duration()), " seconds).");
		ex.pool_wait = std::chrono::minutes(10); // jobs queue anyway; waiting is better than failing
		s_.runner_.run(tr, uploads, ex, sink);
		int64_t size = sink.keep();
		run.add_result({"result", std::string(tr.format->mime), file, size});
	}

private:
	TapService& s_;
};

// ---------------------------------------------------------------- the service

TapService::TapService(Context& ctx, std::string prefix)
    : ctx_(ctx), prefix_(std::move(prefix)), base_url_(ctx.config.server_url() + prefix_),
      catalog_(ctx.admin_pool), runner_(catalog_, ctx.read_pool, settings_from(ctx.config)),
      rd_store_(rd_options(ctx.config)) {
	const Config& c = ctx.config;
	sync_timeout_ = c.get_int("async", "defaultExecTimeSync");
	max_upload_ = c.get_int("upload", "maxUploadSize");
	max_sync_upload_ = c.get_int("upload", "maxSyncUploadSize");
	fetch_timeout_ = c.get_int("upload", "fetchTimeout");
	spool_dir_ = c.get_path("general", "tmpDir");
	kind_ = std::make_unique<JobKind>(*this);
	jobs_ = std::make_unique<uws::JobManager>(c, ctx.admin_pool, c.state_dir() / "uws");
	jobs_->register_kind("tap", kind_.get());
	ParamLimits async_limits;
	async_limits.max_files_bytes = static_cast<uint64_t>(max_upload_);
	async_limits.spool_dir = spool_dir_;
	// Only what can never be fixed later is refused at creation: inline upload parts must come
	// with the creating request.  Everything else (LANG, QUERY, FORMAT, ...) may still be set
	// through /parameters and is checked when the job runs, failing the job (UWS semantics).
	uws_ = std::make_unique<uws::UwsEndpoint>(
	    *jobs_, "tap", base_url_ + "/async", async_limits, [](const Params& p) {
		    std::vector<UploadSpec> uploads;
		    try {
			    uploads = parse_uploads(p);
		    } catch (const Error&) {
			    return; // reported when the job runs
		    }
		    for (auto& u : uploads)
			    if (starts_with_ci(u.uri, "param:") && !p.file(u.uri.substr(6)))
				    throw Error(ErrorKind::Validation,
				                concat("UPLOAD ", u.table, " refers to ", u.uri,
				                       ", but the request has no file part named '", u.uri.substr(6), "'"));
	    });
	jobs_->start();
	try {
		catalog_.snapshot(); // fail early and visibly if the metadata cannot be read
	} catch (const Error& e) {
		log::warn(concat("TAP: cannot read the table metadata yet: ", e.message()));
	}
}

TapService::~TapService() {
	if (jobs_) jobs_->stop();
}

uint64_t TapService::body_limit() const {
	// Uploads plus generous room for the other fields.
	return static_cast<uint64_t>(std::max(max_upload_, max_sync_upload_)) + 16 * 1024 * 1024;
}

void TapService::send_xml(net::Response& res, std::string body, std::string_view content_type) {
	res.set_header("Content-Type", content_type);
	res.send(std::move(body));
}

bool TapService::has_examples() {
	auto snap = catalog_.snapshot();
	return !collect_examples(rd_store_, snap->rd_ids).empty();
}

void TapService::send_examples(net::Response& res) {
	auto snap = catalog_.snapshot();
	auto examples = collect_examples(rd_store_, snap->rd_ids);
	// TAP 1.1: without examples the endpoint must not exist.
	if (examples.empty())
		throw Error(ErrorKind::NotFound,
		            "this TAP service has no examples (no resource descriptor declares _example meta)");
	send_xml(res, examples_document(examples, base_url_), "application/xhtml+xml; charset=utf-8");
}

void TapService::vosi_tables(net::Request& req, net::Response& res, std::string_view rest) {
	auto snap = catalog_.snapshot();
	if (rest.empty()) {
		Params p = Params::from_urlencoded(req.query);
		auto detail = p.get("detail");
		bool min = detail && iequals(*detail, "min");
		if (detail && !min && !iequals(*detail, "max"))
			throw Error(ErrorKind::Validation, concat("detail must be min or max, not '", *detail, "'"));
		return send_xml(res, tableset_document(*snap, min));
	}
	const TapTable* t = snap->find_table(rest);
	if (!t)
		throw Error(ErrorKind::NotFound,
		            concat("no table '", std::string(rest), "' is published through TAP here"));
	send_xml(res, table_document(*t));
}

void TapService::handle(net::Request& req, net::Response& res) {
	std::string_view sub = std::string_view(req.path).substr(prefix_.size());
	bool get = req.method == "GET" || req.method == "HEAD";
	auto only_get = [&] {
		if (get) return true;
		res.set_status(405);
		res.set_header("Allow", "GET, HEAD");
		res.set_header("Content-Type", "text/plain; charset=utf-8");
		res.send(concat(req.method, " is not allowed here; use GET\n"));
		return false;
	};
	if (sub == "/sync") return sync(req, res);
	if (sub == "/async" || sub.starts_with("/async/")) {
		std::optional<std::string> owner;
		if (!req.user.empty()) owner = req.user;
		return uws_->handle(req, res, sub.substr(6), owner);
	}
	if (sub == "/availability") {
		if (!only_get()) return;
		bool ok = true;
		std::string note;
		try {
			auto lease = ctx_.read_pool.acquire(std::chrono::seconds(5));
			lease->exec("SELECT 1");
		} catch (const Error& e) {
			ok = false;
			note = concat("the database cannot be reached: ", e.message());
		}
		return send_xml(res, availability_document(ok, ctx_.started, note));
	}
	if (sub == "/capabilities") {
		if (!only_get()) return;
		CapabilityFacts f;
		f.base_url = base_url_;
		f.default_maxrec = runner_.settings().default_maxrec;
		f.hard_maxrec = runner_.settings().hard_maxrec;
		f.execution_duration = jobs_->default_execution_duration();
		f.retention = ctx_.config.get_int("async", "defaultLifetime");
		f.max_upload_bytes = max_upload_;
		f.examples = has_examples();
		return send_xml(res, capabilities_document(f));
	}
	if (sub == "/tables" || sub.starts_with("/tables/")) {
		if (!only_get()) return;
		std::string_view rest = sub.size() > 8 ? sub.substr(8) : std::string_view();
		return vosi_tables(req, res, rest);
	}
	if (sub == "/examples") {
		if (!only_get()) return;
		return send_examples(res);
	}
	if (sub.empty() || sub == "/") {
		if (!only_get()) return;
		std::string body = concat("<h1>Table Access Protocol (TAP) service</h1>\n<p>Base URL for TAP clients "
		                          "(TOPCAT, pyvo, astroquery): <code>",
		                          xml_escape(base_url_), "</code></p>\n<ul>\n");
		for (auto [path, what] : {std::pair{"/sync", "synchronous queries"},
		                          {"/async", "asynchronous jobs (UWS)"},
		                          {"/capabilities", "capabilities"},
		                          {"/availability", "availability"},
		                          {"/tables", "published tables"},
		                          {"/examples", "example queries"}})
			body += concat("<li><a href=\"", xml_escape(base_url_ + path), "\">", path, "</a>: ", what,
			               "</li>\n");
		body += "</ul>\n";
		res.set_header("Content-Type", "text/html; charset=utf-8");
		return res.send(html_page("TAP service", body));
	}
	throw Error(ErrorKind::NotFound,
	            concat("nothing at ", req.path, "; the TAP service offers ", prefix_, "/sync, ", prefix_,
	                   "/async, ", prefix_, "/capabilities, ", prefix_, "/tables"));
}

void TapService::sync(net::Request& req, net::Response& res) {
	if (req.method != "GET" && req.method != "POST") {
		res.set_status(405);
		res.set_header("Allow", "GET, POST");
		res.set_header("Content-Type", "text/plain; charset=utf-8");
		return res.send(concat(req.method, " is not allowed here; use GET or POST\n"));
	}
	std::string version = runner_.settings().votable_version;
	try {
		ParamLimits limits;
		limits.max_files_bytes = static_cast<uint64_t>(max_sync_upload_);
		limits.spool_dir = spool_dir_;
		Params p = Params::from_request(req, limits);
		TapRequest tr = parse_tap_request(p, runner_.settings());
		version = tr.votable_version;
		UploadLimits ul{static_cast<uint64_t>(max_sync_upload_), static_cast<int>(fetch_timeout_),
		                spool_dir_};
		Uploads uploads = Uploads::resolve(
		    tr.uploads,
		    [&](const std::string& part) {
			    auto* f = p.file(part);
			    return f ? f->path : fs::path();
		    },
		    ul);
		HttpResultSink sink(res, std::string(tr.format->mime));
		QueryExecution ex;
		ex.timeout = std::chrono::seconds(sync_timeout_);
		ex.timeout_message =
		    concat("The query did not finish within the limit of ", std::to_string(sync_timeout_),
		           " seconds for synchronous queries.  Submit it as an asynchronous job (", base_url_,
		           "/async), which may run up to ", std::to_string(jobs_->default_execution_duration()),
		           " seconds, or make it cheaper (e.g. with a constraint on an indexed column).");
		ex.set_canceller = [&res](std::function<void()> f) { res.on_client_gone(std::move(f)); };
		ex.pool_wait = std::chrono::seconds(std::min<int64_t>(sync_timeout_, 30));
		try {
			runner_.run(tr, uploads, ex, sink);
		} catch (...) {
			if (sink.committed()) throw;
			sink.discard();
			throw;
		}
		sink.finish();
	} catch (const ServerBusy& e) {
		if (res.headers_sent()) throw;
		res.set_status(503);
		res.set_header("Retry-After", "5");
		res.set_header("Content-Type", "application/x-votable+xml");
		res.send(dali_error_document(e, version));
	} catch (const Error& e) {
		if (res.headers_sent() || res.client_gone()) throw;
		if (e.kind() == ErrorKind::Internal) log::error(concat("TAP sync: ", e.what()));
		res.set_status(http_status(e.kind(), !req.user.empty()));
		res.set_header("Content-Type", "application/x-votable+xml");
		res.send(dali_error_document(e, version));
	}
}

} // namespace meles::services::tap
