// meles/core/net/http.hpp — the HTTP server as protocol code sees it.
//
// The transport (core/src/net, the only Beast/Asio user) knows nothing of VO protocols:
// it parses requests, runs the Handler on one of its threads (handlers may block, e.g. on
// the database; each occupies a thread meanwhile), and carries the Handler's Response back
// — either whole (Content-Length) or streamed in chunks with backpressure.  Request bodies
// can be read whole (with a limit) or streamed, so multi-gigabyte uploads need constant
// memory.  A handler that has to wait for an event (UWS's WAIT) parks its response instead
// of blocking: no thread is held until the event or the timeout resumes it.
// Thread-safety: a Request/Response pair belongs to the thread running the handler (or the
// resumption of a parked one); Response::on_client_gone callbacks run on the transport's
// watcher thread; Wakeup::wake may be called from any thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
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
	std::string method; // upper case: GET, POST, PUT, DELETE, HEAD, ...
	std::string target; // as sent: "/tap/sync?QUERY=..."
	std::string path;   // percent-decoded path without the query
	std::string query;  // raw query string (without '?')
	std::string remote; // client IP address
	std::vector<Header> headers;
	std::optional<uint64_t> content_length; // from the header, when given
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

// Resumes a parked response (see Response::park).  Calling it more than once, or after the
// park has ended (timeout, client gone), does nothing.
class Wakeup {
public:
	virtual ~Wakeup() = default;
	virtual void wake() = 0;
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
	// Sends `length` bytes of the open file `fd` from `offset` as the whole body (Content-Length,
	// not chunked), with sendfile(2): no copy through user space and flat memory whatever the
	// file's size; a client stalling longer than the write timeout ends it (Error(Io)).  The
	// file must not shrink meanwhile: then the connection is closed (the length was promised).
	// For HEAD, only the headers go out.  Only before anything was sent.
	virtual void send_file(int fd, uint64_t offset, uint64_t length) = 0;
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
	// Parks the response: the handler returns without answering and its thread goes back to
	// the event loop; the connection then waits (holding no thread) until the returned
	// Wakeup is called, `timeout` passes, the client hangs up or the server shuts down.
	// Then `resume` runs, exactly once, on a transport thread like a handler (it may park
	// again) and answers; errors it throws become a plain 500.  Only before anything was sent.
	virtual std::shared_ptr<Wakeup> park(std::chrono::milliseconds timeout,
	                                     std::function<void(Response&)> resume) = 0;
	// For producers holding something precious while they stream (a database connection):
	// from now on, what the client does not take at once goes to a temporary file in `dir`
	// and is sent from there (while streaming and, the rest, by finish() — which the handler
	// calls after letting go of the connection).  A slow reader then costs disk, not a
	// connection.  Once more than `max_bytes` wait, flush() throws Error(Limit) (at a row
	// boundary of a table writer, so the error can still go in-band).
	virtual void spool_when_slow(const std::filesystem::path& dir, uint64_t max_bytes) = 0;
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
	uint16_t port = 8080; // 0: pick a free port (see Server::port())
	int io_threads = 2;   // the larger of io_threads and workers threads run the server
	int workers = 32;
	std::chrono::seconds read_timeout{30};
	std::chrono::seconds idle_timeout{60};
	std::chrono::seconds write_timeout{300};
	std::chrono::seconds shutdown_grace{30};
	size_t header_limit = 64 * 1024;
	size_t stream_buffer = 64 * 1024; // chunk size of streamed responses
	// Requests of one client address handled at once; further ones wait (holding no thread)
	// until one of them ends, so that one client cannot take every thread.  0: no limit.
	int max_client_requests = 0;
	// How often threads beyond io_threads that the last interval did not need leave again
	// (0: never).
	std::chrono::milliseconds thread_retire{5000};
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
	// Threads running the event loop (and handlers) right now.
	int threads() const;

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

} // namespace meles::net
