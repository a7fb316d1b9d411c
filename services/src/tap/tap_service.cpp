#include "meles/services/tap/tap_service.hpp"

#include "meles/core/adql/features.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/query/query_runner.hpp"
#include "meles/services/tap/examples.hpp"
#include "meles/services/tap/vs_tables.hpp"
#include "meles/services/vosi/vosi.hpp"

#include <cstdio>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace meles::services::tap {

namespace {

// A ByteSink writing a job's result file.
class FileSink final : public ByteSink {
public:
	explicit FileSink(const fs::path& path) : f_(std::fopen(path.c_str(), "wb")), path_(path) {
		if (!f_) throw Error(ErrorKind::Io, concat("cannot write ", path.string()));
	}
	~FileSink() override {
		if (f_) std::fclose(f_);
	}
	void write(std::string_view data) override {
		if (std::fwrite(data.data(), 1, data.size(), f_) != data.size())
			throw Error(ErrorKind::Io, "cannot write the job result (disk full?)");
		bytes_ += data.size();
	}
	void close() {
		if (f_ && std::fclose(f_) != 0) {
			f_ = nullptr;
			throw Error(ErrorKind::Io, "cannot write the job result (disk full?)");
		}
		f_ = nullptr;
	}
	int64_t bytes() const { return static_cast<int64_t>(bytes_); }

private:
	FILE* f_;
	fs::path path_;
	uint64_t bytes_ = 0;
};

std::string esc(std::string_view s) {
	return xml_escape(s);
}

// [upload] urlNetworks, and this server's own addresses, which are never fetched.
net::FetchPolicy fetch_policy(const Config& c) {
	net::FetchPolicy p;
	std::string networks = c.get("upload", "urlNetworks");
	p.allow_loopback = networks == "loopback" || networks == "private";
	p.allow_private = networks == "private";
	p.own_ports.push_back(static_cast<uint16_t>(c.get_int("web", "serverPort")));
	p.own_url = c.server_url();
	return p;
}

} // namespace

// ------------------------------------------------------------------ the async job

class TapService::JobKind : public uws::JobKind {
public:
	explicit JobKind(TapService& s) : s_(s) {}
	void execute(uws::JobRun& run) override {
		auto& job = run.job();
		TapRequest req = parse_tap_request(job.parameters, s_.ctx_.config);
		req.user = job.owner;
		RunOptions o;
		auto time_left = [&run]() -> std::optional<std::chrono::milliseconds> {
			auto d = run.deadline();
			if (!d) return std::nullopt;
			auto left =
			    std::chrono::duration_cast<std::chrono::milliseconds>(*d - std::chrono::system_clock::now());
			return std::max(left, std::chrono::milliseconds(1));
		};
		o.set_canceller = [&run](std::function<void()> c) { run.set_canceller(std::move(c)); };
		o.stopped = [&run] { return run.abort_requested(); };
		fs::path dir = run.dir();
		o.uploads = [dir](const std::string& part) -> std::optional<fs::path> {
			fs::path p = dir / upload_file_name(part);
			if (fs::exists(p)) return p;
			return std::nullopt;
		};
		o.extra_catalog = s_.extra_;
		o.create_table = s_.create_table_;
		o.spool_dir = s_.ctx_.config.get_path("general", "tmpDir");
		o.max_upload_bytes = s_.max_upload_bytes_;
		// URL uploads first: no connection is held while they arrive.
		FetchSettings fetch;
		fetch.policy = s_.fetch_policy_;
		fetch.max_bytes = s_.max_upload_bytes_;
		fetch.spool_dir = o.spool_dir;
		if (auto left = time_left())
			fetch.timeout = std::chrono::duration_cast<std::chrono::seconds>(*left) + std::chrono::seconds(1);
		FetchedUploads fetched = fetch_uploads(req, fetch);
		o.fetched = &fetched;
		if (run.abort_requested()) throw Error(ErrorKind::Io, "the job was aborted");
		o.time_limit = time_left();
		std::string file = concat("result.", req.format->file_extension);
		FileSink sink(dir / file);
		auto snapshot = s_.catalog_.snapshot();
		auto lease = s_.ctx_.read_pool.acquire();
		try {
			run_tap_query(req, *snapshot, lease.get(), sink, o);
		} catch (const Error& e) {
			if (e.kind() == ErrorKind::Timeout && !run.abort_requested()) throw;
			throw;
		}
		sink.close();
		run.add_result({"result", std::string(req.format->mime), file, sink.bytes()});
	}

private:
	TapService& s_;
};

