// The HTTP transport on its own: a Server with test handlers on a free port, spoken to over
// plain sockets.
#include "meles/core/common/error.hpp"
#include "meles/core/net/http.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace meles;

namespace {

struct TestServer {
	net::Server server;
	std::thread thread;
	explicit TestServer(net::Handler h, net::ServerOptions o = {})
	    : server(([&o] {
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

int connect_from(uint16_t port, const char* source) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sockaddr_in s{};
	s.sin_family = AF_INET;
	inet_pton(AF_INET, source, &s.sin_addr);
	REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&s), sizeof s) == 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
	return fd;
}

int connect_to(uint16_t port) {
	return connect_from(port, "127.0.0.1");
}

std::string read_to_end(int fd, int seconds = 10) {
	std::string out;
	char buf[65536];
	timeval tv{seconds, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0) break;
		out.append(buf, static_cast<size_t>(n));
	}
	close(fd);
	return out;
}

std::string exchange(uint16_t port, const std::string& request) {
	int fd = connect_to(port);
	REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
	return read_to_end(fd);
}

std::string get(uint16_t port, const std::string& path) {
	return exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

} // namespace

TEST_CASE("net: whole responses, streamed responses and request bodies") {
	TestServer s([](net::Request& q, net::Response& r) {
		if (q.path == "/whole") {
			r.set_header("Content-Type", "text/plain");
			r.send("hello");
		} else if (q.path == "/stream") {
			auto& out = r.stream();
			for (int i = 0; i < 100000; ++i)
				out.write("line " + std::to_string(i) + "\n");
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

TEST_CASE("net: pipelined requests are answered in order, the next one read without the event loop") {
	std::atomic<int> n{0};
	TestServer s(
	    [&](net::Request& q, net::Response& r) { r.send(q.path + "=" + std::to_string(++n) + ";"); });
	int fd = connect_to(s.port());
	std::string reqs = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
	                   "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	REQUIRE(::send(fd, reqs.data(), reqs.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(reqs.size()));
	std::string all = read_to_end(fd);
	auto a = all.find("/a=1;"), b = all.find("/b=2;"), c = all.find("/c=3;");
	CHECK(a != std::string::npos);
	CHECK(b != std::string::npos);
	CHECK(c != std::string::npos);
	CHECK((a < b && b < c));
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
	while (!started)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	s->server.stop(); // while the handler sleeps
	client.join();
	CHECK(result.find("finished") != std::string::npos);
	s.reset();
}

TEST_CASE(
    "net: an idle keep-alive connection closes after idle_timeout, also when it is below read_timeout") {
	// The header deadline is enforced by one timer per connection that is not re-armed per
	// request; a deadline shorter than the one it waits for must still count.
	net::ServerOptions o;
	o.read_timeout = std::chrono::seconds(20);
	o.idle_timeout = std::chrono::seconds(1);
	TestServer s([](net::Request&, net::Response& r) { r.send("ok"); }, o);
	int fd = connect_to(s.port());
	std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0);
	auto t0 = std::chrono::steady_clock::now();
	std::string resp = read_to_end(fd, 15); // the response, then the end of the connection
	auto waited = std::chrono::steady_clock::now() - t0;
	CHECK(resp.find("HTTP/1.1 200") == 0);
	CHECK(waited < std::chrono::seconds(10));
}

TEST_CASE("net: a slow request header on a kept-alive connection is cut at its deadline") {
	net::ServerOptions o;
	o.read_timeout = std::chrono::seconds(1);
	o.idle_timeout = std::chrono::seconds(2);
	std::atomic<int> handled{0};
	TestServer s([&](net::Request&, net::Response& r) { r.send(std::to_string(++handled)); }, o);
	int fd = connect_to(s.port());
	std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0);
	char buf[4096];
	REQUIRE(recv(fd, buf, sizeof buf, 0) > 0);
	// The second header trickles in, a byte every 200 ms: the connection ends within the
	// idle timeout (plus slack), not whenever the client pleases.
	auto t0 = std::chrono::steady_clock::now();
	bool cut = false;
	for (int i = 0; i < 100 && !cut; ++i) {
		if (::send(fd, "X", 1, MSG_NOSIGNAL) != 1) cut = true;
		pollfd p{fd, POLLIN, 0};
		if (poll(&p, 1, 200) > 0 && recv(fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) cut = true;
	}
	CHECK(cut);
	CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(8));
	CHECK(handled == 1);
	close(fd);
}

TEST_CASE("net: a client that disconnects is noticed while the handler runs") {
	std::atomic<bool> gone{false}, started{false};
	TestServer s([&](net::Request&, net::Response& r) {
		r.on_client_gone([&] { gone = true; });
		started = true;
		for (int i = 0; i < 300 && !gone; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		r.send("too late");
	});
	int fd = connect_to(s.port());
	std::string req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) > 0);
	while (!started)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	close(fd);
	for (int i = 0; i < 200 && !gone; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(gone);
}

namespace {

void send_get(int fd, const std::string& path) {
	std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
}

} // namespace

TEST_CASE("net: NUL and other control characters in the path are refused before any handler runs") {
	std::atomic<int> handled{0};
	TestServer s([&](net::Request&, net::Response& r) {
		++handled;
		r.send("handled");
	});
	for (const char* path : {"/data/cat.csv%00/x/info", "/a%01b", "/tap%0Async", "/x%7f", "/x%1B[31m"}) {
		auto r = get(s.port(), path);
		CHECK_MESSAGE(r.find("HTTP/1.1 400") == 0, path);
		CHECK(r.find("control characters") != std::string::npos);
	}
	CHECK(handled == 0);
	CHECK(get(s.port(), "/fine%20path").find("handled") != std::string::npos);
}

TEST_CASE("net: parked responses hold no thread and resume on wake-up, timeout or hang-up") {
	std::mutex m;
	std::vector<std::shared_ptr<net::Wakeup>> wakeups;
	std::atomic<int> resumed{0}, resumed_gone{0};
	TestServer s([&](net::Request& q, net::Response& r) {
		if (q.path == "/ping") return r.send("pong");
		auto timeout = std::chrono::milliseconds(q.path == "/short" ? 300 : 20000);
		auto w = r.park(timeout, [&, path = q.path](net::Response& res) {
			++resumed;
			if (res.client_gone()) ++resumed_gone;
			res.send("resumed " + path);
		});
		std::lock_guard lock(m);
		wakeups.push_back(w);
	});
	// Far more parked requests than the server has threads (workers = 4).
	std::vector<int> fds;
	for (int i = 0; i < 40; ++i) {
		fds.push_back(connect_to(s.port()));
		send_get(fds.back(), "/wait");
	}
	for (int i = 0; i < 500; ++i) {
		{
			std::lock_guard lock(m);
			if (wakeups.size() == 40) break;
		}
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	REQUIRE(wakeups.size() == 40);
	CHECK(get(s.port(), "/ping").find("pong") != std::string::npos);
	CHECK(resumed == 0);
	for (auto& w : wakeups)
		w->wake();
	for (int fd : fds)
		CHECK(read_to_end(fd).find("resumed /wait") != std::string::npos);
	CHECK(resumed == 40);
	wakeups[0]->wake(); // once only
	// timeout
	auto t0 = std::chrono::steady_clock::now();
	CHECK(get(s.port(), "/short").find("resumed /short") != std::string::npos);
	CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(250));
	// a client that hangs up ends its park at once
	int fd = connect_to(s.port());
	send_get(fd, "/long");
	for (int i = 0; i < 500 && wakeups.size() < 42; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	close(fd);
	for (int i = 0; i < 500 && resumed < 42; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(resumed == 42);
	CHECK(resumed_gone == 1);
}

TEST_CASE("net: a client's requests beyond max_client_requests wait for their turn without a thread") {
	net::ServerOptions o;
	o.max_client_requests = 2;
	std::atomic<int> running{0}, most{0};
	std::atomic<bool> release{false};
	TestServer s(
	    [&](net::Request& q, net::Response& r) {
		    if (q.path == "/ping") return r.send("pong");
		    int now = ++running;
		    int seen = most;
		    while (now > seen && !most.compare_exchange_weak(seen, now)) {
		    }
		    while (!release)
			    std::this_thread::sleep_for(std::chrono::milliseconds(5));
		    --running;
		    r.send("done");
	    },
	    o);
	std::vector<int> fds;
	for (int i = 0; i < 6; ++i) {
		fds.push_back(connect_from(s.port(), "127.0.0.5"));
		send_get(fds.back(), "/block");
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(300));
	CHECK(running == 2);
	// Another client address is served meanwhile (the server has 4 threads).
	int other = connect_from(s.port(), "127.0.0.6");
	send_get(other, "/ping");
	CHECK(read_to_end(other).find("pong") != std::string::npos);
	release = true;
	for (int fd : fds)
		CHECK(read_to_end(fd).find("done") != std::string::npos);
	CHECK(most == 2);
}

TEST_CASE("net: spool_when_slow lets the producer finish while the client does not read") {
	auto dir = std::filesystem::temp_directory_path();
	std::atomic<bool> produced{false};
	std::atomic<int> limit_errors{0};
	TestServer s([&](net::Request& q, net::Response& r) {
		bool small = q.path == "/small-spool";
		r.spool_when_slow(dir, small ? (1u << 20) : (64u << 20));
		auto& out = r.stream();
		std::string line(99, 'x');
		line += '\n';
		try {
			// 40 MB (more than the socket buffers of both ends hold), flushed every 1000 lines as
			// table writers do
			for (int i = 0; i < 400000; ++i) {
				out.write(line);
				if (i % 1000 == 999) out.flush();
			}
			out.write("END\n");
		} catch (const Error& e) {
			CHECK(e.kind() == ErrorKind::Limit);
			++limit_errors;
			out.write("CUT\n");
		}
		produced = true; // what a handler does when it gives its database connection back
		r.finish();
	});
	for (const char* path : {"/spool", "/small-spool"}) {
		produced = false;
		int fd = connect_to(s.port());
		send_get(fd, path);
		for (int i = 0; i < 500 && !produced; ++i)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		CHECK_MESSAGE(produced, "the producer finished although the client has read nothing yet");
		std::string got = read_to_end(fd, 30);
		if (std::string(path) == "/spool") {
			CHECK(got.find("0\r\n\r\n") == got.size() - 5);
			CHECK(got.find("END\n") != std::string::npos);
			CHECK(limit_errors == 0);
		} else {
			CHECK(got.find("CUT\n") != std::string::npos);
			CHECK(got.find("END\n") == std::string::npos);
			CHECK(limit_errors == 1);
		}
	}
}

namespace {
int process_threads() {
	FILE* f = fopen("/proc/self/status", "r");
	REQUIRE(f);
	char line[256];
	int n = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1) break;
	fclose(f);
	return n;
}
} // namespace

TEST_CASE("net: threads grown for blocking handlers leave again when no longer needed") {
	net::ServerOptions o;
	o.io_threads = 2;
	o.thread_retire = std::chrono::milliseconds(100);
	std::atomic<int> running{0};
	std::atomic<bool> release{false};
	TestServer s(
	    [&](net::Request& q, net::Response& r) {
		    if (q.path == "/ping") return r.send("pong");
		    ++running;
		    while (!release)
			    std::this_thread::sleep_for(std::chrono::milliseconds(5));
		    --running;
		    r.send("done");
	    },
	    o);
	CHECK(get(s.port(), "/ping").find("pong") != std::string::npos);
	// (a request that comes while run() starts its threads may make it grow at once)
	for (int i = 0; i < 200 && s.server.threads() > 2; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	int at_rest = process_threads();
	CHECK(s.server.threads() == 2);
	// Three handlers block: the server grows to workers (4) so that one thread stays free.
	std::vector<int> fds;
	for (int i = 0; i < 3; ++i) {
		fds.push_back(connect_to(s.port()));
		send_get(fds.back(), "/block");
	}
	for (int i = 0; i < 500 && running < 3; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	if (running != 3) release = true; // lets the server stop
	REQUIRE(running == 3);
	CHECK(s.server.threads() == 4);
	CHECK(process_threads() == at_rest + 2);
	// While they block, the threads are needed and stay.
	std::this_thread::sleep_for(std::chrono::milliseconds(400));
	CHECK(s.server.threads() == 4);
	release = true;
	for (int fd : fds)
		CHECK(read_to_end(fd).find("done") != std::string::npos);
	// Not needed any more: they leave within a few intervals, and the server still answers.
	for (int i = 0; i < 200 && process_threads() > at_rest; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(s.server.threads() == 2);
	CHECK(process_threads() == at_rest);
	CHECK(get(s.port(), "/ping").find("pong") != std::string::npos);
	// ... and the pool grows again for the next burst.
	release = false;
	fds.clear();
	for (int i = 0; i < 3; ++i) {
		fds.push_back(connect_to(s.port()));
		send_get(fds.back(), "/block");
	}
	for (int i = 0; i < 500 && running < 3; ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	CHECK(running == 3);
	CHECK(s.server.threads() == 4);
	release = true;
	for (int fd : fds)
		CHECK(read_to_end(fd).find("done") != std::string::npos);
}
