// The HTTP transport: Boost.Beast sessions on per-connection strands, handlers on a
// worker pool.  A worker talks to its session only by posting small operations to the
// session's strand and waiting for their completion, so Beast objects are touched by
// one thread at a time and memory per connection is bounded by one or two buffers.
#include "meles/core/net/http.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>

#include <atomic>
#include <limits>
#include <future>
#include <mutex>
#include <set>
#include <thread>

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace meles::net {

// ------------------------------------------------------------------ Request/Response bits

std::string_view Request::header(std::string_view name) const {
	for (auto& h : headers)
		if (iequals(h.name, name)) return h.value;
	return {};
}

std::string Request::read_body(size_t limit) {
	std::string out;
	if (content_length && *content_length > limit)
		throw Error(ErrorKind::Limit, concat("request body of ", std::to_string(*content_length),
		                                     " bytes exceeds the limit of ", std::to_string(limit), " bytes"));
	if (content_length) out.reserve(static_cast<size_t>(*content_length));
	char buf[64 * 1024];
	for (;;) {
		size_t n = read_body_some(buf, sizeof buf);
		if (n == 0) break;
		if (out.size() + n > limit)
			throw Error(ErrorKind::Limit, concat("request body exceeds the limit of ", std::to_string(limit), " bytes"));
		out.append(buf, n);
	}
	return out;
}

size_t Request::read_body_some(char* buf, size_t n) {
	if (body_done_ || !body_source) return 0;
	size_t got = body_source->read_some(buf, n);
	if (got == 0) body_done_ = true;
	return got;
}

void Response::set_header(std::string_view name, std::string_view value) {
	for (auto& h : headers_)
		if (iequals(h.name, name)) {
			h.value = std::string(value);
			return;
		}
	headers_.push_back({std::string(name), std::string(value)});
}

// ------------------------------------------------------------------ server internals

namespace {

std::string http_date() {
	char buf[64];
	std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

}  // namespace

class Session;

struct Server::Impl {
	ServerOptions options;
	Handler handler;
	asio::io_context ioc;
	tcp::acceptor acceptor;
	asio::thread_pool workers;
	asio::signal_set signals;
	std::atomic<size_t> active{0};
	std::atomic<bool> stopping{false};
	std::function<void()>* on_reload = nullptr;
	std::mutex sessions_mutex;
	std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;
	std::unique_ptr<asio::steady_timer> shutdown_timer;
	std::chrono::steady_clock::time_point shutdown_started;

	Impl(ServerOptions o, Handler h)
	    : options(std::move(o)), handler(std::move(h)), ioc(options.io_threads), acceptor(asio::make_strand(ioc)),
	      workers(static_cast<size_t>(options.workers)), signals(ioc) {}

	void do_accept();
	void begin_shutdown();
	void poll_shutdown();
};

class Session : public std::enable_shared_from_this<Session>, public BodySource {
public:
	Session(tcp::socket&& socket, Server::Impl& srv) : srv_(srv), stream_(std::move(socket)) {
		beast::error_code ec;
		auto ep = stream_.socket().remote_endpoint(ec);
		remote_ = ec ? std::string("?") : ep.address().to_string();
	}

	void start() {
		asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::do_read_header, shared_from_this()));
	}

	// Called on shutdown: drop the connection if it is waiting idly for a next request.
	void close_if_idle() {
		asio::post(stream_.get_executor(), [self = shared_from_this()] {
			if (self->idle_) {
				beast::error_code ec;
				self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
				self->stream_.close();
			}
		});
	}

	// ---- used from the worker thread --------------------------------------------------

	// Runs `op(done)` on the strand and waits until it calls done(ec).
	template <class Op>
	beast::error_code run_on_strand(Op&& op) {
		std::promise<beast::error_code> p;
		auto fut = p.get_future();
		asio::post(stream_.get_executor(), [&, self = shared_from_this()]() mutable {
			op([&p](beast::error_code ec) { p.set_value(ec); });
		});
		return fut.get();
	}

	size_t read_some(char* buf, size_t n) override {
		if (body_finished_) return 0;
		if (expect_continue_ && !continue_sent_) {
			continue_sent_ = true;
			static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
			auto ec = run_on_strand([&](auto done) {
				stream_.expires_after(srv_.options.write_timeout);
				asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
				                  [done](beast::error_code e, size_t) { done(e); });
			});
			if (ec) throw Error(ErrorKind::Io, concat("client went away: ", ec.message()));
		}
		size_t got = 0;
		auto ec = run_on_strand([&](auto done) {
			if (parser_->is_done()) {
				body_finished_ = true;
				// The body is in: from now on a read on the socket only tells whether the
				// client hung up (which cancels e.g. a running query).
				if (!watching_) start_disconnect_watch();
				done({});
				return;
			}
			parser_->get().body().data = buf;
			parser_->get().body().size = n;
			stream_.expires_after(srv_.options.read_timeout);
			http::async_read_some(stream_, buffer_, *parser_, [this, n, &got, done](beast::error_code e, size_t) {
				if (e == http::error::need_buffer) e = {};
				got = n - parser_->get().body().size;
				if (!e && parser_->is_done() && got == 0) body_finished_ = true;
				done(e);
			});
		});
		if (ec) {
			if (ec == http::error::body_limit) throw Error(ErrorKind::Limit, "request body too large");
			throw Error(ErrorKind::Io, concat("reading the request body failed: ", ec.message()));
		}
		if (got == 0 && !body_finished_) {
			// A read that delivered only framing (chunk headers); try again.
			return read_some(buf, n);
		}
		return got;
	}

	class Writer;

