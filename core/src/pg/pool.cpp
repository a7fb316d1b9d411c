#include "meles/core/pg/pool.hpp"

namespace meles::pg {

Pool::Pool(ConnectParams params, size_t size) : params_(std::move(params)), size_(size ? size : 1) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
	if (pool_ && conn_) pool_->give_back(std::move(conn_), discard_);
}

Pool::Lease Pool::acquire(std::chrono::milliseconds timeout) {
	std::unique_lock lock(mutex_);
	auto deadline = std::chrono::steady_clock::now() + timeout;
	for (;;) {
		if (!idle_.empty()) {
			auto c = std::move(idle_.front());
			idle_.pop_front();
			if (c->alive()) return Lease(this, std::move(c));
			--open_;  // the server closed it: drop it and try the next (or a new one)
			continue;
		}
		if (open_ < size_) {
			++open_;
			lock.unlock();
			try {
				auto c = std::make_unique<Connection>(params_);
				return Lease(this, std::move(c));
			} catch (...) {
				lock.lock();
				--open_;
				cv_.notify_one();
				throw;
			}
		}
		if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= size_)
			throw Error(ErrorKind::Unavailable,
			            concat("all ", std::to_string(size_), " database connections are busy; try again later"));
	}
}

void Pool::give_back(std::unique_ptr<Connection> c, bool discard) {
	if (!discard && c->ok() && c->in_transaction()) {
		c->rollback();
		if (c->in_transaction()) discard = true;
	}
	std::lock_guard lock(mutex_);
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
	cv_.notify_one();
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

}  // namespace meles::pg
