// The HTTP transport.
//
// Idle connections wait for their next request asynchronously (one Beast header read and a
// timer per connection, on the connection's strand).  A request's handler then runs on the
// event-loop thread that read the header, outside the strand: it may block on the database,
// and it writes its response and reads its body synchronously on the socket, with poll()
// enforcing the write and read timeouts.  No thread hand-off per request (the expensive part
// of a small request on a two-core machine): the handler is deferred to the reading thread's
// own queue, and a keep-alive client's next request, when already there, is read on the
// same thread right after the response.  A handler blocked on a slow query occupies one of
// the [web] workers threads, the others go on serving.  A watcher thread notices clients
// that disconnect while their handler runs (epoll on EPOLLRDHUP) so that queries get cancelled.
#include "meles/core/net/http.hpp"
#include "meles/core/net/http_date.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

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
		throw Error(ErrorKind::Limit,
		            concat("request body of ", std::to_string(*content_length),
		                   " bytes exceeds the limit of ", std::to_string(limit), " bytes"));
	if (content_length) out.reserve(static_cast<size_t>(*content_length));
	char buf[64 * 1024];
	for (;;) {
		size_t n = read_body_some(buf, sizeof buf);
		if (n == 0) break;
		if (out.size() + n > limit)
			throw Error(ErrorKind::Limit,
			            concat("request body exceeds the limit of ", std::to_string(limit), " bytes"));
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

std::string http_date(std::time_t t) {
	char buf[64];
	std::tm tm{};
	gmtime_r(&t, &tm);
	std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

namespace {

const char* reason_phrase(int status) {
	auto r = http::obsolete_reason(static_cast<http::status>(status));
	return r.empty() ? "Status" : r.data();
}

// Waits until fd is ready for `events` or the timeout passes; false on timeout.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
	pollfd p{fd, events, 0};
	for (;;) {
		int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
		if (r > 0) return true;
		if (r == 0) return false;
		if (errno != EINTR) return true; // let the following call report the error
	}
}

} // namespace

class Session;

// Notices clients that go away while their handler runs: one epoll set, one thread.
// A watch reaches epoll only once it is `delay` old: most requests end sooner, and their
// watches then cost no system call (registering and removing every request's socket, with
// the wake-ups around it, was a measurable part of a small request).  A client that hung up
// before its watch was registered is reported all the same: epoll reports a pending hang-up
// when the socket is added.  While watches come and go the thread ticks every `delay`; after
// `linger` without any it sleeps until add() wakes it.
class DisconnectWatcher {
public:
	static constexpr std::chrono::milliseconds delay{20};
	static constexpr std::chrono::seconds linger{2};

	DisconnectWatcher() {
		epfd_ = epoll_create1(EPOLL_CLOEXEC);
		wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		epoll_event ev{};
		ev.events = EPOLLIN;
		ev.data.u64 = 0;
		epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_, &ev);
		thread_ = std::thread([this] { run(); });
	}
	~DisconnectWatcher() {
		stop_ = true;
		wake();
		thread_.join();
		close(wake_);
		close(epfd_);
	}
	// Watches fd until remove(); calls cb (on the watcher thread) once when the peer hangs up.
	uint64_t add(int fd, std::function<void()> cb) {
		bool wake_thread = false;
		uint64_t key;
		{
			std::lock_guard lock(mutex_);
			key = ++next_;
			auto now = Clock::now();
			watches_.emplace(key, Watch{fd, std::move(cb), false});
			pending_.emplace_back(now, key);
			last_add_ = now;
			wake_thread = std::exchange(sleeping_, false);
		}
		if (wake_thread) wake();
		return key;
	}
	void remove(uint64_t key) {
		std::lock_guard lock(mutex_);
		auto it = watches_.find(key);
		if (it == watches_.end()) return;
		if (it->second.registered) epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
		watches_.erase(it); // a pending one leaves pending_ when its time comes
	}

private:
	using Clock = std::chrono::steady_clock;
	struct Watch {
		int fd;
		std::function<void()> cb;
		bool registered;
	};

	void wake() {
		uint64_t one = 1;
		if (::write(wake_, &one, sizeof one) < 0) { /* a wake-up is pending already */
		}
	}

	void run() {
		epoll_event evs[64];
		while (!stop_) {
			int n = epoll_wait(epfd_, evs, 64, register_due());
			for (int i = 0; i < n; ++i) {
				if (evs[i].data.u64 == 0) {
					uint64_t v;
					if (::read(wake_, &v, sizeof v) < 0) { /* nothing to reset */
					}
					continue;
				}
				std::function<void()> cb;
				{
					std::lock_guard lock(mutex_);
					auto it = watches_.find(evs[i].data.u64);
					if (it == watches_.end()) continue;
					cb = std::move(it->second.cb);
					epoll_ctl(epfd_, EPOLL_CTL_DEL, it->second.fd, nullptr);
					watches_.erase(it);
				}
				if (cb) cb();
			}
		}
	}

	// Registers the watches that are old enough; returns the epoll_wait timeout in ms.
	int register_due() {
		std::lock_guard lock(mutex_);
		auto now = Clock::now();
		while (!pending_.empty()) {
			auto [added, key] = pending_.front();
			if (now - added < delay)
				return static_cast<int>(
				           std::chrono::duration_cast<std::chrono::milliseconds>(delay - (now - added))
				               .count()) +
				       1;
			pending_.pop_front();
			auto it = watches_.find(key);
			if (it == watches_.end()) continue; // removed: its request ended in time
			epoll_event ev{};
			ev.events = EPOLLRDHUP | EPOLLHUP | EPOLLERR | EPOLLONESHOT;
			ev.data.u64 = key;
			if (epoll_ctl(epfd_, EPOLL_CTL_ADD, it->second.fd, &ev) != 0)
				watches_.erase(it);
			else
				it->second.registered = true;
		}
		if (now - last_add_ < linger) return static_cast<int>(delay.count());
		sleeping_ = true;
		return -1;
	}

	int epfd_ = -1, wake_ = -1;
	std::atomic<bool> stop_{false};
	std::thread thread_;
	std::mutex mutex_;
	uint64_t next_ = 0;
	std::unordered_map<uint64_t, Watch> watches_;
	std::deque<std::pair<Clock::time_point, uint64_t>> pending_; // in the order added
	Clock::time_point last_add_{};
	bool sleeping_ = false;
};