private:
	friend class Writer;

	void do_read_header() {
		if (srv_.stopping) {
			do_close();
			return;
		}
		parser_.emplace();
		parser_->header_limit(static_cast<std::uint32_t>(srv_.options.header_limit));
		// Not boost::none: Boost 1.74 compares the length against the optional and treats
		// "none" as smaller than any length.  Routes enforce their own limits.
		parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
		stream_.expires_after(first_ ? srv_.options.read_timeout : srv_.options.idle_timeout);
		idle_ = !first_;
		http::async_read_header(stream_, buffer_, *parser_,
		                        beast::bind_front_handler(&Session::on_header, shared_from_this()));
	}

	void on_header(beast::error_code ec, size_t) {
		idle_ = false;
		first_ = false;
		if (ec) {
			if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
			    ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
			    ec == asio::error::bad_descriptor) {
				do_close();
				return;
			}
			int status = ec == http::error::header_limit ? 431 : 400;
			send_plain_error(status, concat("Malformed HTTP request: ", ec.message(), "\n"));
			return;
		}
		auto& msg = parser_->get();
		auto req = std::make_shared<Request>();
		req->method = std::string(msg.method_string());
		req->target = std::string(msg.target());
		auto q = req->target.find('?');
		req->path = url_decode(std::string_view(req->target).substr(0, q));
		// url_decode turns '+' into a blank, which is right for queries but not for paths.
		{
			std::string raw = req->target.substr(0, q), path;
			for (size_t i = 0; i < raw.size(); ++i) {
				if (raw[i] == '%' && i + 2 < raw.size()) {
					path += url_decode(raw.substr(i, 3));
					i += 2;
				} else {
					path += raw[i];
				}
			}
			req->path = path;
		}
		if (q != std::string::npos) req->query = req->target.substr(q + 1);
		req->remote = remote_;
		for (auto& f : msg) req->headers.push_back({std::string(f.name_string()), std::string(f.value())});
		if (auto cl = parser_->content_length()) req->content_length = *cl;
		req->chunked = parser_->chunked();
		req->body_source = this;
		keep_alive_ = msg.keep_alive();
		head_ = msg.method() == http::verb::head;
		expect_continue_ = iequals(std::string(msg[http::field::expect]), "100-continue");
		continue_sent_ = false;
		body_finished_ = parser_->is_done();
		started_ = std::chrono::steady_clock::now();
		++srv_.active;
		if (!req->has_body()) start_disconnect_watch();
		asio::post(srv_.workers, [self = shared_from_this(), req] { self->run_handler(*req); });
	}

	// Reads ahead on the raw socket while the handler runs, to learn early that the client
	// has gone (then the handler's on_client_gone callback cancels e.g. a database query).
	// Bytes that arrive (a pipelined request) are kept in buffer_ for the next parse.
	void start_disconnect_watch() {
		watching_ = true;
		auto mb = buffer_.prepare(4096);
		stream_.socket().async_read_some(
		    mb, asio::bind_executor(stream_.get_executor(), [self = shared_from_this()](beast::error_code ec, size_t n) {
			    self->watching_ = false;
			    if (!ec) {
				    self->buffer_.commit(n);
			    } else if (ec != asio::error::operation_aborted) {
				    self->gone_ = true;
				    std::function<void()> cb;
				    {
					    std::lock_guard lock(self->gone_mutex_);
					    cb = self->gone_callback_;
				    }
				    if (cb && self->handler_running_) cb();
			    }
			    if (self->resume_after_watch_) {
				    self->resume_after_watch_ = false;
				    self->after_response();
			    }
		    }));
	}

	void run_handler(Request& req);

	// On the strand, after a response was completely written.
	void after_response() {
		// A response cut short (handler failed after the headers went out) must end the
		// connection now: the client is still waiting for the rest of it.
		if (gone_) {
			do_close();
			return;
		}
		if (watching_) {
			resume_after_watch_ = true;
			return;
		}
		if (!keep_alive_ || srv_.stopping) {
			do_close();
			return;
		}
		do_read_header();
	}

	void send_plain_error(int status, std::string text) {
		auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
		res->set(http::field::server, srv_.options.server_name);
		res->set(http::field::content_type, "text/plain; charset=utf-8");
		res->keep_alive(false);
		res->body() = std::move(text);
		res->prepare_payload();
		stream_.expires_after(srv_.options.write_timeout);
		http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) { self->do_close(); });
	}

	void do_close() {
		beast::error_code ec;
		stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
		stream_.close();
	}

	Server::Impl& srv_;
	beast::tcp_stream stream_;
	beast::flat_buffer buffer_;
	std::optional<http::request_parser<http::buffer_body>> parser_;
	std::string remote_;
	bool first_ = true, idle_ = false, keep_alive_ = true, head_ = false;
	bool expect_continue_ = false, continue_sent_ = false, body_finished_ = false;
	bool watching_ = false, resume_after_watch_ = false;
	std::atomic<bool> gone_{false};
	std::atomic<bool> handler_running_{false};
	std::mutex gone_mutex_;
	std::function<void()> gone_callback_;
	std::chrono::steady_clock::time_point started_;
};