// ------------------------------------------------------------------ the service

TapService::TapService(Context& ctx, uws::JobManager& jobs)
    : ctx_(ctx), jobs_(jobs), catalog_(ctx.admin_pool), job_kind_(std::make_unique<JobKind>(*this)),
      max_upload_bytes_(static_cast<uint64_t>(ctx.config.get_int("upload", "maxUploadSize"))),
      fetch_policy_(fetch_policy(ctx.config)) {
	jobs_.register_kind("tap", job_kind_.get());
	ParamLimits limits;
	limits.max_files_bytes = max_upload_bytes_;
	limits.spool_dir = ctx_.config.get_path("general", "tmpDir");
	// Uploads spooled by a daemon that was killed (-9, OOM, power) would stay forever.
	if (size_t n = remove_stale_spool_files(limits.spool_dir))
		log::info(concat("removed ", std::to_string(n), " upload spool file(s) left by an earlier daemon"));
	// Problems with the parameters show up when the job runs (as ERROR with the message), not
	// at creation: UWS clients expect a job for every POST.
	async_ = std::make_unique<uws::UwsEndpoint>(jobs_, "tap", base_url() + "/async", limits);
}

TapService::~TapService() = default;

void TapService::install(Router& router) {
	uint64_t sync_upload = static_cast<uint64_t>(ctx_.config.get_int("upload", "maxSyncUploadSize"));
	// DaCHS's own URLs of its system TAP service (the `tap` renderer of //tap#run, and that
	// service's VOSI endpoints), found in old registry records and scripts.
	router.add_alias("/__system__/tap/run/tap", "/tap");
	router.add_alias("/__system__/tap/run", "/tap");
	router.add_exact("/tap", [this](net::Request&, net::Response& r) {
		std::string b = base_url();
		r.set_header("Content-Type", "text/html; charset=utf-8");
		r.send(
		    html_page("TAP service", concat("<h1>Table Access Protocol service</h1>\n<p>Point a TAP client "
		                                    "(TOPCAT, pyvo, astroquery) at <code>",
		                                    xml_escape(b), "</code>.</p>\n<ul><li><a href=\"", xml_escape(b),
		                                    "/capabilities\">capabilities</a></li><li><a href=\"",
		                                    xml_escape(b), "/tables\">tables</a></li><li><a href=\"",
		                                    xml_escape(b), "/examples\">examples</a></li><li><a href=\"",
		                                    xml_escape(b), "/availability\">availability</a></li></ul>\n")));
	});
	router.add_exact(
	    "/tap/sync", [this](net::Request& q, net::Response& r) { sync(q, r); }, ErrorStyle::Dali,
	    sync_upload + 16 * 1024 * 1024);
	router.add_prefix(
	    "/tap/async",
	    [this](net::Request& q, net::Response& r) {
		    std::string_view sub = std::string_view(q.path).substr(std::string_view("/tap/async").size());
		    if (!sub.empty() && sub[0] != '/')
			    throw Error(ErrorKind::NotFound, concat("Nothing here: ", q.path));
		    async_->handle(q, r, sub, q.user.empty() ? std::nullopt : std::optional<std::string>(q.user));
	    },
	    ErrorStyle::Dali, max_upload_bytes_ + 16 * 1024 * 1024);
	router.add_exact("/tap/availability", [this](net::Request&, net::Response& r) {
		r.set_header("Content-Type", "text/xml; charset=utf-8");
		r.send(vosi::availability_document(ctx_.started));
	});
	router.add_exact("/tap/capabilities", [this](net::Request&, net::Response& r) {
		r.set_header("Content-Type", "text/xml; charset=utf-8");
		r.send(capabilities_document());
	});
	router.add_prefix("/tap/tables", [this](net::Request& q, net::Response& r) {
		std::string rest = q.path.substr(std::string("/tap/tables").size());
		r.set_header("Content-Type", "text/xml; charset=utf-8");
		if (rest.empty() || rest == "/") {
			Params p = Params::from_urlencoded(q.query);
			bool min = p.get("detail") && iequals(*p.get("detail"), "min");
			r.send(tables_document(!min));
			return;
		}
		r.send(table_document(rest.substr(1)));
	});
	router.add_exact("/tap/examples", [this](net::Request&, net::Response& r) {
		r.set_header("Content-Type", "application/xhtml+xml; charset=utf-8");
		r.send(examples_document());
	});
}