struct Server::Impl {
	ServerOptions options;
	Handler handler;
	asio::io_context ioc;
	tcp::acceptor acceptor;
	asio::signal_set signals;
	std::atomic<size_t> active{0};
	std::atomic<bool> stopping{false};
	std::function<void()>* on_reload = nullptr;
	std::mutex sessions_mutex;
	std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions;
	std::unique_ptr<asio::steady_timer> shutdown_timer;
	std::chrono::steady_clock::time_point shutdown_started;
	std::unique_ptr<DisconnectWatcher> watcher;
	// Threads running the event loop.  They start as io_threads and grow (up to workers)
	// whenever all but one are busy in handlers, so a slow query or a long WAIT never stops
	// the server from accepting and serving other requests, while a quiet server keeps few
	// threads (idle threads cost wake-ups on every request).  Every thread_retire, threads
	// beyond what the last interval needed leave again: a burst (two hundred slow uploads,
	// WAITs queueing for the bookkeeping connections) would otherwise keep its threads, their
	// stacks and malloc arenas for good.
	std::mutex threads_mutex;
	std::vector<std::thread> threads;
	std::atomic<int> thread_count{0};
	std::atomic<int> in_handlers{0};
	std::atomic<int> peak_busy{0};     // most handlers at once since the last check
	std::atomic<int> retire_wanted{0}; // threads asked to leave
	std::atomic<uint64_t> handled{0};  // handlers started, for trim_memory
	uint64_t trimmed_at = 0;
	std::unique_ptr<asio::steady_timer> spare_timer;
	// Per client address: requests in handlers now, and those waiting for their turn
	// (options.max_client_requests).  Parked responses hold no turn.
	struct ClientTurns {
		int running = 0;
		std::deque<std::pair<std::shared_ptr<Session>, bool>> waiting; // (session, resume)
	};
	std::mutex clients_mutex;
	std::unordered_map<std::string, ClientTurns> clients;
	std::unique_ptr<asio::steady_timer> accept_backoff;

	Impl(ServerOptions o, Handler h)
	    : options(std::move(o)), handler(std::move(h)), ioc(std::max(1, options.io_threads)),
	      acceptor(asio::make_strand(ioc)), signals(ioc) {}

	void add_thread() {
		std::lock_guard lock(threads_mutex);
		start_thread();
	}
	void start_thread() { // under threads_mutex
		++thread_count;
		threads.emplace_back([this] { run_loop(); });
	}
	// The loop of every thread but run()'s own: one handler at a time, then leave if asked to.
	void run_loop() {
		while (!ioc.stopped()) {
			ioc.run_one();
			if (retire_wanted.load() <= 0) continue;
			std::lock_guard lock(threads_mutex);
			// One thread must stay free for the event loop, whatever starts meanwhile: handler
			// starts count themselves under the same lock (ensure_spare_thread).
			if (retire_wanted.load() <= 0 ||
			    thread_count.load() <= std::max(options.io_threads, in_handlers.load() + 1))
				continue;
			--retire_wanted;
			--thread_count;
			// Detached, the thread's stack goes back as it ends (a joinable one would keep it).
			for (auto it = threads.begin(); it != threads.end(); ++it)
				if (it->get_id() == std::this_thread::get_id()) {
					it->detach();
					threads.erase(it);
					break;
				}
			return;
		}
	}
	// Called before a handler starts: keep one thread free for the event loop.  Under the
	// lock, so that handlers starting at once on many threads do not all add one, and no
	// thread leaves between the count and the decision.
	void ensure_spare_thread() {
		std::lock_guard lock(threads_mutex);
		int busy = ++in_handlers;
		++handled;
		if (busy > peak_busy.load()) peak_busy = busy;
		if (busy >= thread_count.load() &&
		    thread_count.load() < std::max(options.workers, options.io_threads) && !stopping)
			start_thread();
	}
	// Every thread_retire: the threads beyond those the interval needed (its most handlers
	// at once, plus the free one) are asked to leave; no-op handlers wake idle ones to see it.
	void check_spare_threads() {
		if (stopping) return;
		int busy = in_handlers.load();
		int needed = std::max({options.io_threads, 1, peak_busy.exchange(busy) + 1});
		int excess = std::max(0, thread_count.load() - needed);
		retire_wanted = excess;
		for (int i = 0; i < excess; ++i)
			asio::post(ioc, [] {});
		trim_memory();
		spare_timer->expires_after(options.thread_retire);
		spare_timer->async_wait([this](beast::error_code ec) {
			if (!ec) check_spare_threads();
		});
	}
	// glibc keeps the pages of what a burst of requests freed in its arenas (one per thread,
	// up to eight per core) instead of returning them; give them back when requests ran since
	// the last time (malloc_trim takes each arena's lock for about a millisecond or less).
	void trim_memory() {
		uint64_t h = handled.load();
		if (h == trimmed_at) return;
		trimmed_at = h;
		malloc_trim(0);
	}

