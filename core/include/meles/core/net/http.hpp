// meles/core/net/http.hpp — the HTTP server as protocol code sees it.
//
// The transport (core/src/net, the only Beast/Asio user) knows nothing of VO protocols:
// it parses requests, runs the Handler on one of its threads (handlers may block, e.g. on
// the database; each occupies a thread meanwhile), and carries the Handler's Response back
// — either whole (Content-Length) or streamed in chunks with backpressure.  Request bodies
// can be read whole (with a limit) or streamed, so multi-gigabyte uploads need constant
// memory.
// Thread-safety: a Request/Response pair belongs to the thread running the handler;
// Response::on_client_gone callbacks run on the transport's watcher thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::net {

struct Header {
	std::string name;
	std::string value;
};

// Supplied by the transport: pulls request body bytes from the connection.
class BodySource {
public:
	virtual ~BodySource() = default;
	// Reads up to n bytes; returns 0 at the end of the body.  Throws Error(Io) on
	// disconnect/timeout.
	virtual size_t read_some(char* buf, size_t n) = 0;
};

class Request {
public:
	std::string method;  // upper case: GET, POST, PUT, DELETE, HEAD, ...
	std::string target;  // as sent: "/tap/sync?QUERY=..."
	std::string path;    // percent-decoded path without the query
	std::string query;   // raw query string (without '?')
	std::string remote;  // client IP address
	std::vector<Header> headers;
	std::optional<uint64_t> content_length;  // from the header, when given
	bool chunked = false;
	// Set by the application after authentication; empty for anonymous requests.
	std::string user;

	// Case-insensitive header lookup; "" when absent.
	std::string_view header(std::string_view name) const;
	bool has_body() const { return chunked || (content_length && *content_length > 0); }

	// Whole body; throws Error(Limit) naming the limit when the body is larger.
	std::string read_body(size_t limit);
	// Streaming: up to n bytes, 0 at the end.
	size_t read_body_some(char* buf, size_t n);
	bool body_consumed() const { return body_done_; }

	// Set by the transport.
	BodySource* body_source = nullptr;

private:
	bool body_done_ = false;
};

class Response {
public:
	virtual ~Response() = default;

	void set_status(int status) { status_ = status; }
	int status() const { return status_; }
	// Replaces a header of that name (case-insensitive); call before sending.
	void set_header(std::string_view name, std::string_view value);
	const std::vector<Header>& headers() const { return headers_; }

	// Sends the whole response (status, headers, body with Content-Length).  Allowed after
	// stream() as long as nothing has been flushed yet: the buffered stream is discarded
	// (this is how an error found before the first row becomes a proper error response).
	virtual void send(std::string body) = 0;
	// Starts a streamed (chunked) response; headers go out with the first flush.  Write
	// the body into the returned sink, then call finish().  Writes block while the client
	// is slow (bounded memory) and throw Error(Io) once it has gone.
	virtual ByteSink& stream() = 0;
	virtual void finish() = 0;
	// True once the status line and headers have gone out (errors must then be in-band).
	virtual bool headers_sent() const = 0;
	virtual bool client_gone() const = 0;
	// Called (on an I/O thread) if the client disconnects while the handler runs, e.g.
	// to cancel a database query.  Replaces an earlier callback; pass {} to clear.
	virtual void on_client_gone(std::function<void()> callback) = 0;
	// Close the connection after this response (no keep-alive).
	void close_after() { close_ = true; }
	bool closes() const { return close_; }

protected:
	int status_ = 200;
	std::vector<Header> headers_;
	bool close_ = false;
};

using Handler = std::function<void(Request&, Response&)>;

struct ServerOptions {
	std::string address = "127.0.0.1";
	uint16_t port = 8080;  // 0: pick a free port (see Server::port())
	int io_threads = 2;  // the larger of io_threads and workers threads run the server
	int workers = 32;
	std::chrono::seconds read_timeout{30};
	std::chrono::seconds idle_timeout{60};
	std::chrono::seconds write_timeout{300};
	std::chrono::seconds shutdown_grace{30};
	size_t header_limit = 64 * 1024;
	size_t stream_buffer = 64 * 1024;  // chunk size of streamed responses
	std::string server_name = "Meles";
};

class Server {
public:
	Server(ServerOptions options, Handler handler);
	~Server();
	Server(const Server&) = delete;
	Server& operator=(const Server&) = delete;

	// Binds and listens; throws Error(Io) "cannot listen on ADDR:PORT: reason".
	void listen();
	uint16_t port() const;
	// Runs until stop() or SIGTERM/SIGINT (graceful: running requests finish, up to
	// shutdown_grace).  SIGHUP calls on_reload.
	void run();
	void stop();
	std::function<void()> on_reload;
	// Requests being handled right now.
	size_t active_requests() const;

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

}  // namespace meles::net