// The Response the handler sees; lives on the worker thread for one request.
class Session::Writer final : public Response, public ByteSink {
public:
	Writer(Session& s, const Request& req) : s_(s), req_(req) {}

	void send(std::string body) override {
		if (done_) throw Error(ErrorKind::Internal, "response already sent");
		done_ = true;
		bytes_ = body.size();
		auto ec = s_.run_on_strand([&](auto done) {
			auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status_), 11);
			apply_headers(*res);
			res->body() = std::move(body);
			res->prepare_payload();
			if (s_.head_) res->body().clear();  // Content-Length stays that of the GET
			headers_sent_ = true;
			s_.stream_.expires_after(s_.srv_.options.write_timeout);
			if (s_.head_) {
				auto sr = std::make_shared<http::response_serializer<http::string_body>>(*res);
				http::async_write_header(s_.stream_, *sr, [res, sr, done](beast::error_code e, size_t) { done(e); });
			} else {
				http::async_write(s_.stream_, *res, [res, done](beast::error_code e, size_t) { done(e); });
			}
		});
		if (ec) s_.gone_ = true;
	}

	ByteSink& stream() override {
		if (done_ || streaming_) throw Error(ErrorKind::Internal, "response already started");
		streaming_ = true;
		res_.result(static_cast<http::status>(status_));
		res_.version(11);
		apply_headers(res_);
		res_.chunked(true);
		res_.body().data = nullptr;
		res_.body().more = true;
		sr_.emplace(res_);
		buf_.reserve(s_.srv_.options.stream_buffer);
		return *this;
	}

	// ByteSink
	void write(std::string_view data) override {
		if (!streaming_) throw Error(ErrorKind::Internal, "write before stream()");
		if (s_.gone_) throw Error(ErrorKind::Io, "client went away");
		while (!data.empty()) {
			size_t room = s_.srv_.options.stream_buffer - buf_.size();
			size_t take = std::min(room, data.size());
			buf_.append(data.data(), take);
			data.remove_prefix(take);
			if (buf_.size() >= s_.srv_.options.stream_buffer) push(false);
		}
	}
	void flush() override {
		if (streaming_ && !buf_.empty()) push(false);
		else if (streaming_ && !headers_sent_) push(false);
	}

	void finish() override {
		if (done_) return;
		if (!streaming_) {
			send("");
			return;
		}
		if (!buf_.empty() || !headers_sent_) push(false);
		push(true);
		done_ = true;
	}

	bool headers_sent() const override { return headers_sent_; }
	bool client_gone() const override { return s_.gone_; }
	void on_client_gone(std::function<void()> cb) override {
		{
			std::lock_guard lock(s_.gone_mutex_);
			s_.gone_callback_ = cb;
		}
		if (cb && s_.gone_) cb();
	}
	bool finished() const { return done_; }
	size_t bytes() const { return bytes_; }