	void do_accept();
	void begin_shutdown();
	void poll_shutdown();
	// A request whose header was read (or a parked response to resume): runs its handler now
	// or when its client's turn comes.
	void admit(const std::shared_ptr<Session>& s, bool resume);
	// The handler of a request of `remote` ended (or parked): the next waiting one may run.
	void end_turn(const std::string& remote);
	void start_handler(const std::shared_ptr<Session>& s, bool resume);
};

class Session : public std::enable_shared_from_this<Session>, public BodySource {
public:
	Session(tcp::socket&& socket, Server::Impl& srv)
	    : srv_(srv), socket_(std::move(socket)), timer_(socket_.get_executor()),
	      park_timer_(socket_.get_executor()) {
		beast::error_code ec;
		auto ep = socket_.remote_endpoint(ec);
		if (ec) {
			remote_ = "?";
		} else {
			auto a = ep.address();
			// IPv4 clients of a dual-stack listener count as themselves.
			if (a.is_v6() && a.to_v6().is_v4_mapped())
				a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
			remote_ = a.to_string();
		}
	}
	~Session() override;

	void start() {
		// Synchronous reads on the socket (the fast path of do_read_header, request bodies)
		// must never block a thread: they return would_block instead.
		beast::error_code ec;
		socket_.non_blocking(true, ec);
		asio::dispatch(socket_.get_executor(),
		               beast::bind_front_handler(&Session::do_read_header, shared_from_this()));
	}

	// Called on shutdown: drop the connection if it is waiting idly for a next request, and
	// answer a parked response now.
	void close_if_idle() {
		asio::post(socket_.get_executor(), [self = shared_from_this()] {
			if (self->idle_) self->close_socket();
		});
		wake_park(park_gen_);
	}

	const std::string& remote() const { return remote_; }

	// ---- synchronous I/O for the handler thread ---------------------------------------

	// Sends all of `data`; throws Error(Io) when the client is gone or stalls longer than
	// the write timeout.
	void send_all(std::string_view data) {
		int fd = socket_.native_handle();
		while (!data.empty()) {
			size_t n = send_some(data);
			data.remove_prefix(n);
			if (n == 0 && !wait_fd(fd, POLLOUT, srv_.options.write_timeout)) {
				gone_ = true;
				throw Error(ErrorKind::Io, "client stopped reading (write timeout)");
			}
		}
	}

	// Sends what the socket takes without blocking (0 when it would block); throws Error(Io)
	// when the client is gone.
	size_t send_some(std::string_view data) {
		for (;;) {
			ssize_t n =
			    ::send(socket_.native_handle(), data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n >= 0) return static_cast<size_t>(n);
			if (errno == EINTR) continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
			gone_ = true;
			throw Error(ErrorKind::Io, concat("client went away: ", std::strerror(errno)));
		}
	}

	size_t read_some(char* buf, size_t n) override {
		if (body_finished_) return 0;
		if (expect_continue_ && !continue_sent_) {
			continue_sent_ = true;
			send_all("HTTP/1.1 100 Continue\r\n\r\n");
		}
		for (;;) {
			if (parser_->is_done()) {
				body_finished_ = true;
				return 0;
			}
			parser_->get().body().data = buf;
			parser_->get().body().size = n;
			beast::error_code ec;
			// Parse what is buffered first; read from the socket only when that is not enough.
			if (buffer_.size() == 0) {
				if (!wait_fd(socket_.native_handle(), POLLIN, srv_.options.read_timeout)) {
					gone_ = true;
					throw Error(ErrorKind::Io, "client stopped sending the request body (read timeout)");
				}
			}
			http::read_some(socket_, buffer_, *parser_, ec);
			if (ec == asio::error::would_block || ec == asio::error::try_again) {
				// Buffered bytes were not enough (e.g. half a chunk header): wait for more.
				if (!wait_fd(socket_.native_handle(), POLLIN, srv_.options.read_timeout)) {
					gone_ = true;
					throw Error(ErrorKind::Io, "client stopped sending the request body (read timeout)");
				}
				ec = {};
			}
			if (ec == http::error::need_buffer) ec = {};
			if (ec) {
				if (ec == http::error::body_limit) throw Error(ErrorKind::Limit, "request body too large");
				gone_ = true;
				throw Error(ErrorKind::Io, concat("reading the request body failed: ", ec.message()));
			}
			size_t got = n - parser_->get().body().size;
			if (got) return got;
			if (parser_->is_done()) {
				body_finished_ = true;
				return 0;
			}
			// only framing (chunk headers) was read; go on
		}
	}

	// Runs the handler of the request just read (on a transport thread, outside the strand).
	void run_handler();
	// Runs the resumption of a parked response (same).
	void run_resume();

	// ---- parking (Response::park) --------------------------------------------------------
	std::shared_ptr<Wakeup> begin_park(std::chrono::milliseconds timeout);
	// Ends the park numbered `gen` (any thread; only the first call counts).
	void wake_park(uint64_t gen) {
		if (!parked_ || gen != park_gen_ || park_woken_.exchange(true)) return;
		asio::post(socket_.get_executor(), [self = shared_from_this()] {
			if (!self->park_armed_) return; // arm_park() has not run yet: it will see park_woken_
			self->park_armed_ = false;
			self->park_timer_.cancel();
			if (self->park_watch_) self->srv_.watcher->remove(self->park_watch_);
			self->park_watch_ = 0;
			self->srv_.admit(self, true);
		});
	}

	class Writer;
	bool holds_turn_ = false; // Server::Impl::admit gave this request a turn

private:
	friend class Writer;
	friend class Server;

