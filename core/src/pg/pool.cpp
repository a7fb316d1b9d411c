#include "meles/core/pg/pool.hpp"

namespace meles::pg {

Pool::Pool(ConnectParams params, size_t size) : params_(std::move(params)), size_(size ? size : 1) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
	if (pool_ && conn_) pool_->give_back(std::move(conn_), discard_, client_);
}

Pool::Lease Pool::acquire(std::chrono::milliseconds timeout) {
	return acquire_for({}, 0, timeout);
}

Pool::Lease Pool::acquire_for(const std::string& client, size_t share, std::chrono::milliseconds timeout,
                              bool may_reserve) {
	std::unique_lock lock(mutex_);
	auto deadline = std::chrono::steady_clock::now() + timeout;
	bool counted = !client.empty();
	auto at_share = [&] {
		if (!counted || share == 0) return false;
		auto it = per_client_.find(client);
		return it != per_client_.end() && it->second >= share;
	};
	// Counts the lease for the client; undone if no connection comes of it.
	auto take = [&] {
		if (counted) ++per_client_[client];
	};
	auto untake = [&] {
		if (!counted) return;
		auto it = per_client_.find(client);
		if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
	};
	// Connections free now, idle or not yet opened; the last reserve_ of them only for short work.
	auto free_now = [&] { return idle_.size() + (size_ - open_); };
	for (;;) {
		size_t free = free_now();
		bool reserved = free <= reserve_;
		if (!at_share() && free > 0 && (!reserved || may_reserve)) {
			if (!idle_.empty()) {
				auto c = std::move(idle_.front());
				idle_.pop_front();
				if (c->alive()) {
					take();
					return Lease(this, std::move(c), client, reserved);
				}
				--open_; // the server closed it: drop it and try the next (or a new one)
				continue;
			}
			if (open_ < size_) {
				++open_;
				take();
				lock.unlock();
				try {
					auto c = std::make_unique<Connection>(params_);
					return Lease(this, std::move(c), client, reserved);
				} catch (...) {
					lock.lock();
					--open_;
					untake();
					cv_.notify_all();
					throw;
				}
			}
		}
		if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
			if (at_share())
				throw Error(
				    ErrorKind::Unavailable,
				    concat(
				        "this client already runs ", std::to_string(share),
				        " queries at once, as many as one client may; try again when one of them has ended"));
			if (free_now() <= (may_reserve ? 0 : reserve_)) {
				if (may_reserve || reserve_ == 0)
					throw Error(ErrorKind::Unavailable,
					            concat("all ", std::to_string(size_),
					                   " database connections are busy; try again later"));
				throw Error(ErrorKind::Unavailable,
				            concat("all ", std::to_string(size_ - reserve_),
				                   " database connections for longer queries are busy (",
				                   std::to_string(reserve_),
				                   " more are kept for short ones); try again later"));
			}
		}
	}
}

void Pool::give_back(std::unique_ptr<Connection> c, bool discard, const std::string& client) {
	if (!discard && c->ok() && c->in_transaction()) {
		c->rollback();
		if (c->in_transaction()) discard = true;
	}
	std::lock_guard lock(mutex_);
	if (!client.empty()) {
		auto it = per_client_.find(client);
		if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
	}
	if (!c->ok()) {
		// The server went away (restart, crash): the idle connections are as dead as this one.
		--open_;
		open_ -= idle_.size();
		idle_.clear();
	} else if (discard) {
		--open_;
	} else {
		idle_.push_back(std::move(c));
	}
	// Waiters differ (a client at its share waits for its own lease): wake them all.
	cv_.notify_all();
}

size_t Pool::in_use() const {
	std::lock_guard lock(mutex_);
	return open_ - idle_.size();
}

void Pool::close_idle() {
	std::lock_guard lock(mutex_);
	open_ -= idle_.size();
	idle_.clear();
}

} // namespace meles::pg