private:
	template <class Msg>
	void apply_headers(Msg& m) {
		m.set(http::field::server, s_.srv_.options.server_name);
		m.set(http::field::date, http_date());
		for (auto& h : headers_) m.set(h.name, h.value);
		bool ka = s_.keep_alive_ && !close_ && !s_.srv_.stopping;
		// An unread request body would be parsed as the next request: close instead.
		if (req_.has_body() && !s_.body_finished_ && !req_.body_consumed()) ka = false;
		m.keep_alive(ka);
		s_.keep_alive_ = ka;
	}

	// Sends the buffered bytes as one chunk (or the last, empty chunk) and waits.
	void push(bool last) {
		std::string chunk;
		chunk.swap(buf_);
		buf_.reserve(s_.srv_.options.stream_buffer);
		bytes_ += chunk.size();
		auto ec = s_.run_on_strand([&](auto done) {
			s_.stream_.expires_after(s_.srv_.options.write_timeout);
			auto after_header = [this, &chunk, last, done](beast::error_code e) {
				if (e) return done(e);
				if (last) {
					res_.body().data = nullptr;
					res_.body().size = 0;
					res_.body().more = false;
				} else {
					if (chunk.empty()) return done({});
					res_.body().data = chunk.data();
					res_.body().size = chunk.size();
					res_.body().more = true;
				}
				http::async_write(s_.stream_, *sr_, [done](beast::error_code e2, size_t) {
					if (e2 == http::error::need_buffer) e2 = {};
					done(e2);
				});
			};
			if (!headers_sent_) {
				headers_sent_ = true;
				http::async_write_header(s_.stream_, *sr_, [after_header](beast::error_code e, size_t) { after_header(e); });
			} else {
				after_header({});
			}
		});
		if (ec) {
			s_.gone_ = true;
			done_ = true;
			throw Error(ErrorKind::Io, concat("client went away: ", ec.message()));
		}
	}

	Session& s_;
	const Request& req_;
	bool done_ = false, streaming_ = false;
	std::atomic<bool> headers_sent_{false};
	size_t bytes_ = 0;
	http::response<http::buffer_body> res_;
	std::optional<http::response_serializer<http::buffer_body>> sr_;
	std::string buf_;
};

void Session::run_handler(Request& req) {
	Writer w(*this, req);
	handler_running_ = true;
	try {
		srv_.handler(req, w);
		if (!w.finished()) w.finish();
	} catch (const std::exception& e) {
		if (!gone_) log::error(concat("unhandled error for ", req.method, " ", req.target, ": ", e.what()));
		if (!w.headers_sent() && !gone_) {
			try {
				Writer& ww = w;
				ww.set_status(500);
				ww.close_after();
				ww.set_header("Content-Type", "text/plain; charset=utf-8");
				ww.send("Internal server error; the operators can find details in the log.\n");
			} catch (...) {
			}
		} else {
			// Headers are out: the only honest signal left is to cut the connection.
			gone_ = true;
		}
	}
	handler_running_ = false;
	{
		std::lock_guard lock(gone_mutex_);
		gone_callback_ = nullptr;
	}
	auto ms = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_).count();
	log::access(concat(req.remote, " \"", req.method, " ", req.target, "\" ", std::to_string(w.status()), " ",
	                   std::to_string(w.bytes()), " ", std::to_string(ms / 1000), ".", std::to_string(ms % 1000 / 100),
	                   "ms", gone_ ? " (client gone)" : ""));
	--srv_.active;
	asio::post(stream_.get_executor(), [self = shared_from_this()] { self->after_response(); });
}