	void do_read_header() {
		if (srv_.stopping) {
			close_socket();
			return;
		}
		parser_.emplace();
		parser_->header_limit(static_cast<std::uint32_t>(srv_.options.header_limit));
		// Not boost::none: Boost 1.74 compares the length against the optional and treats
		// "none" as smaller than any length.  Routes enforce their own limits.
		parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
		idle_ = !first_;
		reading_done_ = false;
		header_deadline_ = std::chrono::steady_clock::now() +
		                   (first_ ? srv_.options.read_timeout : srv_.options.idle_timeout);
		// A shorter deadline than the one waited for (idle_timeout < read_timeout) needs a new wait.
		if (!header_timer_armed_ || header_deadline_ < timer_.expiry()) wait_header_deadline();
		// When the next request is here already (keep-alive clients send it as soon as they
		// have the answer), it is read at once on this thread, whose deferred handler then
		// serves it: no event-loop round and no hand-off to another thread.
		beast::error_code ec;
		http::read_header(socket_, buffer_, *parser_, ec);
		if (ec != asio::error::would_block && ec != asio::error::try_again) return on_header(ec, 0);
		http::async_read_header(
		    socket_, buffer_, *parser_,
		    asio::bind_executor(socket_.get_executor(),
		                        beast::bind_front_handler(&Session::on_header, shared_from_this())));
	}

	// The timer enforcing the header deadline is not re-armed or cancelled per request (each
	// cancellation wakes an event-loop thread): one wait runs at a time and, when it ends,
	// closes an idle or slow client only if the deadline of the header read now under way
	// has passed — else it waits again for that deadline.
	void wait_header_deadline() {
		header_timer_armed_ = true;
		uint64_t gen = ++header_wait_gen_;
		timer_.expires_at(header_deadline_); // ends an earlier wait (which then sees a newer gen)
		timer_.async_wait(asio::bind_executor(
		    socket_.get_executor(), [self = shared_from_this(), gen](beast::error_code ec) {
			    if (gen != self->header_wait_gen_) return; // superseded by a wait for a shorter deadline
			    self->header_timer_armed_ = false;
			    // Cancelled (the socket closes), or a handler runs: the next header read arms again.
			    if (ec || self->reading_done_) return;
			    if (std::chrono::steady_clock::now() < self->header_deadline_)
				    return self->wait_header_deadline();
			    self->close_socket(); // idle or slow client
		    }));
	}

	void on_header(beast::error_code ec, size_t) {
		reading_done_ = true;
		idle_ = false;
		first_ = false;
		if (ec) {
			if (ec == http::error::end_of_stream || ec == asio::error::eof ||
			    ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
			    ec == asio::error::bad_descriptor) {
				close_socket();
				return;
			}
			int status = ec == http::error::header_limit ? 431 : 400;
			send_error_and_close(status, concat("Malformed HTTP request: ", ec.message(), "\n"));
			return;
		}
		++srv_.active;
		srv_.admit(shared_from_this(), false);
	}

	void send_error_and_close(int status, const std::string& body) {
		std::string msg =
		    concat("HTTP/1.1 ", std::to_string(status), " ", reason_phrase(status),
		           "\r\nServer: ", srv_.options.server_name,
		           "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ",
		           std::to_string(body.size()), "\r\n\r\n", body);
		try {
			send_all(msg);
		} catch (...) {
		}
		close_socket();
	}

	// Runs `body` (the handler or a resumption) with the transport's last line of defence.
	void invoke(const std::function<void()>& body);
	// The handler returned a parked response: free the thread and the turn.
	void enter_park();
	// The park began: wait on the strand for the wake-up or timeout.
	void arm_park();
	// After the response: access log, bookkeeping, next request or close.
	void complete();

	// The response went out before the request body was read (e.g. 413): the client is
	// probably still sending.  Closing now would reset the connection and the client might
	// never see the response, so stop writing and read and discard for a short while first.
	void lingering_close() {
		int fd = socket_.native_handle();
		::shutdown(fd, SHUT_WR);
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
		char scratch[65536];
		size_t total = 0;
		while (total < (64u << 20)) {
			auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			    deadline - std::chrono::steady_clock::now());
			if (left.count() <= 0 || !wait_fd(fd, POLLIN, left)) break;
			ssize_t n = ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT);
			if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
			if (n <= 0) break;
			total += static_cast<size_t>(n);
		}
		gone_ = true; // the connection is done
	}

	void close_socket() {
		beast::error_code ec;
		timer_.cancel();
		park_timer_.cancel();
		socket_.shutdown(tcp::socket::shutdown_both, ec);
		socket_.close(ec);
	}

	Server::Impl& srv_;
	tcp::socket socket_;
	asio::steady_timer timer_;
	beast::flat_buffer buffer_;
	std::optional<http::request_parser<http::buffer_body>> parser_;
	std::string remote_;
	bool first_ = true, reading_done_ = false;
	// The header read's deadline and whether timer_ waits for it (strand only).
	std::chrono::steady_clock::time_point header_deadline_;
	bool header_timer_armed_ = false;
	uint64_t header_wait_gen_ = 0;
	// Parked responses wait with their own timer: timer_ may still wait for a header deadline.
	asio::steady_timer park_timer_;
	std::atomic<bool> idle_{false};
	bool keep_alive_ = true, head_ = false;
	bool expect_continue_ = false, continue_sent_ = false, body_finished_ = false;
	std::atomic<bool> gone_{false};
	std::chrono::steady_clock::time_point started_;
	// The request being handled and its response; they outlive the handler while parked.
	std::unique_ptr<Request> request_;
	std::unique_ptr<Writer> writer_;
	// Parking: parked_/park_gen_/park_woken_ are read by wake_park() on any thread; the
	// others belong to the strand.
	std::atomic<bool> parked_{false}, park_woken_{false};
	std::atomic<uint64_t> park_gen_{0};
	std::chrono::milliseconds park_timeout_{0};
	bool park_armed_ = false;
	uint64_t park_watch_ = 0;
};

