// The HTTP transport on its own: a Server with test handlers on a free port, spoken to over
// plain sockets.
#include "meles/core/common/error.hpp"
#include "meles/core/net/http.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

using namespace meles;

namespace {

struct TestServer {
	net::Server server;
	std::thread thread;
	explicit TestServer(net::Handler h, net::ServerOptions o = {}) : server(([&o] {
		                                                                        o.port = 0;
		                                                                        o.workers = 4;
		                                                                        o.shutdown_grace = std::chrono::seconds(10);
		                                                                        return o;
	                                                                        })(),
	                                                                        std::move(h)) {
		server.listen();
		thread = std::thread([this] { server.run(); });
	}
	~TestServer() {
		server.stop();
		if (thread.joinable()) thread.join();
	}
	uint16_t port() { return server.port(); }
};

int connect_to(uint16_t port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
	return fd;
}

std::string exchange(uint16_t port, const std::string& request) {
	int fd = connect_to(port);
	REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
	std::string out;
	char buf[65536];
	timeval tv{10, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0) break;
		out.append(buf, static_cast<size_t>(n));
	}
	close(fd);
	return out;
}

std::string get(uint16_t port, const std::string& path) {
	return exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

}  // namespace

TEST_CASE("net: whole responses, streamed responses and request bodies") {
	TestServer s([](net::Request& q, net::Response& r) {
		if (q.path == "/whole") {
			r.set_header("Content-Type", "text/plain");
			r.send("hello");
		} else if (q.path == "/stream") {
			auto& out = r.stream();
			for (int i = 0; i < 100000; ++i) out.write("line " + std::to_string(i) + "\n");
			r.finish();
		} else if (q.path == "/echo") {
			std::string body = q.read_body(1 << 20);
			r.send("got " + std::to_string(body.size()));
		} else if (q.path == "/late-error") {
			// an error found after stream() but before anything was flushed becomes a clean response
			auto& out = r.stream();
			out.write("partial");
			r.set_status(400);
			r.send("bad request after all");
		}
	});
	auto w = get(s.port(), "/whole");
	CHECK(w.find("HTTP/1.1 200 OK") == 0);
	CHECK(w.find("Content-Length: 5") != std::string::npos);
	CHECK(w.substr(w.size() - 5) == "hello");
	auto st = get(s.port(), "/stream");
	CHECK(st.find("Transfer-Encoding: chunked") != std::string::npos);
	CHECK(st.find("line 99999") != std::string::npos);
	CHECK(st.find("line 0\n") != std::string::npos);
	std::string body(300000, 'x');
	auto e = exchange(s.port(), "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
	                                std::to_string(body.size()) + "\r\n\r\n" + body);
	CHECK(e.find("got 300000") != std::string::npos);
	auto le = get(s.port(), "/late-error");
	CHECK(le.find("HTTP/1.1 400") == 0);
	CHECK(le.find("partial") == std::string::npos);
}

TEST_CASE("net: a throwing handler gives a 500 without details and the server lives on") {
	TestServer s([](net::Request& q, net::Response& r) {
		if (q.path == "/boom") throw std::runtime_error("secret internal detail at foo.cpp:12");
		r.send("fine");
	});
	auto b = get(s.port(), "/boom");
	CHECK(b.find("HTTP/1.1 500") == 0);
	CHECK(b.find("secret") == std::string::npos);
	CHECK(get(s.port(), "/ok").find("fine") != std::string::npos);
}

TEST_CASE("net: keep-alive serves several requests on one connection") {
	std::atomic<int> n{0};
	TestServer s([&](net::Request&, net::Response& r) { r.send(std::to_string(++n)); });
	int fd = connect_to(s.port());
	std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	for (int i = 1; i <= 3; ++i) {
		REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0);
		char buf[4096];
		ssize_t got = recv(fd, buf, sizeof buf, 0);
		REQUIRE(got > 0);
		std::string resp(buf, static_cast<size_t>(got));
		CHECK(resp.find("HTTP/1.1 200") == 0);
		CHECK(resp.substr(resp.size() - 1) == std::to_string(i));
	}
	close(fd);
}

TEST_CASE("net: stop lets a running request finish") {
	std::atomic<bool> started{false};
	auto s = std::make_unique<TestServer>([&](net::Request&, net::Response& r) {
		started = true;
		std::this_thread::sleep_for(std::chrono::milliseconds(700));
		r.send("finished");
	});
	uint16_t port = s->port();
	std::string result;
	std::thread client([&] { result = get(port, "/slow"); });
	while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
	s->server.stop();  // while the handler sleeps
	client.join();
	CHECK(result.find("finished") != std::string::npos);
	s.reset();
}

TEST_CASE("net: a client that disconnects is noticed while the handler runs") {
	std::atomic<bool> gone{false}, started{false};
	TestServer s([&](net::Request&, net::Response& r) {
		r.on_client_gone([&] { gone = true; });
		started = true;
		for (int i = 0; i < 300 && !gone; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
		r.send("too late");
	});
	int fd = connect_to(s.port());
	std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0);
	while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
	close(fd);
	for (int i = 0; i < 200 && !gone; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(gone);
}
