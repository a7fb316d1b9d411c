// meles/core/pg/pool.hpp — a bounded pool of connections shared by worker threads.
//
// Connections are opened lazily up to `size`; acquire() waits (with a timeout) when all
// are leased.  A lease returned while a transaction is open is rolled back; a broken
// connection is dropped and replaced on demand, so a database restart heals by itself.
// Thread-safety: all members are safe to call from any thread.
#pragma once

#include "meles/core/pg/connection.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

namespace meles::pg {

class Pool {
public:
	Pool(ConnectParams params, size_t size);
	~Pool();

	class Lease {
	public:
		Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) { o.pool_ = nullptr; }
		Lease& operator=(Lease&&) = delete;
		~Lease();
		Connection& operator*() { return *conn_; }
		Connection* operator->() { return conn_.get(); }
		Connection& get() { return *conn_; }
		// Do not return this connection to the pool (e.g. after a protocol error).
		void discard() { discard_ = true; }

	private:
		friend class Pool;
		Lease(Pool* p, std::unique_ptr<Connection> c) : pool_(p), conn_(std::move(c)) {}
		Pool* pool_;
		std::unique_ptr<Connection> conn_;
		bool discard_ = false;
	};

	// Throws Error(Unavailable) "all N database connections are busy" after `timeout`, or the
	// DbError of a failed connect.
	Lease acquire(std::chrono::milliseconds timeout = std::chrono::seconds(30));

	size_t size() const { return size_; }
	size_t in_use() const;
	// Closes idle connections (e.g. before stopping the embedded cluster).
	void close_idle();

private:
	void give_back(std::unique_ptr<Connection> c, bool discard);
	ConnectParams params_;
	size_t size_;
	mutable std::mutex mutex_;
	std::condition_variable cv_;
	std::deque<std::unique_ptr<Connection>> idle_;
	size_t open_ = 0;  // idle + leased
};

}  // namespace meles::pg