class ParkHandle final : public Wakeup {
public:
	ParkHandle(std::weak_ptr<Session> s, uint64_t gen) : s_(std::move(s)), gen_(gen) {}
	void wake() override {
		if (auto s = s_.lock()) s->wake_park(gen_);
	}

private:
	std::weak_ptr<Session> s_;
	uint64_t gen_;
};

// The Response the handler sees.  Everything happens on the handler's thread: a whole
// response is written with one send; a streamed one in chunks of stream_buffer bytes, each
// sent before the next is filled, so memory per connection is one buffer and a slow
// client slows the producer down (backpressure) — or, after spool_when_slow(), fills a
// bounded temporary file instead.  Nothing is sent before the first flush, so an error
// found early can still replace a started stream.
class Session::Writer final : public Response, public ByteSink {
public:
	Writer(Session& s, const Request& req) : s_(s), req_(req) {}
	~Writer() override {
		if (watch_key_) s_.srv_.watcher->remove(watch_key_);
		if (spool_fd_ >= 0) ::close(spool_fd_);
	}

	void send(std::string body) override {
		if (streaming_ && !headers_sent_ && !done_) {
			streaming_ = false;
			buf_.clear();
		}
		if (done_ || streaming_ || parked_) throw Error(ErrorKind::Internal, "response already sent");
		done_ = true;
		bytes_ = body.size();
		std::string out = head(false, body.size());
		if (!s_.head_) out += body;
		headers_sent_ = true;
		s_.send_all(out);
	}

	void send_file(int fd, uint64_t offset, uint64_t length) override {
		if (done_ || streaming_ || parked_ || headers_sent_)
			throw Error(ErrorKind::Internal, "response already sent");
		done_ = true;
		headers_sent_ = true;
		s_.send_all(head(false, static_cast<size_t>(length)));
		if (s_.head_) return;
		int sock = s_.socket_.native_handle();
		auto pos = static_cast<off_t>(offset);
		uint64_t left = length;
		while (left > 0) {
			size_t want = static_cast<size_t>(std::min<uint64_t>(left, uint64_t(1) << 30));
			ssize_t n = ::sendfile(sock, fd, &pos, want);
			if (n > 0) {
				left -= static_cast<uint64_t>(n);
				bytes_ += static_cast<size_t>(n);
				continue;
			}
			if (n < 0 && errno == EINTR) continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				if (!wait_fd(sock, POLLOUT, s_.srv_.options.write_timeout)) {
					s_.gone_ = true;
					throw Error(ErrorKind::Io, "client stopped reading (write timeout)");
				}
				continue;
			}
			// 0: the file ended before the promised length; an error: the client went away.
			s_.gone_ = true;
			throw Error(ErrorKind::Io, n == 0 ? std::string("the file became shorter while it was sent")
			                                  : concat("client went away: ", std::strerror(errno)));
		}
	}

	ByteSink& stream() override {
		if (done_ || streaming_ || parked_) throw Error(ErrorKind::Internal, "response already started");
		streaming_ = true;
		buf_.reserve(s_.srv_.options.stream_buffer + 64);
		return *this;
	}

	void write(std::string_view data) override {
		if (!streaming_) throw Error(ErrorKind::Internal, "write before stream()");
		if (s_.gone_) throw Error(ErrorKind::Io, "client went away");
		size_t limit = s_.srv_.options.stream_buffer;
		if (buf_.empty() && data.size() >= limit) {
			push(data, false); // large writes go out without a copy
			return;
		}
		while (!data.empty()) {
			size_t take = std::min(limit - buf_.size(), data.size());
			buf_.append(data.data(), take);
			data.remove_prefix(take);
			if (buf_.size() >= limit) {
				push(buf_, false);
				buf_.clear();
			}
		}
	}
	void flush() override {
		if (streaming_ && (!buf_.empty() || !headers_sent_)) {
			push(buf_, false);
			buf_.clear();
		}
		if (spool_fd_ >= 0 && !spool_overflow_reported_ && spooled() > spool_max_) {
			spool_overflow_reported_ = true;
			throw Error(ErrorKind::Limit,
			            concat("the client reads more slowly than the result is produced, and more than ",
			                   std::to_string(spool_max_),
			                   " bytes of it were waiting; the rest of the result "
			                   "was not sent (ask for fewer rows, or submit an asynchronous job)"));
		}
	}

	void finish() override {
		if (done_) return;
		if (parked_) throw Error(ErrorKind::Internal, "finish() on a parked response");
		if (!streaming_) {
			send("");
			return;
		}
		done_ = true;
		push(buf_, true);
		buf_.clear();
		drain_spool();
	}

	bool headers_sent() const override { return headers_sent_; }
	bool client_gone() const override { return s_.gone_; }
	void on_client_gone(std::function<void()> cb) override {
		if (watch_key_) {
			s_.srv_.watcher->remove(watch_key_);
			watch_key_ = 0;
		}
		if (!cb) return;
		if (s_.gone_) {
			cb();
			return;
		}
		auto self = s_.shared_from_this();
		watch_key_ = s_.srv_.watcher->add(s_.socket_.native_handle(), [self, cb] {
			self->gone_ = true;
			cb();
		});
	}

	std::shared_ptr<Wakeup> park(std::chrono::milliseconds timeout,
	                             std::function<void(Response&)> resume) override {
		if (done_ || streaming_ || headers_sent_ || parked_)
			throw Error(ErrorKind::Internal, "only a response that has not begun can be parked");
		if (watch_key_) {
			s_.srv_.watcher->remove(watch_key_);
			watch_key_ = 0;
		}
		parked_ = true;
		resume_ = std::move(resume);
		return s_.begin_park(timeout);
	}
	bool parked() const { return parked_; }
	// Ends the park; returns the resumption to run.
	std::function<void(Response&)> unpark() {
		parked_ = false;
		return std::move(resume_);
	}

	void spool_when_slow(const std::filesystem::path& dir, uint64_t max_bytes) override {
		spool_dir_ = dir;
		spool_max_ = max_bytes;
		spool_enabled_ = true;
	}

	bool finished() const { return done_; }
	size_t bytes() const { return bytes_; }