void TapService::sync(net::Request& q, net::Response& r) {
	if (q.method != "GET" && q.method != "POST" && q.method != "HEAD") {
		r.set_status(405);
		r.set_header("Allow", "GET, POST");
		r.send("use GET or POST\n");
		return;
	}
	ParamLimits limits;
	limits.max_files_bytes = static_cast<uint64_t>(ctx_.config.get_int("upload", "maxSyncUploadSize"));
	limits.spool_dir = ctx_.config.get_path("general", "tmpDir");
	Params p = Params::from_request(q, limits);
	TapRequest req = parse_tap_request(p.all(), ctx_.config);
	if (!q.user.empty()) req.user = q.user;
	auto snapshot = catalog_.snapshot();
	RunOptions o;
	o.on_output = [&] { r.set_header("Content-Type", std::string(req.format->mime)); };
	o.stopped = [&r] { return r.client_gone(); };
	o.uploads = [&p](const std::string& part) -> std::optional<fs::path> {
		if (auto* f = p.file(part)) return f->path;
		return std::nullopt;
	};
	o.extra_catalog = extra_;
	o.create_table = create_table_;
	o.spool_dir = limits.spool_dir;
	o.max_upload_bytes = limits.max_files_bytes;
	// URL uploads are fetched before a connection is taken, within the synchronous time limit.
	FetchSettings fetch;
	fetch.policy = fetch_policy_;
	fetch.max_bytes = limits.max_files_bytes;
	fetch.spool_dir = limits.spool_dir;
	fetch.timeout = std::chrono::seconds(ctx_.config.get_int("async", "defaultExecTimeSync"));
	FetchedUploads fetched = fetch_uploads(req, fetch);
	o.fetched = &fetched;
	try {
		query::serve_streaming(
		    ctx_, q, r, query::tells_errors_in_band(req.format->format),
		    [&](pg::Connection& conn, ByteSink& out, const query::BeforeQuery& before_query) {
			    o.before_query = before_query;
			    try {
				    run_tap_query(req, *snapshot, conn, out, o);
			    } catch (const Error& e) {
				    // An unknown name may be brand new: the notification of an import that
				    // has just committed can still be on its way.  Ask the database once
				    // before saying so. (Names are bound before anything is written, so
				    // the stream is still empty.)
				    if (e.kind() != ErrorKind::Name || r.headers_sent()) throw;
				    auto fresh = catalog_.newer_than(*snapshot);
				    if (!fresh) throw;
				    snapshot = fresh;
				    run_tap_query(req, *snapshot, conn, out, o);
			    }
		    });
	} catch (const Error& e) {
		if (r.headers_sent() || e.kind() != ErrorKind::Timeout)
			throw; // the router answers with a DALI document
		throw Error(ErrorKind::Timeout,
		            concat("The query did not finish within the limit of ",
		                   std::to_string(ctx_.config.get_int("async", "defaultExecTimeSync")),
		                   " seconds for synchronous queries.  Submit it as an asynchronous job (",
		                   base_url(), "/async), which may run up to ",
		                   std::to_string(ctx_.config.get_int("async", "defaultExecTime")),
		                   " seconds, or make it cheaper (e.g. with a constraint on an indexed column)."));
	}
}