// ------------------------------------------------------------------ Server

void Server::Impl::do_accept() {
	acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
		if (ec) {
			if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
			log::warn(concat("accept failed: ", ec.message()));
		} else {
			socket.set_option(tcp::no_delay(true), ec);
			auto s = std::make_shared<Session>(std::move(socket), *this);
			{
				std::lock_guard lock(sessions_mutex);
				for (auto it = sessions.begin(); it != sessions.end();) it = it->expired() ? sessions.erase(it) : ++it;
				sessions.insert(s);
			}
			s->start();
		}
		if (!stopping) do_accept();
	});
}

void Server::Impl::begin_shutdown() {
	if (stopping.exchange(true)) return;
	log::info("shutting down: no new connections; waiting for running requests");
	beast::error_code ec;
	acceptor.close(ec);
	{
		std::lock_guard lock(sessions_mutex);
		for (auto& w : sessions)
			if (auto s = w.lock()) s->close_if_idle();
	}
	shutdown_started = std::chrono::steady_clock::now();
	shutdown_timer = std::make_unique<asio::steady_timer>(ioc);
	poll_shutdown();
}

void Server::Impl::poll_shutdown() {
	bool grace_over = std::chrono::steady_clock::now() - shutdown_started > options.shutdown_grace;
	if (active == 0 || grace_over) {
		if (active) log::warn(concat("shutdown grace period over; abandoning ", std::to_string(active.load()), " requests"));
		ioc.stop();
		return;
	}
	shutdown_timer->expires_after(std::chrono::milliseconds(50));
	shutdown_timer->async_wait([this](beast::error_code) { poll_shutdown(); });
}

Server::Server(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
	impl_->on_reload = &on_reload;
}

Server::~Server() {
	impl_->ioc.stop();
	impl_->workers.join();
}

void Server::listen() {
	auto& o = impl_->options;
	beast::error_code ec;
	auto addr = asio::ip::make_address(o.address, ec);
	if (ec) throw Error(ErrorKind::Validation, concat("bad listen address '", o.address, "': ", ec.message()));
	tcp::endpoint ep(addr, o.port);
	auto& a = impl_->acceptor;
	a.open(ep.protocol(), ec);
	if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
	if (!ec) a.bind(ep, ec);
	if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
	if (ec)
		throw Error(ErrorKind::Io,
		            concat("cannot listen on ", o.address, ":", std::to_string(o.port), ": ", ec.message()));
}

uint16_t Server::port() const {
	beast::error_code ec;
	auto ep = impl_->acceptor.local_endpoint(ec);
	return ec ? 0 : ep.port();
}

size_t Server::active_requests() const { return impl_->active; }

void Server::run() {
	auto& im = *impl_;
	im.signals.add(SIGINT);
	im.signals.add(SIGTERM);
	im.signals.add(SIGHUP);
	std::function<void(beast::error_code, int)> on_signal = [&](beast::error_code ec, int sig) {
		if (ec) return;
		if (sig == SIGHUP) {
			log::info("SIGHUP: reloading");
			if (on_reload) {
				asio::post(im.workers, [this] {
					try {
						on_reload();
					} catch (const std::exception& e) {
						log::error(concat("reload failed: ", e.what()));
					}
				});
			}
			im.signals.async_wait(on_signal);
			return;
		}
		im.begin_shutdown();
	};
	im.signals.async_wait(on_signal);
	im.do_accept();
	std::vector<std::thread> threads;
	for (int i = 1; i < im.options.io_threads; ++i) threads.emplace_back([&] { im.ioc.run(); });
	im.ioc.run();
	for (auto& t : threads) t.join();
	im.workers.join();
}

void Server::stop() {
	asio::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

}  // namespace meles::net