private:
	// Status line and headers; chunked when streaming.
	std::string head(bool chunked, size_t length) {
		bool ka = s_.keep_alive_ && !close_ && !s_.srv_.stopping;
		// An unread request body would be parsed as the next request: close instead.
		if (req_.has_body() && !s_.body_finished_ && !req_.body_consumed()) ka = false;
		s_.keep_alive_ = ka;
		std::string out = concat("HTTP/1.1 ", std::to_string(status_), " ", reason_phrase(status_),
		                         "\r\nServer: ", s_.srv_.options.server_name,
		                         "\r\nDate: ", http_date(std::time(nullptr)), "\r\n");
		for (auto& h : headers_)
			out += concat(h.name, ": ", h.value, "\r\n");
		if (chunked)
			out += "Transfer-Encoding: chunked\r\n";
		else
			out += concat("Content-Length: ", std::to_string(length), "\r\n");
		if (!ka) out += "Connection: close\r\n";
		out += "\r\n";
		return out;
	}

	// Sends one chunk (and the terminating chunk when `last`), with the headers first time.
	void push(std::string_view data, bool last) {
		if (s_.gone_) throw Error(ErrorKind::Io, "client went away");
		std::string frame;
		if (!headers_sent_) {
			frame = head(true, 0);
			headers_sent_ = true;
		}
		if (!data.empty() && !s_.head_) {
			char hex[32];
			int n = std::snprintf(hex, sizeof hex, "%zx\r\n", data.size());
			frame.append(hex, static_cast<size_t>(n));
			if (frame.size() + data.size() < 128 * 1024) {
				frame.append(data);
				frame += "\r\n";
			} else {
				emit(frame);
				emit(data);
				frame = "\r\n";
			}
			bytes_ += data.size();
		}
		if (last && !s_.head_) frame += "0\r\n\r\n";
		if (!frame.empty()) emit(frame);
	}

	// ---- output, directly or through the spool file ------------------------------------

	uint64_t spooled() const { return spool_end_ - spool_sent_; }

	void emit(std::string_view data) {
		if (!spool_enabled_) {
			s_.send_all(data);
			return;
		}
		if (spooled() > 0) drain_some();
		if (spooled() == 0) {
			data.remove_prefix(s_.send_some(data));
			// A client that is merely a little slower than the producer gets a moment before
			// its bytes go to disk.
			while (!data.empty() &&
			       wait_fd(s_.socket_.native_handle(), POLLOUT, std::chrono::milliseconds(20)))
				data.remove_prefix(s_.send_some(data));
			if (data.empty()) return;
		}
		append_spool(data);
	}

	void append_spool(std::string_view data) {
		// Far past the limit (a producer that does not flush): cut the transfer.
		if (spooled() + data.size() > spool_max_ + (uint64_t(256) << 20)) {
			s_.gone_ = true;
			throw Error(ErrorKind::Io, "the client reads too slowly (spool file full)");
		}
		if (spool_fd_ < 0) {
			spool_fd_ = ::open(spool_dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
			if (spool_fd_ < 0) {
				// No O_TMPFILE on this file system: an unlinked named file.
				std::string tmpl = (spool_dir_ / "meles-spool-XXXXXX").string();
				spool_fd_ = ::mkostemp(tmpl.data(), O_CLOEXEC);
				if (spool_fd_ >= 0) ::unlink(tmpl.c_str());
			}
			if (spool_fd_ < 0) {
				// No scratch space: fall back to blocking on the client.
				spool_enabled_ = false;
				s_.send_all(data);
				return;
			}
		}
		while (!data.empty()) {
			ssize_t n = ::pwrite(spool_fd_, data.data(), data.size(), static_cast<off_t>(spool_end_));
			if (n < 0 && errno == EINTR) continue;
			if (n <= 0) {
				s_.gone_ = true;
				throw Error(ErrorKind::Io, "cannot spool the response (disk full?)");
			}
			spool_end_ += static_cast<uint64_t>(n);
			data.remove_prefix(static_cast<size_t>(n));
		}
	}

	// Sends spooled bytes while the socket takes them (blocking: until all are sent, with
	// the write timeout for every stall).
	void drain(bool blocking) {
		char buf[64 * 1024];
		while (spooled() > 0) {
			size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, spooled()));
			ssize_t got = ::pread(spool_fd_, buf, want, static_cast<off_t>(spool_sent_));
			if (got < 0 && errno == EINTR) continue;
			if (got <= 0) {
				s_.gone_ = true;
				throw Error(ErrorKind::Io, "cannot read the spooled response");
			}
			std::string_view chunk(buf, static_cast<size_t>(got));
			if (blocking) {
				s_.send_all(chunk);
				spool_sent_ += chunk.size();
				continue;
			}
			size_t n = s_.send_some(chunk);
			spool_sent_ += n;
			if (n < chunk.size()) return;
		}
		// All sent: start the file over.
		spool_sent_ = spool_end_ = 0;
		if (ftruncate(spool_fd_, 0) != 0) { /* the next writes overwrite it anyway */
		}
	}
	void drain_some() { drain(false); }
	void drain_spool() {
		if (spool_fd_ >= 0) drain(true);
	}

	Session& s_;
	const Request& req_;
	bool done_ = false, streaming_ = false, parked_ = false;
	std::atomic<bool> headers_sent_{false};
	size_t bytes_ = 0;
	std::string buf_;
	uint64_t watch_key_ = 0;
	std::function<void(Response&)> resume_;
	// spool_when_slow(): bytes [spool_sent_, spool_end_) of the file wait for the client.
	bool spool_enabled_ = false, spool_overflow_reported_ = false;
	std::filesystem::path spool_dir_;
	uint64_t spool_max_ = 0, spool_sent_ = 0, spool_end_ = 0;
	int spool_fd_ = -1;
};

