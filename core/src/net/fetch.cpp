// The upload fetcher.  Every network step is an asynchronous operation run on a private
// io_context, so that one deadline (Beast's stream timer) bounds the whole fetch: a server
// that accepts and then never answers, or trickles its body, cannot hold the caller longer.
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

#include <ifaddrs.h>
#include <netinet/in.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace meles::net {

namespace {

AddressKind classify_v4(const asio::ip::address_v4& a) {
	uint32_t v = a.to_uint();
	auto in = [&](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
	if (in(0x00000000, 8) || in(0x7f000000, 8)) return AddressKind::Loopback;
	if (in(0xa9fe0000, 16)) return AddressKind::LinkLocal;
	if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0x64400000, 10) ||
	    in(0xc6120000, 15))
		return AddressKind::Private;
	if (in(0xe0000000, 4) || in(0xf0000000, 4)) return AddressKind::Reserved; // multicast, 240/4, broadcast
	return AddressKind::Public;
}

AddressKind classify(const asio::ip::address& addr) {
	if (addr.is_v4()) return classify_v4(addr.to_v4());
	auto a = addr.to_v6();
	auto b = a.to_bytes();
	if (a.is_v4_mapped()) return classify_v4(asio::ip::make_address_v4(asio::ip::v4_mapped, a));
	bool zero96 = std::all_of(b.begin(), b.begin() + 12, [](unsigned char c) { return c == 0; });
	if (zero96) {
		if (a.is_loopback() || a.is_unspecified()) return AddressKind::Loopback;
		return classify_v4(asio::ip::address_v4({b[12], b[13], b[14], b[15]})); // IPv4-compatible
	}
	static const std::array<unsigned char, 12> nat64{0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	if (std::equal(nat64.begin(), nat64.end(), b.begin()))
		return classify_v4(asio::ip::address_v4({b[12], b[13], b[14], b[15]}));
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressKind::LinkLocal; // fe80::/10
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressKind::Private;   // fec0::/10 (site-local)
	if ((b[0] & 0xfe) == 0xfc) return AddressKind::Private;                   // fc00::/7
	if (b[0] == 0xff) return AddressKind::Reserved;                           // multicast
	return AddressKind::Public;
}

// Cloud providers' metadata services outside the link-local range: refused even where
// private networks are allowed.
bool is_metadata_service(const asio::ip::address& addr) {
	beast::error_code ec;
	for (const char* m : {"100.100.100.200", "fd00:ec2::254"})
		if (addr == asio::ip::make_address(m, ec)) return true;
	if (addr.is_v6() && addr.to_v6().is_v4_mapped())
		return is_metadata_service(asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6()));
	return false;
}

struct Url {
	bool tls = false;
	std::string host, port, target;
	std::string text() const {
		std::string h = host.find(':') != std::string::npos ? concat("[", host, "]") : host;
		return concat(tls ? "https://" : "http://", h, ":", port, target);
	}
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
		throw Error(ErrorKind::Validation,
		            concat("only http:// and https:// URLs can be fetched, not '", url, "'"));
	}
	for (char c : url)
		if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
			throw Error(ErrorKind::Validation,
			            "a URL to fetch must not contain blanks or control characters");
	auto end = rest.find_first_of("/?#");
	std::string hostport = rest.substr(0, end);
	u.target = end == std::string::npos ? "/" : rest.substr(end);
	if (auto hash = u.target.find('#'); hash != std::string::npos) u.target.erase(hash);
	if (u.target.empty() || u.target[0] != '/') u.target.insert(0, "/");
	// user:password@host would be one more way to spell a host; there is no need for it.
	if (hostport.find('@') != std::string::npos)
		throw Error(ErrorKind::Validation, "URLs with user names or passwords are not fetched");
	std::string port_text;
	if (hostport.starts_with("[")) {
		auto close = hostport.find(']');
		if (close == std::string::npos)
			throw Error(ErrorKind::Validation, concat("bad host in URL '", url, "'"));
		u.host = hostport.substr(1, close - 1);
		std::string after = hostport.substr(close + 1);
		if (!after.empty()) {
			if (after[0] != ':') throw Error(ErrorKind::Validation, concat("bad host in URL '", url, "'"));
			port_text = after.substr(1);
		}
	} else if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
		u.host = hostport.substr(0, colon);
		port_text = hostport.substr(colon + 1);
	} else {
		u.host = hostport;
	}
	if (!port_text.empty()) {
		if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
		    std::stoi(port_text) < 1 || std::stoi(port_text) > 65535)
			throw Error(ErrorKind::Validation, concat("bad port in URL '", url, "'"));
		u.port = std::to_string(std::stoi(port_text));
	}
	if (u.host.empty()) throw Error(ErrorKind::Validation, concat("no host in URL '", url, "'"));
	return u;
}