std::string tap_capability(const Config& config, const std::string& b) {
	// Anonymous use and HTTP Basic on the same URL; logging in reaches one's own user tables.
	// VOResource 1.1 allows one securityMethod per interface, so HTTP Basic is a second
	// interface; the standard one is anonymous (no securityMethod, as taplint prefers) and
	// the only one with role="std" (taplint warns about several).
	std::string tap =
	    concat("  <capability standardID=\"ivo://ivoa.net/std/TAP\" xsi:type=\"tr:TableAccess\">\n"
	           "    <interface xsi:type=\"vs:ParamHTTP\" role=\"std\" version=\"1.1\">\n"
	           "      <accessURL use=\"base\">",
	           esc(b),
	           "</accessURL>\n    </interface>\n"
	           "    <interface xsi:type=\"vs:ParamHTTP\" version=\"1.1\">\n"
	           "      <accessURL use=\"base\">",
	           esc(b),
	           "</accessURL>\n"
	           "      <securityMethod standardID=\"ivo://ivoa.net/sso#BasicAA\"/>\n    </interface>\n");
	tap += "    <language>\n      <name>ADQL</name>\n"
	       "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.0\">2.0</version>\n"
	       "      <version ivo-id=\"ivo://ivoa.net/std/ADQL#v2.1\">2.1</version>\n"
	       "      <description>The Astronomical Data Query Language, translated to PostgreSQL with pg_sphere "
	       "and q3c."
	       "</description>\n";
	std::string_view current;
	for (auto& f : adql::language_features()) {
		if (f.type != current) {
			if (!current.empty()) tap += "      </languageFeatures>\n";
			current = f.type;
			tap += concat("      <languageFeatures type=\"", esc(f.type), "\">\n");
		}
		tap += concat("        <feature>\n          <form>", esc(f.form), "</form>\n");
		if (!f.description.empty())
			tap += concat("          <description>", esc(f.description), "</description>\n");
		tap += "        </feature>\n";
	}
	if (!current.empty()) tap += "      </languageFeatures>\n";
	tap += "    </language>\n";
	for (auto& f : formats::output_formats()) {
		if (!f.advertise) continue;
		tap += f.ivo_id.empty() ? std::string("    <outputFormat>\n")
		                        : concat("    <outputFormat ivo-id=\"", esc(f.ivo_id), "\">\n");
		tap += concat("      <mime>", esc(f.mime), "</mime>\n");
		for (auto& a : f.aliases)
			tap += concat("      <alias>", esc(a), "</alias>\n");
		tap += "    </outputFormat>\n";
	}
	for (const char* m : {"inline", "http", "https"})
		tap += concat("    <uploadMethod ivo-id=\"ivo://ivoa.net/std/TAPRegExt#upload-", m, "\"/>\n");
	tap += concat("    <retentionPeriod>\n      <default>",
	              std::to_string(config.get_int("async", "defaultLifetime")),
	              "</default>\n    </retentionPeriod>\n");
	tap += concat("    <executionDuration>\n      <default>",
	              std::to_string(config.get_int("async", "defaultExecTime")), "</default>\n      <hard>",
	              std::to_string(config.get_int("async", "defaultExecTime")),
	              "</hard>\n    </executionDuration>\n");
	tap += concat("    <outputLimit>\n      <default unit=\"row\">",
	              std::to_string(config.get_int("async", "defaultMAXREC")),
	              "</default>\n      <hard unit=\"row\">",
	              std::to_string(config.get_int("async", "hardMAXREC")), "</hard>\n    </outputLimit>\n");
	tap += concat("    <uploadLimit>\n      <hard unit=\"byte\">",
	              std::to_string(config.get_int("upload", "maxUploadSize")), "</hard>\n    </uploadLimit>\n");
	tap += "  </capability>\n";
	// DALI examples are a plain web page, not a ParamHTTP interface.
	std::string examples = concat("  <capability standardID=\"ivo://ivoa.net/std/DALI#examples\">\n    "
	                              "<interface xsi:type=\"vr:WebBrowser\">\n"
	                              "      <accessURL use=\"full\">",
	                              esc(b + "/examples"), "</accessURL>\n    </interface>\n  </capability>\n");
	return tap + examples;
}

std::string TapService::capabilities_document() const {
	std::string b = base_url();
	return vosi::capabilities_document({tap_capability(ctx_.config, b)}, b, true);
}