Session::~Session() = default;

std::shared_ptr<Wakeup> Session::begin_park(std::chrono::milliseconds timeout) {
	park_timeout_ = timeout;
	park_woken_ = false;
	uint64_t gen = ++park_gen_;
	parked_ = true;
	return std::make_shared<ParkHandle>(weak_from_this(), gen);
}

void Session::arm_park() {
	// On the strand.  A wake-up that came while the handler was still returning resumes now.
	if (park_woken_ || srv_.stopping) {
		park_woken_ = true;
		srv_.admit(shared_from_this(), true);
		return;
	}
	park_armed_ = true;
	uint64_t gen = park_gen_;
	park_timer_.expires_after(park_timeout_);
	park_timer_.async_wait(
	    asio::bind_executor(socket_.get_executor(), [self = shared_from_this(), gen](beast::error_code ec) {
		    if (!ec) self->wake_park(gen);
	    }));
	// A client that hangs up ends the wait at once (its answer goes nowhere; the resumption
	// still runs, so that whoever parked can clean up).
	park_watch_ = srv_.watcher->add(socket_.native_handle(), [self = shared_from_this(), gen] {
		self->gone_ = true;
		self->wake_park(gen);
	});
}

void Session::invoke(const std::function<void()>& body) {
	auto& w = *writer_;
	auto& req = *request_;
	try {
		body();
		if (!w.finished() && !w.parked()) w.finish();
	} catch (const std::exception& e) {
		if (w.parked()) w.unpark();
		if (!gone_) log::error(concat("unhandled error for ", req.method, " ", req.target, ": ", e.what()));
		if (!w.headers_sent() && !gone_) {
			try {
				w.set_status(500);
				w.close_after();
				w.set_header("Content-Type", "text/plain; charset=utf-8");
				w.send("Internal server error; the operators can find details in the log.\n");
			} catch (...) {
			}
		} else {
			// Headers are out: the only honest signal left is to cut the connection.
			gone_ = true;
		}
	}
}

void Session::run_handler() {
	auto& msg = parser_->get();
	request_ = std::make_unique<Request>();
	Request& req = *request_;
	req.method = std::string(msg.method_string());
	req.target = std::string(msg.target());
	auto q = req.target.find('?');
	bool control = false;
	{
		// Percent-decoding without url_decode's '+' → blank, which is for queries only.
		std::string raw = req.target.substr(0, q), path;
		for (size_t i = 0; i < raw.size(); ++i) {
			if (raw[i] == '%' && i + 2 < raw.size()) {
				path += url_decode(raw.substr(i, 3));
				i += 2;
			} else {
				path += raw[i];
			}
		}
		// NUL and other control characters have no place in a path; passed on, a NUL would
		// cut file names short in every system call below (%00 made any file look like an RD).
		for (char c : path)
			if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) control = true;
		req.path = path;
	}
	if (q != std::string::npos) req.query = req.target.substr(q + 1);
	req.remote = remote_;
	for (auto& f : msg)
		req.headers.push_back({std::string(f.name_string()), std::string(f.value())});
	if (auto cl = parser_->content_length()) req.content_length = *cl;
	req.chunked = parser_->chunked();
	req.body_source = this;
	keep_alive_ = msg.keep_alive();
	head_ = msg.method() == http::verb::head;
	expect_continue_ = iequals(std::string(msg[http::field::expect]), "100-continue");
	continue_sent_ = false;
	body_finished_ = parser_->is_done();
	started_ = std::chrono::steady_clock::now();
	writer_ = std::make_unique<Writer>(*this, req);
	if (control) {
		invoke([&] {
			writer_->set_status(400);
			writer_->close_after();
			writer_->set_header("Content-Type", "text/plain; charset=utf-8");
			writer_->send("Bad request: the path contains control characters.\n");
		});
	} else {
		invoke([&] { srv_.handler(req, *writer_); });
	}
	if (writer_->parked()) return enter_park();
	complete();
}

void Session::run_resume() {
	parked_ = false;
	auto resume = writer_->unpark();
	invoke([&] {
		if (resume) resume(*writer_);
	});
	if (writer_->parked()) return enter_park();
	complete();
}

void Session::enter_park() {
	// The thread goes back to the event loop (and the client's turn to its next request); the
	// response waits on the strand.
	--srv_.in_handlers;
	if (holds_turn_) {
		holds_turn_ = false;
		srv_.end_turn(remote_);
	}
	asio::post(socket_.get_executor(), [self = shared_from_this()] { self->arm_park(); });
}