// The next URL after a redirect to `location` from `from`.
std::string redirect_target(const Url& from, const std::string& location) {
	if (starts_with_ci(location, "http://") || starts_with_ci(location, "https://")) return location;
	if (location.starts_with("//")) return concat(from.tls ? "https:" : "http:", location);
	std::string base = from.text();
	if (location.starts_with("/")) return base.substr(0, base.size() - from.target.size()) + location;
	std::string dir = from.target.substr(0, from.target.find_first_of("?"));
	dir = dir.substr(0, dir.rfind('/') + 1);
	return base.substr(0, base.size() - from.target.size()) + dir + location;
}

std::vector<asio::ip::address> local_addresses() {
	std::vector<asio::ip::address> out;
	ifaddrs* list = nullptr;
	if (getifaddrs(&list) != 0) return out;
	for (auto* i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr) continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			auto* s = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
			out.push_back(asio::ip::address_v4(ntohl(s->sin_addr.s_addr)));
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			auto* s = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
			asio::ip::address_v6::bytes_type b;
			std::copy(std::begin(s->sin6_addr.s6_addr), std::end(s->sin6_addr.s6_addr), b.begin());
			out.push_back(asio::ip::address_v6(b));
		}
	}
	freeifaddrs(list);
	return out;
}

asio::ip::address unmapped(const asio::ip::address& a) {
	if (a.is_v6() && a.to_v6().is_v4_mapped())
		return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
	return a;
}

// Throws Error(Validation) if the policy forbids connecting to `ep`.
void check_endpoint(const tcp::endpoint& ep, const FetchPolicy& policy,
                    const std::vector<tcp::endpoint>& own) {
	auto addr = unmapped(ep.address());
	std::string shown = addr.to_string();
	if (is_metadata_service(addr))
		throw Error(ErrorKind::Validation,
		            concat("refused to fetch from ", shown, " (a cloud metadata service)"));
	switch (classify(addr)) {
	case AddressKind::Public:
		break;
	case AddressKind::LinkLocal:
		throw Error(ErrorKind::Validation, concat("refused to fetch from the link-local address ", shown));
	case AddressKind::Reserved:
		throw Error(ErrorKind::Validation, concat("refused to fetch from ", shown));
	case AddressKind::Loopback:
		if (!policy.allow_loopback)
			throw Error(ErrorKind::Validation, concat("refused to fetch from the loopback address ", shown,
			                                          " ([upload] urlNetworks does not allow it)"));
		break;
	case AddressKind::Private:
		if (!policy.allow_private)
			throw Error(ErrorKind::Validation, concat("refused to fetch from the private address ", shown,
			                                          " ([upload] urlNetworks does not allow it)"));
		break;
	}
	bool own_port =
	    std::find(policy.own_ports.begin(), policy.own_ports.end(), ep.port()) != policy.own_ports.end();
	if (own_port) {
		bool local = addr.is_loopback() || addr.is_unspecified() || classify(addr) == AddressKind::Loopback;
		if (!local)
			for (auto& l : local_addresses())
				if (unmapped(l) == addr) local = true;
		if (local)
			throw Error(ErrorKind::Validation,
			            concat("refused to fetch from this server itself (", shown, ")"));
	}
	for (auto& o : own)
		if (unmapped(o.address()) == addr && o.port() == ep.port())
			throw Error(ErrorKind::Validation,
			            concat("refused to fetch from this server itself (", shown, ")"));
}

// Runs one asynchronous operation to its end on `ioc`; throws its error.
template <class Start> void run_op(asio::io_context& ioc, Start start) {
	beast::error_code result;
	bool done = false;
	start([&](beast::error_code ec, auto&&...) {
		result = ec;
		done = true;
	});
	ioc.restart();
	ioc.run();
	if (!done) throw beast::system_error(asio::error::operation_aborted);
	if (result) throw beast::system_error(result);
}

[[noreturn]] void too_large(uint64_t max_bytes) {
	throw Error(ErrorKind::Limit,
	            concat("the document exceeds the limit of ", std::to_string(max_bytes), " bytes"));
}

