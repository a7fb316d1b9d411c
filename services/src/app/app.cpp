#include "meles/services/app/app.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/rdsvc/python_core_service.hpp"
#include "meles/services/rdsvc/service_pages.hpp"
#include "meles/services/registry/capabilities.hpp"
#include "meles/services/vosi/vosi.hpp"

#include <algorithm>

namespace meles::services {

App::App(Context& context)
    : ctx_(context), scs_(context), siap_(context), oai_(context), info_facts_(context.admin_pool),
      products_(context) {
	ctx_.users.ensure_schema();
	// RD errors name the RD's file relative to the inputs; no other server path reaches clients.
	std::error_code ec;
	auto canonical = [&](const std::filesystem::path& p) {
		auto c = std::filesystem::weakly_canonical(p, ec);
		return (ec ? p : c).string();
	};
	hide_server_paths({ctx_.config.inputs_dir().string(), canonical(ctx_.config.inputs_dir()),
	                   ctx_.config.state_dir().string(), canonical(ctx_.config.state_dir())});
	router_.set_body_limit(static_cast<uint64_t>(ctx_.config.get_int("web", "maxBodySize")));
	router_.add_exact("/", [this](net::Request& q, net::Response& r) { root_page(q, r); });
	router_.add_prefix("/tableinfo/", [this](net::Request& q, net::Response& r) { table_info(q, r); });
	router_.set_fallback([this](net::Request& q, net::Response& r) { rd_service(q, r); });
	register_renderers();
	jobs_ = std::make_unique<uws::JobManager>(ctx_.config, ctx_.admin_pool, ctx_.config.state_dir() / "uws");
	tap_ = std::make_unique<tap::TapService>(ctx_, *jobs_);
	// Persistent user tables (//tap_user): their own resource below /tap, index jobs in the
	// same job manager, and two hooks into TAP queries (the caller's tables, CREATE TABLE AS).
	user_tables_ = std::make_unique<user_tables::UserTables>(user_tables::Settings::from_config(ctx_.config),
	                                                         ctx_.database.admin(), ctx_.admin_pool, *jobs_);
	user_tables_->start();
	tap_->set_extra_catalog(
	    [this](const std::optional<std::string>& user) { return user_tables_->catalog(user); });
	tap_->set_create_table(
	    [this](const adql::Translation& t, pg::Connection& conn, const std::optional<std::string>& user) {
		    return user_tables_->create_table_as(t, conn, user).columns;
	    });
	// New TAP metadata is visible as soon as `meles imp` commits (LISTEN/NOTIFY).
	tap_->catalog().listen(ctx_.database.admin());
	tap_->install(router_);
	// Uploads are limited by the quotas, checked while they stream, not by the body limit.
	constexpr uint64_t kUploads = uint64_t(1) << 62;
	auto user_tables = [this](net::Request& q, net::Response& r) { user_tables_->handle(q, r); };
	router_.add_exact("/tap/user_tables", user_tables, ErrorStyle::Dali, kUploads);
	router_.add_prefix("/tap/user_tables/", user_tables, ErrorStyle::Dali, kUploads);
	// The publishing registry (what `meles pub` stored), at DaCHS's URL.
	oai_.install(router_);
	// Files registered in dc.products, and their previews, at DaCHS's URL.
	products_.install(router_);
	jobs_->start();
}

App::~App() {
	// Jobs first: running index jobs use the user tables, TAP jobs the TAP service.
	if (jobs_) jobs_->stop();
	user_tables_.reset();
}

void App::handle(net::Request& request, net::Response& response) {
	try {
		if (auto user = ctx_.authenticator.authenticate(request)) request.user = *user;
	} catch (const Error& e) {
		send_error(response, e, request.path.starts_with("/tap") ? ErrorStyle::Dali : ErrorStyle::PlainText);
		return;
	}
	router_.handle(request, response);
}

void App::reload() {
	ctx_.directory.reload();
	tap_->catalog().invalidate();
	log::info("reload: resource descriptors will be read again");
}

// An RD that does not load is the operator's problem: the details (file, line) go to the
// log, the public gets a 503 in the protocol's own error form, without server paths.
void App::unavailable(net::Request& request, net::Response& response, const std::string& rd_id,
                      const std::string& renderer, const Error& error) {
	log::error(concat(request.method, " ", request.target, ": RD ", rd_id,
	                  " cannot be loaded: ", error.full_message()));
	static const std::string message = "This service is temporarily unavailable: its resource descriptor has "
	                                   "errors. The operators have been "
	                                   "notified through the log.";
	renderers_.send_unavailable(renderer.empty() ? "info" : renderer, response, message);
}

void App::register_renderers() {
	Renderer info;
	info.name = "info";
	info.implicit = true;
	info.handle = [this](RenderCall& c) {
		if (!c.rest.empty())
			throw Error(ErrorKind::NotFound, concat("service ", c.rd.rd_id, "/", c.service.id,
			                                        " has no page below its info page"));
		service_info(c.request, c.response, c.shared_rd, c.service);
	};
	info.unavailable = send_unavailable_page;
	renderers_.add(std::move(info));
	Renderer availability;
	availability.name = "availability";
	availability.implicit = true;
	availability.handle = [this](RenderCall& c) {
		c.response.set_header("Content-Type", "text/xml; charset=utf-8");
		c.response.send(vosi::availability_document(ctx_.started));
	};
	availability.unavailable = [this](net::Response& response, const std::string& message) {
		response.set_header("Content-Type", "text/xml; charset=utf-8");
		response.send(vosi::availability_document(ctx_.started, false, message));
	};
	renderers_.add(std::move(availability));
	Renderer capabilities;
	capabilities.name = "capabilities";
	capabilities.implicit = true;
	capabilities.handle = [this](RenderCall& c) {
		c.response.set_header("Content-Type", "text/xml; charset=utf-8");
		c.response.send(vosi::capabilities_document(
		    renderers_.capabilities(ctx_.config, c.rd, c.service, c.service_url), c.service_url, false));
	};
	renderers_.add(std::move(capabilities));
	scs_.register_renderers(renderers_);
	siap_.register_renderers(renderers_);
}

void App::rd_service(net::Request& request, net::Response& response) {
	auto addr = ctx_.directory.resolve(request.path);
	if (!addr) {
		response.set_status(404);
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(
		    concat("Not found: ", request.path, "\nThe root page / lists what this server offers.\n"));
		return;
	}
	if (addr->load_error) {
		unavailable(request, response, addr->rd_id, addr->renderer, *addr->load_error);
		return;
	}
	const rd::Resource& rd = *addr->rd;
	const rd::ServiceDef& svc = *addr->service;
	std::string name = addr->renderer.empty() ? "info" : addr->renderer;
	const Renderer* renderer = renderers_.find(name, svc);
	if (!renderer) {
		if (std::find(svc.allowed.begin(), svc.allowed.end(), name) == svc.allowed.end())
			throw Error(ErrorKind::NotFound, concat("service ", rd.rd_id, "/", svc.id, " does not offer '",
			                                        name, "' (it offers: ", join(svc.allowed, ", "), ")"));
		// A pythonCore answers every renderer its service allows (form: a page, others: data).
		if (is_python_core_service(svc)) {
			python_core_request(ctx_.config, addr->rd, svc, name, request, response);
			return;
		}
		throw Error(ErrorKind::NotFound, concat("the '", name, "' renderer of ", rd.rd_id, "/", svc.id,
		                                        " is not available in this version of Meles"));
	}
	rd::ResolvedTable resolved;
	if (renderer->needs_table) {
		if (!svc.core || svc.core->queried_table.empty())
			throw Error(ErrorKind::NotFound, concat("the '", name, "' renderer of ", rd.rd_id, "/", svc.id,
			                                        " needs a core with a queried table"));
		try {
			resolved = ctx_.directory.store().resolve_table(svc.core->queried_table);
		} catch (const Error& e) {
			// The queried table lives in another RD that does not load (or lost the table).
			unavailable(request, response, svc.core->queried_table.rd_id, name, e);
			return;
		}
	}
	RenderCall call{rd,
	                addr->rd,
	                svc,
	                resolved.table,
	                concat(ctx_.config.server_url(), "/", rd.rd_id, "/", svc.id),
	                addr->rest,
	                request,
	                response};
	renderer->handle(call);
}

namespace {

// The pages about resources are read-only documents.
bool get_or_head(net::Request& request, net::Response& response) {
	if (request.method == "GET" || request.method == "HEAD") return true;
	response.set_status(405);
	response.set_header("Allow", "GET, HEAD");
	response.set_header("Content-Type", "text/plain; charset=utf-8");
	response.send("Only GET and HEAD are allowed here.\n");
	return false;
}

void send_html(net::Response& response, const std::string& html) {
	response.set_header("Content-Type", "text/html; charset=utf-8");
	response.send(html);
}

} // namespace

void App::root_page(net::Request& request, net::Response& response) {
	if (!get_or_head(request, response)) return;
	auto snapshot = tap_->catalog().snapshot();
	send_html(response, root_page_html(ctx_.directory.all_rds(), ctx_.config.server_url(),
	                                   [&](const std::string& name) {
		                                   return snapshot->find(to_lower(name)) != nullptr;
	                                   }));
}

InfoSite App::info_site() const {
	return {ctx_.config.server_url(), ctx_.config.get("ivoa", "authority")};
}

std::optional<TableInfo> App::table_facts(const std::shared_ptr<const rd::Resource>& rd,
                                          const rd::TableDef& table, const std::string& client) {
	auto snapshot = tap_->catalog().snapshot();
	std::string key = to_lower(table.qualified_name());
	const tap::TapTable* tt = snapshot->find(key);
	if (!tt) return std::nullopt;
	TableInfo info;
	info.rd = rd;
	info.table = &table;
	info.tap = tt->listed;
	info.facts = info_facts_.table(key, snapshot->version, tt->nrows, client);
	info.coverage = info_facts_.coverage(rd, snapshot->version, client);
	return info;
}

void App::table_info(net::Request& request, net::Response& response) {
	if (!get_or_head(request, response)) return;
	std::string name = request.path.substr(std::string_view("/tableinfo/").size());
	auto not_found = [&] {
		return Error(ErrorKind::NotFound,
		             concat("no published table '", excerpt(name), "'; the root page / lists the tables"));
	};
	auto snapshot = tap_->catalog().snapshot();
	const tap::TapTable* tt = name.size() > 400 ? nullptr : snapshot->find(to_lower(name));
	if (!tt) throw not_found();
	std::shared_ptr<const rd::Resource> rd;
	try {
		rd = ctx_.directory.store().get(tt->rd_id);
	} catch (const Error& e) {
		unavailable(request, response, tt->rd_id, "info", e);
		return;
	}
	// The RD is the source of truth; a table it no longer defines (edited since the import)
	// has no page.
	for (auto& t : rd->tables) {
		if (to_lower(t.qualified_name()) != to_lower(name)) continue;
		auto info = table_facts(rd, t, request.remote);
		if (!info) break;
		send_html(response, table_info_html(*info, info_site()));
		return;
	}
	throw not_found();
}

void App::service_info(net::Request& request, net::Response& response,
                       const std::shared_ptr<const rd::Resource>& rd, const rd::ServiceDef& svc) {
	if (!get_or_head(request, response)) return;
	ServiceInfo info;
	info.rd = rd;
	info.service = &svc;
	rd::ResolvedTable resolved_table;
	if (svc.core && !svc.core->queried_table.empty()) {
		try {
			resolved_table = ctx_.directory.store().resolve_table(svc.core->queried_table);
		} catch (const Error& e) {
			unavailable(request, response, svc.core->queried_table.rd_id, "info", e);
			return;
		}
	}
	// What the RD says is shown whatever the database does; the figures it adds only when it
	// answers (a service page was readable before the database was, and stays so).
	try {
		if (resolved_table.table)
			info.queried = table_facts(resolved_table.rd, *resolved_table.table, request.remote);
		info.coverage = info_facts_.coverage(rd, tap_->catalog().snapshot()->version, request.remote);
		info.jobs = info_facts_.jobs(*rd, request.remote);
	} catch (const Error& e) {
		if (e.kind() != ErrorKind::Unavailable && e.kind() != ErrorKind::Database) throw;
		log::warn(concat("info page of ", rd->rd_id, "/", svc.id, " without statistics: ", e.what()));
	}
	send_html(response, service_info_html(info, info_site()));
}

} // namespace meles::services
