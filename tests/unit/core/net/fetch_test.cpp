// The upload fetcher: which addresses it refuses (server-side request forgery), that it
// checks after redirects and on the resolved address, and that one deadline bounds a fetch.
// The servers it talks to are net::Servers on this host; refused addresses are never
// connected to (the check comes first), so no test traffic leaves the loopback interface.
#include "meles/core/common/error.hpp"
#include "meles/core/net/fetch.hpp"
#include "meles/core/net/http.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace meles;
using net::AddressKind;

namespace {

struct LocalServer {
	net::Server server;
	std::thread thread;
	explicit LocalServer(net::Handler h)
	    : server(([] {
		             net::ServerOptions o;
		             o.port = 0;
		             o.workers = 4;
		             o.shutdown_grace = std::chrono::seconds(5);
		             return o;
	             })(),
	             std::move(h)) {
		server.listen();
		thread = std::thread([this] { server.run(); });
	}
	~LocalServer() {
		server.stop();
		thread.join();
	}
	std::string url(const std::string& path = "/") {
		return "http://127.0.0.1:" + std::to_string(server.port()) + path;
	}
};

std::string fetch_text(const std::string& url, const net::FetchPolicy& policy,
                       std::chrono::seconds timeout = std::chrono::seconds(10)) {
	StringSink sink;
	net::fetch(url, 1 << 20, sink, timeout, policy);
	return sink.str();
}

net::FetchPolicy loopback_allowed() {
	net::FetchPolicy p;
	p.allow_loopback = true;
	return p;
}

} // namespace

TEST_CASE("fetch: address classes") {
	CHECK(net::classify_address("93.184.216.34") == AddressKind::Public);
	CHECK(net::classify_address("2606:2800:220:1::1") == AddressKind::Public);
	for (const char* a : {"127.0.0.1", "127.1.2.3", "0.0.0.0", "::1", "::", "::ffff:127.0.0.1"})
		CHECK_MESSAGE(net::classify_address(a) == AddressKind::Loopback, a);
	for (const char* a : {"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "fc00::1",
	                      "fd12::1", "::ffff:10.1.2.3", "64:ff9b::a00:1"})
		CHECK_MESSAGE(net::classify_address(a) == AddressKind::Private, a);
	for (const char* a : {"169.254.169.254", "169.254.0.1", "fe80::1", "febf::1", "::ffff:169.254.169.254"})
		CHECK_MESSAGE(net::classify_address(a) == AddressKind::LinkLocal, a);
	for (const char* a : {"224.0.0.1", "255.255.255.255", "240.0.0.1", "ff02::1", "not an address"})
		CHECK_MESSAGE(net::classify_address(a) == AddressKind::Reserved, a);
	CHECK(net::classify_address("172.32.0.1") == AddressKind::Public);
	CHECK(net::classify_address("11.0.0.1") == AddressKind::Public);
}

TEST_CASE("fetch: loopback is refused unless allowed, checked on the resolved address, before connecting") {
	std::atomic<int> hits{0};
	LocalServer s([&](net::Request&, net::Response& r) {
		++hits;
		r.send("<VOTABLE/>");
	});
	net::FetchPolicy strict;
	auto port = std::to_string(s.server.port());
	for (const std::string& url :
	     std::vector<std::string>{s.url(), "http://localhost:" + port + "/", "http://[::1]:" + port + "/",
	                              "http://0.0.0.0:" + port + "/", "http://127.0.0.1:1/"})
		CHECK_THROWS_WITH_AS(fetch_text(url, strict), doctest::Contains("refused"), Error);
	CHECK(hits == 0);
	CHECK(fetch_text(s.url(), loopback_allowed()) == "<VOTABLE/>");
	CHECK(hits == 1);
}

TEST_CASE(
    "fetch: link-local addresses and metadata services are refused even where private networks are allowed") {
	net::FetchPolicy lax;
	lax.allow_loopback = lax.allow_private = true;
	// fe80:: without an interface cannot even be connected to: nothing can leave this host.
	CHECK_THROWS_WITH_AS(fetch_text("http://[fe80::1]/latest/meta-data/", lax),
	                     doctest::Contains("link-local"), Error);
	CHECK_THROWS_WITH_AS(fetch_text("http://[fe80::a9fe:a9fe]:80/", lax), doctest::Contains("link-local"),
	                     Error);
	CHECK_THROWS_WITH_AS(fetch_text("http://[ff02::1]/", lax), doctest::Contains("refused"), Error);
	CHECK_THROWS_AS(fetch_text("http://user@example.org/", lax), Error);
	CHECK_THROWS_AS(fetch_text("ftp://example.org/", lax), Error);
}

TEST_CASE("fetch: the daemon's own URLs are refused, also after a redirect") {
	std::atomic<int> hits{0};
	LocalServer self([&](net::Request&, net::Response& r) {
		++hits;
		r.send("<VOTABLE/>");
	});
	LocalServer other([&](net::Request& q, net::Response& r) {
		r.set_status(302);
		r.set_header("Location", q.path == "/to-self" ? self.url("/tap/sync") : std::string("/final"));
		if (q.path == "/final") {
			r.set_status(200);
			return r.send("<VOTABLE>final</VOTABLE>");
		}
		r.send("");
	});
	auto policy = loopback_allowed();
	policy.own_ports.push_back(self.server.port());
	policy.own_url = self.url("");
	CHECK_THROWS_WITH_AS(fetch_text(self.url("/tap/sync"), policy), doctest::Contains("this server itself"),
	                     Error);
	CHECK_THROWS_WITH_AS(fetch_text("http://localhost:" + std::to_string(self.server.port()) + "/x", policy),
	                     doctest::Contains("this server itself"), Error);
	CHECK_THROWS_WITH_AS(fetch_text(other.url("/to-self"), policy), doctest::Contains("this server itself"),
	                     Error);
	CHECK(hits == 0);
	CHECK(fetch_text(other.url("/relative"), policy) == "<VOTABLE>final</VOTABLE>");
	// Without loopback allowed, a public-looking start cannot redirect there either.
	CHECK_THROWS_WITH_AS(fetch_text(other.url("/relative"), net::FetchPolicy{}),
	                     doctest::Contains("loopback"), Error);
}

TEST_CASE("fetch: one deadline bounds the whole fetch, also when the server never answers") {
	std::atomic<bool> release{false};
	LocalServer s([&](net::Request&, net::Response& r) {
		for (int i = 0; i < 500 && !release; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		r.send("late");
	});
	auto t0 = std::chrono::steady_clock::now();
	CHECK_THROWS_AS(fetch_text(s.url(), loopback_allowed(), std::chrono::seconds(1)), Error);
	auto took = std::chrono::steady_clock::now() - t0;
	release = true;
	CHECK(took < std::chrono::seconds(3));
}
