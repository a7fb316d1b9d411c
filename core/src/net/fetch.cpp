#include "meles/core/net/fetch.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace meles::net {

namespace {

struct Url {
	bool tls = false;
	std::string host, port, target;
};

Url parse_url(const std::string& url) {
	Url u;
	std::string rest;
	if (starts_with_ci(url, "http://")) {
		rest = url.substr(7);
		u.port = "80";
	} else if (starts_with_ci(url, "https://")) {
		rest = url.substr(8);
		u.tls = true;
		u.port = "443";
	} else {
		throw Error(ErrorKind::Validation, concat("only http:// and https:// URLs can be fetched, not '", url, "'"));
	}
	auto slash = rest.find('/');
	std::string hostport = rest.substr(0, slash);
	u.target = slash == std::string::npos ? "/" : rest.substr(slash);
	auto colon = hostport.rfind(':');
	if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
		u.host = hostport.substr(0, colon);
		u.port = hostport.substr(colon + 1);
	} else {
		u.host = hostport;
	}
	if (u.host.empty()) throw Error(ErrorKind::Validation, concat("no host in URL '", url, "'"));
	return u;
}

// Reads the response body in pieces into the sink, counting against the limit.
template <class Stream>
std::string get(Stream& stream, const Url& u, uint64_t max_bytes, ByteSink& sink, beast::flat_buffer& buffer) {
	http::request<http::empty_body> req{http::verb::get, u.target, 11};
	req.set(http::field::host, u.host);
	req.set(http::field::user_agent, "Meles");
	http::write(stream, req);
	http::response_parser<http::buffer_body> parser;
	parser.body_limit(max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1);
	http::read_header(stream, buffer, parser);
	int status = static_cast<int>(parser.get().result_int());
	if (status >= 300 && status < 400) return std::string(parser.get()[http::field::location]);
	if (status != 200) throw Error(ErrorKind::Io, concat("the server answered HTTP ", std::to_string(status)));
	uint64_t total = 0;
	char buf[64 * 1024];
	while (!parser.is_done()) {
		parser.get().body().data = buf;
		parser.get().body().size = sizeof buf;
		beast::error_code ec;
		http::read(stream, buffer, parser, ec);
		if (ec == http::error::need_buffer) ec = {};
		if (ec == http::error::body_limit)
			throw Error(ErrorKind::Limit, concat("the document exceeds the limit of ", std::to_string(max_bytes), " bytes"));
		if (ec) throw Error(ErrorKind::Io, concat("reading the document failed: ", ec.message()));
		size_t n = sizeof buf - parser.get().body().size;
		total += n;
		if (total > max_bytes)
			throw Error(ErrorKind::Limit, concat("the document exceeds the limit of ", std::to_string(max_bytes), " bytes"));
		if (n) sink.write({buf, n});
	}
	return {};
}

}  // namespace

void fetch(const std::string& url_text, uint64_t max_bytes, ByteSink& sink, std::chrono::seconds timeout) {
	std::string url = url_text;
	for (int redirect = 0; redirect < 6; ++redirect) {
		Url u = parse_url(url);
		asio::io_context ioc;
		tcp::resolver resolver(ioc);
		beast::error_code ec;
		auto endpoints = resolver.resolve(u.host, u.port, ec);
		if (ec) throw Error(ErrorKind::Io, concat("cannot resolve ", u.host, ": ", ec.message()));
		beast::flat_buffer buffer;
		std::string location;
		try {
			if (u.tls) {
				ssl::context ctx(ssl::context::tls_client);
				ctx.set_default_verify_paths();
				ctx.set_verify_mode(ssl::verify_peer);
				beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
				if (!SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str()))
					throw Error(ErrorKind::Io, "TLS setup failed");
				stream.set_verify_callback(ssl::host_name_verification(u.host));
				beast::get_lowest_layer(stream).expires_after(timeout);
				beast::get_lowest_layer(stream).connect(endpoints);
				stream.handshake(ssl::stream_base::client);
				location = get(stream, u, max_bytes, sink, buffer);
			} else {
				beast::tcp_stream stream(ioc);
				stream.expires_after(timeout);
				stream.connect(endpoints);
				location = get(stream, u, max_bytes, sink, buffer);
			}
		} catch (const boost::system::system_error& e) {
			// read_header() already refuses a Content-Length over the limit.
			if (e.code() == http::error::body_limit)
				throw Error(ErrorKind::Limit, concat("the document exceeds the limit of ", std::to_string(max_bytes), " bytes"));
			throw Error(ErrorKind::Io, concat("fetching ", url, " failed: ", e.code().message()));
		}
		if (location.empty()) return;
		url = location.starts_with("/") ? concat(u.tls ? "https://" : "http://", u.host, ":", u.port, location) : location;
	}
	throw Error(ErrorKind::Io, concat("too many redirects fetching ", url_text));
}

}  // namespace meles::net
