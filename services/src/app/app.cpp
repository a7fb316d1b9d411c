#include "meles/services/app/app.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/services/tap/tap_service.hpp"

namespace meles::services {

App::App(Context& context) : ctx_(context) {
	ctx_.users.ensure_schema();
	router_.set_body_limit(static_cast<uint64_t>(ctx_.config.get_int("web", "maxBodySize")));
	router_.add_exact("/", [this](net::Request& q, net::Response& r) { root_page(q, r); });
	tap_ = std::make_unique<tap::TapService>(ctx_, "/tap");
	auto tap = [this](net::Request& q, net::Response& r) { tap_->handle(q, r); };
	router_.add_exact("/tap", tap, ErrorStyle::Dali);
	router_.add_prefix("/tap/", tap, ErrorStyle::Dali, tap_->body_limit());
	router_.set_fallback([](net::Request& q, net::Response& r) {
		r.set_status(404);
		r.set_header("Content-Type", "text/plain; charset=utf-8");
		r.send(concat("Not found: ", q.path, "\nThe root page / lists what this server offers.\n"));
	});
}

App::~App() = default;

void App::handle(net::Request& request, net::Response& response) {
	try {
		if (auto user = ctx_.authenticator.authenticate(request)) request.user = *user;
	} catch (const Error& e) {
		send_error(response, e, request.path.starts_with("/tap") ? ErrorStyle::Dali : ErrorStyle::PlainText);
		return;
	}
	router_.handle(request, response);
}

void App::reload() { log::info("reload: nothing to reload yet"); }

void App::root_page(net::Request& request, net::Response& response) {
	if (request.method != "GET" && request.method != "HEAD") {
		response.set_status(405);
		response.set_header("Allow", "GET, HEAD");
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send("Only GET and HEAD are allowed here.\n");
		return;
	}
	std::string body = "<h1>Meles data centre</h1>\n";
	body += "<p>This server publishes astronomical data through Virtual Observatory protocols.</p>\n";
	body += "<h2>Resources</h2>\n<p>No resources have been imported yet.</p>\n";
	response.set_header("Content-Type", "text/html; charset=utf-8");
	response.send(html_page("Meles data centre", body));
}

}  // namespace meles::services