// Sends the request and reads the response body in pieces into the sink, counting against the
// limit; returns the Location of a redirect ("" when the body was read).
template <class Stream>
std::string get(asio::io_context& ioc, Stream& stream, const Url& u, uint64_t max_bytes, ByteSink& sink) {
	http::request<http::empty_body> req{http::verb::get, u.target, 11};
	req.set(http::field::host, u.host);
	req.set(http::field::user_agent, "Meles");
	run_op(ioc, [&](auto h) { http::async_write(stream, req, h); });
	beast::flat_buffer buffer;
	http::response_parser<http::buffer_body> parser;
	parser.body_limit(max_bytes == UINT64_MAX ? max_bytes : max_bytes + 1);
	run_op(ioc, [&](auto h) { http::async_read_header(stream, buffer, parser, h); });
	int status = static_cast<int>(parser.get().result_int());
	if (status >= 300 && status < 400) {
		std::string location(parser.get()[http::field::location]);
		if (location.empty())
			throw Error(ErrorKind::Io, concat("HTTP ", std::to_string(status), " without a Location"));
		return location;
	}
	if (status != 200)
		throw Error(ErrorKind::Io, concat("the server answered HTTP ", std::to_string(status)));
	uint64_t total = 0;
	std::vector<char> buf(64 * 1024);
	while (!parser.is_done()) {
		parser.get().body().data = buf.data();
		parser.get().body().size = buf.size();
		try {
			run_op(ioc, [&](auto h) { http::async_read_some(stream, buffer, parser, h); });
		} catch (const beast::system_error& e) {
			if (e.code() != http::error::need_buffer) throw;
		}
		size_t n = buf.size() - parser.get().body().size;
		total += n;
		if (total > max_bytes) too_large(max_bytes);
		if (n) sink.write({buf.data(), n});
	}
	return {};
}

} // namespace

AddressKind classify_address(std::string_view ip) {
	beast::error_code ec;
	auto a = asio::ip::make_address(std::string(ip), ec);
	if (ec) return AddressKind::Reserved;
	return classify(a);
}

void fetch(const std::string& url_text, uint64_t max_bytes, ByteSink& sink, std::chrono::seconds timeout,
           const FetchPolicy& policy) {
	auto deadline = std::chrono::steady_clock::now() + timeout;
	std::string own_prefix = policy.own_url;
	while (own_prefix.ends_with('/'))
		own_prefix.pop_back();
	std::string url = url_text;
	asio::io_context ioc;
	for (int redirect = 0; redirect < 6; ++redirect) {
		if (!own_prefix.empty() && starts_with_ci(url, own_prefix) &&
		    (url.size() == own_prefix.size() ||
		     std::string_view("/?#").find(url[own_prefix.size()]) != std::string_view::npos))
			throw Error(ErrorKind::Validation, "refused to fetch from this server itself");
		Url u = parse_url(url);
		tcp::resolver resolver(ioc);
		beast::error_code ec;
		// The daemon's own public address: refused wherever a URL leads (redirects included).
		std::vector<tcp::endpoint> own;
		if (!policy.own_url.empty()) {
			try {
				Url o = parse_url(policy.own_url);
				for (auto& e : resolver.resolve(o.host, o.port, ec))
					own.push_back(e.endpoint());
			} catch (const Error&) {
			}
		}
		auto results = resolver.resolve(u.host, u.port, ec);
		if (ec) throw Error(ErrorKind::Io, concat("cannot resolve ", u.host, ": ", ec.message()));
		// Every address the name has must be acceptable: the connection goes to exactly these
		// (no second lookup that DNS could answer differently).
		std::vector<tcp::endpoint> endpoints;
		for (auto& r : results) {
			check_endpoint(r.endpoint(), policy, own);
			endpoints.push_back(r.endpoint());
		}
		if (endpoints.empty()) throw Error(ErrorKind::Io, concat("cannot resolve ", u.host));
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
				beast::get_lowest_layer(stream).expires_at(deadline);
				run_op(ioc, [&](auto h) { beast::get_lowest_layer(stream).async_connect(endpoints, h); });
				run_op(ioc, [&](auto h) { stream.async_handshake(ssl::stream_base::client, h); });
				location = get(ioc, stream, u, max_bytes, sink);
			} else {
				beast::tcp_stream stream(ioc);
				stream.expires_at(deadline);
				run_op(ioc, [&](auto h) { stream.async_connect(endpoints, h); });
				location = get(ioc, stream, u, max_bytes, sink);
			}
		} catch (const beast::system_error& e) {
			// read_header() already refuses a Content-Length over the limit.
			if (e.code() == http::error::body_limit) too_large(max_bytes);
			if (e.code() == beast::error::timeout)
				throw Error(ErrorKind::Timeout, concat("fetching ", url, " took longer than ",
				                                       std::to_string(timeout.count()), " s"));
			throw Error(ErrorKind::Io, concat("fetching ", url, " failed: ", e.code().message()));
		}
		if (location.empty()) return;
		url = redirect_target(u, location);
	}
	throw Error(ErrorKind::Io, concat("too many redirects fetching ", url_text));
}

} // namespace meles::net