std::string TapService::tables_document(bool with_columns) const {
	auto snap = const_cast<TapCatalog&>(catalog_).snapshot();
	std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	                  "<vtm:tableset xmlns:vtm=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
	                  "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
	                  "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n";
	for (auto& s : snap->schemas) {
		out += concat("  <schema>\n    <name>", esc(s.name), "</name>\n");
		if (!s.description.empty())
			out += concat("    <description>", esc(s.description), "</description>\n");
		for (auto* t : s.tables)
			out += vs_table(*t, with_columns, "    ");
		out += "  </schema>\n";
	}
	out += "</vtm:tableset>\n";
	return out;
}

std::string TapService::table_document(const std::string& qualified) const {
	auto snap = const_cast<TapCatalog&>(catalog_).snapshot();
	const TapTable* t = snap->find(to_lower(qualified));
	if (!t || !t->listed)
		throw Error(ErrorKind::NotFound, concat("no table '", qualified, "' here; /tap/tables lists them"));
	std::string body = vs_table(*t, true, "", "vtm:table");
	// the root element needs the namespace declarations, right after its name
	constexpr std::string_view root = "<vtm:table";
	body.insert(root.size(), " xmlns:vtm=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
	                         "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\" "
	                         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"");
	return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body;
}

// Backslashes make generated text (table descriptions) literal in reStructuredText.
static std::string rst_literal(std::string_view s) {
	std::string out;
	for (char c : s) {
		if (c == '\\' || c == '*' || c == '`') out += '\\';
		out += c;
	}
	return out;
}

std::string TapService::examples_document() const {
	auto snap = const_cast<TapCatalog&>(catalog_).snapshot();
	std::vector<Example> examples;
	// The operators' examples: `_example` metas of the RDs (and their published tables)
	// whose tables TAP lists, in the order of the tables.
	std::set<std::string> seen;
	for (auto& s : snap->schemas)
		for (auto* t : s.tables) {
			if (t->rd_id.empty() || !seen.insert(t->rd_id).second) continue;
			std::shared_ptr<const rd::Resource> res;
			try {
				res = ctx_.rds.get(t->rd_id);
			} catch (const Error& e) {
				log::warn(concat("/tap/examples: RD ", t->rd_id, " left out: ", e.what()));
				continue;
			}
			auto add = [&](const rd::MetaBag& bag) {
				for (auto* v : bag.all("_example")) {
					auto title = v->attributes.count("title") ? v->attributes.at("title") : std::string();
					if (title.empty()) title = v->children.text("title").value_or("");
					examples.push_back(
					    {title, v->content, concat(t->rd_id, ", line ", std::to_string(v->pos.line))});
				}
			};
			add(res->meta);
			for (auto& td : res->tables)
				add(td.meta);
		}
	if (examples.empty()) {
		// No RD has examples: generated ones still show a newcomer how to start.
		auto example = [&](std::string title, std::string text, std::string query) {
			std::string body = rst_literal(text) + "\n\n.. tapquery::\n\n";
			for (auto& line : split(query, '\n'))
				body += "  " + line + "\n";
			examples.push_back({std::move(title), std::move(body), "generated"});
		};
		for (auto& s : snap->schemas) {
			if (iequals(s.name, "tap_schema")) continue;
			for (auto* t : s.tables) {
				const auto& e = *t->entry;
				example(concat("The first rows of ", e.qualified_name()),
				        e.description.empty() ? "A few rows to see what is there." : e.description,
				        concat("SELECT TOP 10 * FROM ", e.qualified_name()));
				if (!e.q3c_indexes.empty())
					example(concat("A cone search on ", e.qualified_name()),
					        "Objects within half a degree of a position, using the positional index.",
					        concat("SELECT * FROM ", e.qualified_name(),
					               "\nWHERE 1 = CONTAINS(POINT('ICRS', ", e.q3c_indexes.front().ra, ", ",
					               e.q3c_indexes.front().dec, "), CIRCLE('ICRS', 10, 10, 0.5))"));
			}
		}
		example("Columns of all published tables", "What TAP_SCHEMA says about every column.",
		        "SELECT table_name, column_name, unit, ucd, description FROM TAP_SCHEMA.columns");
	}
	return examples_page(examples, base_url() + "/tables", "Examples for this TAP service");
}

} // namespace meles::services::tap
