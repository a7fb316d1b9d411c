// meles/core/pg/pool.hpp — a bounded pool of connections shared by worker threads.
//
// Connections are opened lazily up to `size`; acquire() waits (with a timeout) when all
// are leased.  Leases may be taken for a client (acquire_for): a client then gets at most
// its share, so that one client cannot hold every connection.  A lease returned while a
// transaction is open is rolled back; a broken connection is dropped and replaced on demand,
// so a database restart heals by itself.
//
// A pool may keep its last `reserve` connections for short work: an ordinary lease is only
// taken while more than that many are free; a caller that may use the reserve (asking with
// may_reserve) gets a lease marked reserved() and is expected to give it back at once when
// its work turns out long.  Without this, eight clients running eight long queries leave a
// one-millisecond query waiting for seconds (issue 10, probe 6).
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include "meles/core/pg/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace meles::pg {

class Pool {
public:
	Pool(ConnectParams params, size_t size);
	~Pool();

	class Lease {
	public:
		Lease(Lease&& o) noexcept
		    : pool_(o.pool_), conn_(std::move(o.conn_)), client_(std::move(o.client_)), discard_(o.discard_),
		      reserved_(o.reserved_) {
			o.pool_ = nullptr;
		}
		Lease& operator=(Lease&&) = delete;
		~Lease();
		Connection& operator*() { return *conn_; }
		Connection* operator->() { return conn_.get(); }
		Connection& get() { return *conn_; }
		// Do not return this connection to the pool (e.g. after a protocol error).
		void discard() { discard_ = true; }
		// Taken from the reserve for short work (acquire_for with may_reserve).
		bool reserved() const { return reserved_; }

	private:
		friend class Pool;
		Lease(Pool* p, std::unique_ptr<Connection> c, std::string client = {}, bool reserved = false)
		    : pool_(p), conn_(std::move(c)), client_(std::move(client)), reserved_(reserved) {}
		Pool* pool_;
		std::unique_ptr<Connection> conn_;
		std::string client_;
		bool discard_ = false;
		bool reserved_ = false;
	};

	// Throws Error(Unavailable) "all N database connections are busy" after `timeout`, or the
	// DbError of a failed connect.
	Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(30));
	// Same for `client` (e.g. an IP address), who may hold at most `share` connections at
	// once (0: no limit of its own); waiting for its own to come back counts against the
	// same timeout, then Error(Unavailable) says that this client uses its share.
	// With may_reserve, the reserve may be used too (the lease then says reserved()).
	Lease acquire_for(const std::string& client, size_t share, std::chrono::milliseconds timeout,
	                  bool may_reserve = false);
	// Connections kept for short work (less than size(); 0 by default).
	void set_reserve(size_t n) { reserve_ = n < size_ ? n : size_ - 1; }
	size_t reserve() const { return reserve_; }

	size_t size() const { return size_; }
	size_t in_use() const;
	// Closes idle connections (e.g. before stopping the embedded cluster).
	void close_idle();

private:
	void give_back(std::unique_ptr<Connection> c, bool discard, const std::string& client);
	ConnectParams params_;
	size_t size_;
	size_t reserve_ = 0;
	mutable std::mutex mutex_;
	std::condition_variable cv_;
	std::deque<std::unique_ptr<Connection>> idle_;
	size_t open_ = 0;                          // idle + leased
	std::map<std::string, size_t> per_client_; // leases taken with acquire_for
};

} // namespace meles::pg
