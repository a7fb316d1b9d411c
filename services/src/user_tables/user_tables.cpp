#include "meles/services/user_tables/user_tables.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/uws/uws_endpoint.hpp"
#include "user_tables/index_job.hpp"
#include "user_tables/table_builder.hpp"
#include "user_tables/upload.hpp"
#include "user_tables/vosi_table.hpp"

#include <atomic>
#include <cmath>
#include <map>
#include <mutex>

namespace meles::services::user_tables {

namespace {

constexpr std::string_view kPrefix = "/tap/user_tables";

std::chrono::seconds days(double d) {
	return std::chrono::seconds(static_cast<int64_t>(std::llround(d * 86400)));
}

Owner owner_of(const net::Request& r) {
	if (r.user.empty()) return std::nullopt;
	return r.user;
}

void send_text(net::Response& r, int status, const std::string& text) {
	r.set_status(status);
	r.set_header("Content-Type", "text/plain; charset=utf-8");
	r.send(text);
}

void method_not_allowed(net::Response& r, const net::Request& q, const char* allow) {
	r.set_status(405);
	r.set_header("Allow", allow);
	r.set_header("Content-Type", "text/plain; charset=utf-8");
	r.send(concat(q.method, " is not allowed here; use ", allow, "\n"));
}

ParamLimits param_limits() {
	ParamLimits l;
	l.max_fields_bytes = 64 * 1024;
	return l;
}

// The catalog handed to the translator: immutable entries shared with the cache.
class UserCatalog final : public adql::Catalog {
public:
	void add(std::shared_ptr<const adql::TableEntry> e) { tables_.push_back(std::move(e)); }
	void find_tables(std::string_view lower_name, std::vector<const adql::TableEntry*>& out) const override {
		for (auto& t : tables_)
			if (t->name == lower_name) out.push_back(t.get()); // names are stored lower-cased
	}
	void all_tables(std::vector<const adql::TableEntry*>& out) const override {
		for (auto& t : tables_)
			out.push_back(t.get());
	}

private:
	std::vector<std::shared_ptr<const adql::TableEntry>> tables_;
};

bool is_votable_type(std::string_view content_type) {
	std::string t = to_lower(trim(content_type.substr(0, content_type.find(';'))));
	return t == "application/x-votable+xml" || t == "text/xml" || t == "application/xml";
}

} // namespace

// ------------------------------------------------------------------ settings, entries

Settings Settings::from_config(const Config& c) {
	Settings s;
	s.read_role = c.get("db", "readRole");
	s.server_url = c.server_url();
	double d = c.get_real("ivoa", "userTableDays"), m = c.get_real("ivoa", "userTableMaxDays");
	if (!(d > 0)) throw Error(ErrorKind::Validation, "[ivoa] userTableDays must be positive");
	if (!(m >= d))
		throw Error(ErrorKind::Validation, "[ivoa] userTableMaxDays must not be less than userTableDays");
	s.lifetime = days(d);
	s.max_lifetime = days(m);
	s.user_limits = {c.get_int("ivoa", "userTableMaxBytes"), c.get_int("ivoa", "userTableMaxCount")};
	s.anonymous_limits = {c.get_int("ivoa", "anonymousTableMaxBytes"),
	                      c.get_int("ivoa", "anonymousTableMaxCount")};
	s.spatial_index =
	    c.get("ivoa", "userTableSpatialIndex") == "pgsphere" ? IndexKind::Spoint : IndexKind::Q3c;
	s.upload_connections = static_cast<std::size_t>(c.get_int("db", "uploadPoolSize"));
	s.max_upload_bytes = static_cast<std::uint64_t>(c.get_int("upload", "maxUserTableUploadSize"));
	return s;
}

Limits limits_for(pg::Connection& conn, const Settings& s, const Owner& owner) {
	if (!owner) return s.anonymous_limits;
	Limits l = s.user_limits;
	if (auto q = quota_override(conn, *owner)) {
		if (q->bytes) l.bytes = *q->bytes;
		if (q->tables) l.tables = *q->tables;
	}
	return l;
}

adql::TableEntry table_entry(const UserTable& t) {
	adql::TableEntry e;
	e.schema = "tap_user";
	e.name = t.name;
	e.qualified_only = true;
	e.sql_name = t.relation(); // [a-z0-9_] only: no quoting needed
	e.description = t.description;
	e.columns = t.columns;
	for (auto& ix : t.indexes) {
		if (ix.kind != IndexKind::Q3c && ix.kind != IndexKind::Spoint) continue;
		if (ix.columns.size() != 2 || ix.columns[0] >= t.columns.size() || ix.columns[1] >= t.columns.size())
			continue;
		adql::PositionIndex p{t.columns[ix.columns[0]].name, t.columns[ix.columns[1]].name};
		if (ix.kind == IndexKind::Q3c) e.q3c_indexes.push_back(p);
		if (ix.kind == IndexKind::Spoint) e.spoint_indexes.push_back(p);
	}
	for (auto& ix : t.indexes)
		if (ix.kind == IndexKind::Gist && ix.columns.size() == 1 && ix.columns[0] < t.columns.size())
			e.gist_columns.push_back(t.columns[ix.columns[0]].name);
	return e;
}

// ------------------------------------------------------------------ the service

struct UserTables::CatalogCache {
	std::mutex mutex;
	// sql_name → (modification time it was built from, entry)
	std::map<std::string, std::pair<TimePoint, std::shared_ptr<const adql::TableEntry>>> entries;
};

UserTables::UserTables(Settings settings, pg::ConnectParams admin, pg::Pool& admin_pool,
                       uws::JobManager& jobs)
    : settings_(std::move(settings)), admin_(std::move(admin)), pool_(admin_pool),
      upload_pool_(admin_, settings_.upload_connections), jobs_(jobs),
      index_job_(std::make_unique<IndexJob>(*this)), cache_(std::make_unique<CatalogCache>()) {}

UserTables::~UserTables() {
	stop();
}

void UserTables::start() {
	jobs_.register_kind(kIndexJobKind, index_job_.get());
	std::lock_guard lock(reaper_mutex_);
	if (reaper_.joinable()) return;
	stopping_ = false;
	reaper_ = std::thread([this] { reaper_loop(); });
}

void UserTables::stop() {
	{
		std::lock_guard lock(reaper_mutex_);
		stopping_ = true;
	}
	reaper_cv_.notify_all();
	if (reaper_.joinable()) reaper_.join();
}

void UserTables::poke_reaper() {
	{
		std::lock_guard lock(reaper_mutex_);
		poked_ = true;
	}
	reaper_cv_.notify_all();
}

bool UserTables::enabled() {
	auto c = pool_.acquire();
	return user_tables::enabled(*c);
}

std::unique_ptr<adql::Catalog> UserTables::catalog(const Owner& user) {
	auto cat = std::make_unique<UserCatalog>();
	auto c = pool_.acquire();
	std::vector<UserTable> heads;
	try {
		heads = visible(*c, user, std::chrono::system_clock::now());
	} catch (const pg::DbError& e) {
		if (e.kind() == ErrorKind::Name) return cat; // //tap_user not imported: no user tables
		throw;
	}
	std::vector<UserTable*> missing;
	{
		std::lock_guard lock(cache_->mutex);
		for (auto& h : heads) {
			auto it = cache_->entries.find(h.sql_name);
			if (it == cache_->entries.end() || it->second.first != h.modified) missing.push_back(&h);
		}
	}
	load_columns(*c, missing);
	std::lock_guard lock(cache_->mutex);
	if (cache_->entries.size() > 4096) cache_->entries.clear();
	for (auto* h : missing)
		cache_->entries[h->sql_name] = {h->modified,
		                                std::make_shared<const adql::TableEntry>(table_entry(*h))};
	for (auto& h : heads)
		cat->add(cache_->entries[h.sql_name].second);
	return cat;
}

std::string UserTables::table_url(const std::string& name) const {
	return concat(settings_.server_url, kPrefix, "/", name);
}

void UserTables::handle(net::Request& request, net::Response& response) {
	std::string_view rest = std::string_view(request.path).substr(kPrefix.size());
	while (rest.ends_with('/'))
		rest.remove_suffix(1);
	if (rest.empty()) return tableset(request, response);
	rest.remove_prefix(1); // '/'
	auto slash = rest.find('/');
	std::string raw(rest.substr(0, slash));
	std::string_view child = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
	std::string name = check_table_name(raw);
	if (child.empty()) {
		const std::string& m = request.method;
		if (m == "PUT") return put(request, response, name);
		if (m == "GET" || m == "HEAD") return get_table(request, response, name);
		if (m == "DELETE") return delete_table(request, response, name);
		return method_not_allowed(response, request, "GET, PUT, DELETE");
	}
	if (child == "destruction") return destruction(request, response, name);
	if (child == "index" || child.starts_with("index/"))
		return index(request, response, name, child.substr(5));
	throw Error(ErrorKind::NotFound, concat("a user table has no '", child,
	                                        "' (there are /destruction and /index below ", raw, ")"));
}

// ------------------------------------------------------------------ PUT

void UserTables::put(net::Request& request, net::Response& response, const std::string& name) {
	// Whatever goes wrong before the body is read, the client is still sending it: close the
	// connection after the error rather than read gigabytes just to discard them.
	try {
		auto ct = request.header("Content-Type");
		if (!is_votable_type(ct))
			throw Error(ErrorKind::Validation,
			            concat("PUT a VOTable with Content-Type application/x-votable+xml (this request has ",
			                   ct.empty() ? std::string("none") : concat("'", excerpt(ct), "'"), ")"));
		auto ce = request.header("Content-Encoding");
		if (!ce.empty() && !iequals(trim(ce), "identity"))
			throw Error(ErrorKind::Validation, concat("Content-Encoding '", excerpt(ce),
			                                          "' is not supported; send the VOTable as it is"));
		if (request.content_length && *request.content_length > settings_.max_upload_bytes) too_large();
		UploadControl control;
		control.on_client_gone = [&response](std::function<void()> cb) {
			response.on_client_gone(std::move(cb));
		};
		auto up = upload(
		    owner_of(request), name, [&](char* buf, size_t n) { return request.read_body_some(buf, n); },
		    control);
		const UserTable& t = up.table;
		response.set_header("Location", table_url(name));
		send_text(response, up.replaced ? 200 : 201, concat("Query this table as ", t.adql_name(), "\n"));
	} catch (...) {
		if (!request.body_consumed()) response.close_after();
		throw;
	}
}

void UserTables::too_large() const {
	throw Error(ErrorKind::Limit, concat("the upload is larger than the limit for user table uploads here, ",
	                                     format_bytes(static_cast<int64_t>(settings_.max_upload_bytes)), " (",
	                                     std::to_string(settings_.max_upload_bytes), " bytes)"));
}

namespace {

// What the client-gone callback reaches, from the transport's watcher thread: a flag the
// upload polls, and the upload's connection (while it has one) to cancel its statement.
struct UploadStop {
	std::mutex mutex;
	pg::Connection* conn = nullptr;
	std::atomic<bool> gone{false};
	void fire() {
		gone = true;
		std::lock_guard lock(mutex);
		if (conn) conn->cancel();
	}
	void attach(pg::Connection* c) {
		std::lock_guard lock(mutex);
		conn = c;
	}
};

} // namespace

UserTables::Uploaded UserTables::upload(const Owner& owner, std::string_view raw_name,
                                        const std::function<size_t(char*, size_t)>& read,
                                        const UploadControl& control) {
	std::string name = check_table_name(raw_name);
	Limits limits;
	{
		auto c = pool_.acquire();
		require_enabled(*c);
		limits = limits_for(*c, settings_, owner);
	}
	// Declared in this order so that they go in the reverse one: the callback is unregistered
	// and forgets the connection, then the builder rolls back, then the connection returns.
	std::optional<pg::Pool::Lease> lease;
	std::optional<TableBuilder> builder;
	auto stop = std::make_shared<UploadStop>();
	struct Unregister {
		const UploadControl& control;
		std::shared_ptr<UploadStop> stop;
		~Unregister() {
			stop->attach(nullptr);
			if (control.on_client_gone) control.on_client_gone({});
		}
	} unregister{control, stop};
	if (control.on_client_gone) control.on_client_gone([stop] { stop->fire(); });

	// The connection (and the transaction) only when the rows begin: a client that sends
	// slowly, or never gets that far, holds none.
	UploadConsumer consumer([&]() -> TableBuilder& {
		try {
			lease.emplace(upload_pool_.acquire(settings_.upload_wait));
		} catch (const pg::DbError&) {
			throw; // the database itself (public_message hides libpq's details)
		} catch (const Error& e) {
			if (e.kind() != ErrorKind::Unavailable) throw;
			throw Error(ErrorKind::Unavailable,
			            concat("all ", std::to_string(upload_pool_.size()),
			                   " connections for uploads are in use; please try again in a few seconds"));
		}
		stop->attach(&lease->get());
		if (stop->gone) throw Error(ErrorKind::Io, "the client went away");
		builder.emplace(lease->get(), settings_, owner, name, limits);
		builder->check_quota_before();
		return *builder;
	});
	{
		votable::VOTableReader reader(consumer);
		std::vector<char> buf(256 * 1024);
		std::uint64_t total = 0;
		while (size_t n = read(buf.data(), buf.size())) {
			if (stop->gone) throw Error(ErrorKind::Io, "the client went away");
			total += n;
			if (total > settings_.max_upload_bytes) too_large();
			reader.feed({buf.data(), n});
		}
		reader.finish();
	}
	if (!consumer.saw_table() || !builder)
		throw Error(ErrorKind::Validation, "the VOTable contains no TABLE");
	if (stop->gone) throw Error(ErrorKind::Io, "the client went away");
	Uploaded out{builder->commit(consumer.description(), "upload"), builder->replaced()};
	log::info(concat("user table ", out.table.adql_name(),
	                 owner ? " of " + *owner : std::string(" (anonymous)"), ": ",
	                 std::to_string(out.table.nrows), " rows, ", format_bytes(out.table.size_bytes),
	                 out.replaced ? ", replaced" : ""));
	return out;
}

// ------------------------------------------------------------------ GET, DELETE, tableset

void UserTables::get_table(net::Request& request, net::Response& response, const std::string& name) {
	auto c = pool_.acquire();
	require_enabled(*c);
	auto t = resolve(*c, owner_of(request), name);
	if (!t) throw Error(ErrorKind::NotFound, concat("There is no user table tap_user.", name, " (for you)."));
	response.set_header("Content-Type", "text/xml; charset=utf-8");
	response.send(table_document(*t));
}

bool UserTables::drop_table(pg::Connection& conn, const std::string& sql_name) {
	if (!drop_user_table(conn, sql_name)) return false;
	std::lock_guard lock(cache_->mutex);
	cache_->entries.erase(sql_name);
	return true;
}

void UserTables::delete_table(net::Request& request, net::Response& response, const std::string& name) {
	auto c = pool_.acquire();
	require_enabled(*c);
	auto t = resolve(*c, owner_of(request), name, false);
	if (!t || !drop_table(*c, t->sql_name))
		throw Error(ErrorKind::NotFound, concat("There is no user table tap_user.", name, " (for you)."));
	log::info(concat("user table ", t->adql_name(),
	                 t->owner ? " of " + *t->owner : std::string(" (anonymous)"), " dropped"));
	send_text(response, 200, concat("Dropped user table ", name, "\n"));
}

void UserTables::tableset(net::Request& request, net::Response& response) {
	if (request.method != "GET" && request.method != "HEAD")
		return method_not_allowed(response, request, "GET");
	Owner owner = owner_of(request);
	if (!owner)
		throw Error(ErrorKind::Permission, "Log in to list your user tables (HTTP Basic authentication); "
		                                   "anonymous tables cannot be listed.");
	auto c = pool_.acquire();
	require_enabled(*c);
	response.set_header("Content-Type", "text/xml; charset=utf-8");
	response.send(tableset_document(list(*c, owner, true)));
}

// ------------------------------------------------------------------ destruction

void UserTables::destruction(net::Request& request, net::Response& response, const std::string& name) {
	bool get = request.method == "GET" || request.method == "HEAD";
	if (!get && request.method != "POST") return method_not_allowed(response, request, "GET, POST");
	Params p = get ? Params() : Params::from_request(request, param_limits());
	auto c = pool_.acquire();
	require_enabled(*c);
	auto t = resolve(*c, owner_of(request), name, false);
	if (!t) throw Error(ErrorKind::NotFound, concat("There is no user table tap_user.", name, " (for you)."));
	if (get) return send_text(response, 200, format_iso(t->destruction));
	auto v = p.get("DESTRUCTION");
	if (!v) throw Error(ErrorKind::Validation, "POST to destruction needs DESTRUCTION=<ISO 8601 time>");
	auto when = parse_iso(*v);
	if (!when)
		throw Error(ErrorKind::Validation, concat("DESTRUCTION must be an ISO 8601 time, not '", *v, "'"));
	auto now = std::chrono::system_clock::now();
	// Beyond 2262 the clock's nanoseconds overflow; such a wish means "as late as possible".
	if (std::atoi(std::string(trim(*v).substr(0, 4)).c_str()) >= 2200) when = now + settings_.max_lifetime;
	if (*when <= now)
		throw Error(ErrorKind::Validation,
		            concat("DESTRUCTION ", *v, " lies in the past; to drop the table now, DELETE it"));
	// As with UWS, the server may grant less than asked: at most userTableMaxDays from now.
	auto latest = now + settings_.max_lifetime;
	set_destruction(*c, t->sql_name, std::min(*when, latest));
	poke_reaper();
	response.set_status(303);
	response.set_header("Location", table_url(name));
	response.set_header("Content-Type", "text/plain; charset=utf-8");
	response.send(
	    concat("tap_user.", name, " will be dropped at ", format_iso(std::min(*when, latest)), "\n"));
}

// ------------------------------------------------------------------ index jobs

void UserTables::index(net::Request& request, net::Response& response, const std::string& name,
                       std::string_view rest) {
	while (rest.starts_with('/'))
		rest.remove_prefix(1);
	Owner owner = owner_of(request);
	std::string url = table_url(name) + "/index";
	uws::UwsEndpoint endpoint(jobs_, kIndexJobKind, table_url(name), param_limits());
	endpoint.set_job_url([url](const std::string&) { return url; });

	std::optional<UserTable> t;
	{
		auto c = pool_.acquire();
		require_enabled(*c);
		t = resolve(*c, owner, name);
	}
	if (!t) throw Error(ErrorKind::NotFound, concat("There is no user table tap_user.", name, " (for you)."));

	if (rest.empty() && request.method == "POST") {
		Params p = Params::from_request(request, param_limits());
		if (auto spec = p.get("INDEX")) {
			// Checked now, so that a typo is a 400 here rather than a failed job.
			plan_index(*t, *spec, p.get("KIND"), settings_.spatial_index);
			std::vector<std::pair<std::string, std::string>> params{{"TABLE", name}, {"INDEX", *spec}};
			if (auto k = p.get("KIND")) params.emplace_back("KIND", *k);
			uws::Job job = jobs_.create(kIndexJobKind, params, owner, {});
			{
				auto c = pool_.acquire();
				set_index_job(*c, t->sql_name, job.id);
			}
			jobs_.run(kIndexJobKind, job.id);
			response.set_status(303);
			response.set_header("Location", url);
			response.set_header("Content-Type", "text/plain; charset=utf-8");
			response.send(concat("Indexing tap_user.", name, "; see ", url, "\n"));
			return;
		}
		if (!t->index_job)
			throw Error(ErrorKind::Validation, "POST INDEX=ra,dec (or INDEX=column) to index this table");
		// PHASE=ABORT, ACTION=DELETE on the current job, as on any UWS job.
		if (auto ph = p.get("PHASE")) {
			if (iequals(*ph, "ABORT"))
				jobs_.abort(kIndexJobKind, *t->index_job);
			else if (iequals(*ph, "RUN"))
				jobs_.run(kIndexJobKind, *t->index_job);
			else
				throw Error(ErrorKind::Validation, concat("PHASE must be RUN or ABORT, not '", *ph, "'"));
		} else if (auto a = p.get("ACTION"); a && iequals(*a, "DELETE")) {
			jobs_.destroy(kIndexJobKind, *t->index_job);
		} else {
			throw Error(ErrorKind::Validation, "POST to an index job needs INDEX, PHASE or ACTION=DELETE");
		}
		response.set_status(303);
		response.set_header("Location", url);
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(concat("See ", url, "\n"));
		return;
	}
	if (!t->index_job)
		throw Error(
		    ErrorKind::NotFound,
		    concat("tap_user.", name, " has no index job; POST INDEX=ra,dec (or INDEX=column) to ", url));
	std::string sub = concat("/", *t->index_job);
	if (!rest.empty()) sub += concat("/", rest);
	endpoint.handle(request, response, sub, owner);
}

// ------------------------------------------------------------------ reaper

size_t UserTables::reap() {
	auto c = pool_.acquire();
	if (!user_tables::enabled(*c)) return 0;
	size_t dropped = 0;
	for (auto& sql_name : expired(*c, std::chrono::system_clock::now())) {
		auto t = find_by_sql_name(*c, sql_name, false);
		if (t && drop_table(*c, sql_name)) {
			++dropped;
			log::info(concat("user table ", t->adql_name(),
			                 t->owner ? " of " + *t->owner : std::string(" (anonymous)"),
			                 " reached its destruction time and was dropped"));
		}
	}
	for (auto& rel : orphans(*c)) {
		if (drop_relation(*c, concat("tap_user.", pg::quote_ident(rel))))
			log::info(concat("user tables: dropped tap_user.", rel, ", which no bookkeeping refers to"));
	}
	return dropped;
}

size_t UserTables::drop_all_of(const std::string& user) {
	auto c = pool_.acquire();
	return drop_tables_of(*c, user);
}

void UserTables::reaper_loop() {
	for (;;) {
		std::chrono::system_clock::time_point next =
		    std::chrono::system_clock::now() + std::chrono::seconds(60);
		try {
			reap();
			auto c = pool_.acquire();
			if (user_tables::enabled(*c))
				if (auto n = next_destruction(*c)) next = std::min(next, *n + std::chrono::milliseconds(50));
		} catch (const std::exception& e) {
			log::warn(concat("user table reaper: ", e.what()));
		}
		std::unique_lock lock(reaper_mutex_);
		reaper_cv_.wait_until(lock, next, [&] { return stopping_ || poked_; });
		if (stopping_) return;
		poked_ = false;
	}
}

} // namespace meles::services::user_tables