void Session::complete() {
	Request& req = *request_;
	size_t bytes = writer_->bytes();
	int status = writer_->status();
	writer_.reset();
	if (req.has_body() && !body_finished_ && !req.body_consumed() && !gone_) lingering_close();
	auto us =
	    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_)
	        .count();
	log::access(concat(req.remote, " \"", req.method, " ", req.target, "\" ", std::to_string(status), " ",
	                   std::to_string(bytes), " ", std::to_string(us / 1000), ".",
	                   std::to_string(us % 1000 / 100), "ms", gone_ ? " (client gone)" : ""));
	request_.reset();
	--srv_.active;
	--srv_.in_handlers;
	if (holds_turn_) {
		holds_turn_ = false;
		srv_.end_turn(remote_);
	}
	// Back to the strand for the next request (or the end of the connection).
	asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
		if (self->gone_ || !self->keep_alive_ || self->srv_.stopping) {
			self->close_socket();
			return;
		}
		self->do_read_header();
	});
}

// ------------------------------------------------------------------ turns per client

void Server::Impl::admit(const std::shared_ptr<Session>& s, bool resume) {
	// Resumptions take turns too: two hundred WAITs that one job change ends at once must not
	// all want a thread at the same moment.
	if (options.max_client_requests > 0) {
		std::lock_guard lock(clients_mutex);
		auto& c = clients[s->remote()];
		if (c.running >= options.max_client_requests) {
			c.waiting.emplace_back(s, resume);
			return;
		}
		++c.running;
		s->holds_turn_ = true;
	}
	start_handler(s, resume);
}

void Server::Impl::end_turn(const std::string& remote) {
	std::pair<std::shared_ptr<Session>, bool> next;
	{
		std::lock_guard lock(clients_mutex);
		auto it = clients.find(remote);
		if (it == clients.end()) return;
		if (!it->second.waiting.empty()) {
			next = std::move(it->second.waiting.front());
			it->second.waiting.pop_front();
			next.first->holds_turn_ = true; // the turn passes on
		} else if (--it->second.running <= 0) {
			clients.erase(it);
		}
	}
	if (next.first) start_handler(next.first, next.second);
}

void Server::Impl::start_handler(const std::shared_ptr<Session>& s, bool resume) {
	// The handler runs outside the strand (it blocks).  Deferred, not posted: from an
	// event-loop thread (where every caller is) it goes to that thread's own queue and runs
	// as soon as the strand is left, without waking another thread for it; a post would wake
	// one (a futex call or two, and a context switch, per request).
	ensure_spare_thread();
	if (resume)
		asio::defer(ioc, [s] { s->run_resume(); });
	else
		asio::defer(ioc, [s] { s->run_handler(); });
}

// ------------------------------------------------------------------ Server

void Server::Impl::do_accept() {
	acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
		if (ec) {
			if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
			log::warn(concat("accept failed: ", ec.message()));
			if (ec == asio::error::no_descriptors || ec.value() == ENFILE ||
			    ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
				// Out of file descriptors: accepting again at once would spin; wait for some to close.
				if (!accept_backoff)
					accept_backoff = std::make_unique<asio::steady_timer>(acceptor.get_executor());
				accept_backoff->expires_after(std::chrono::milliseconds(100));
				accept_backoff->async_wait([this](beast::error_code) {
					if (!stopping) do_accept();
				});
				return;
			}
		} else {
			socket.set_option(tcp::no_delay(true), ec);
			auto s = std::make_shared<Session>(std::move(socket), *this);
			{
				std::lock_guard lock(sessions_mutex);
				for (auto it = sessions.begin(); it != sessions.end();)
					it = it->expired() ? sessions.erase(it) : ++it;
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
		if (active)
			log::warn(concat("shutdown grace period over; abandoning ", std::to_string(active.load()),
			                 " requests"));
		ioc.stop();
		return;
	}
	shutdown_timer->expires_after(std::chrono::milliseconds(50));
	shutdown_timer->async_wait([this](beast::error_code) { poll_shutdown(); });
}

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {
	impl_->on_reload = &on_reload;
	impl_->watcher = std::make_unique<DisconnectWatcher>();
}

Server::~Server() {
	impl_->ioc.stop();
}

void Server::listen() {
	auto& o = impl_->options;
	beast::error_code ec;
	auto addr = asio::ip::make_address(o.address, ec);
	if (ec)
		throw Error(ErrorKind::Validation, concat("bad listen address '", o.address, "': ", ec.message()));
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

size_t Server::active_requests() const {
	return impl_->active;
}

int Server::threads() const {
	return impl_->thread_count;
}

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
				asio::post(im.ioc, [this] {
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
	// Memory a burst of requests used must come back (issue 10; test_hostile.py measures it).
	// glibc raises its mmap threshold to the size of the largest block freed (up to 32 MiB),
	// after which large buffers (upload readers' 256 KiB, COPY's 1 MiB) come from the arenas
	// of whichever threads ran them and stay there: tens of MB after two hundred slow
	// uploads.  Setting the threshold (to its default) keeps it fixed, so blocks of 128 KiB
	// and more are mapped and unmapped.  And glibc makes up to eight arenas per core, each
	// keeping a share of what hundreds of threads left in it; one per core is as many as can
	// allocate at the same moment.
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
	if (im.options.thread_retire.count() > 0) {
		im.spare_timer = std::make_unique<asio::steady_timer>(im.ioc, im.options.thread_retire);
		im.spare_timer->async_wait([&im](beast::error_code ec) {
			if (!ec) im.check_spare_threads();
		});
	}
	// Every thread runs the event loop and, in turn, request handlers (see the top of the file).
	for (int i = 1; i < std::max(1, im.options.io_threads); ++i)
		im.add_thread();
	++im.thread_count;
	im.ioc.run();
	std::vector<std::thread> joined;
	{
		std::lock_guard lock(im.threads_mutex);
		joined.swap(im.threads);
	}
	for (auto& t : joined)
		t.join();
}

void Server::stop() {
	asio::post(impl_->ioc, [this] { impl_->begin_shutdown(); });
}

} // namespace meles::net
