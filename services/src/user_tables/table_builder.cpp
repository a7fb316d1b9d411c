#include "user_tables/table_builder.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/schema/ddl.hpp"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

namespace meles::services::user_tables {

namespace {

constexpr int kTupleOverhead = 28; // heap tuple header (23, aligned) + line pointer

int fixed_width(const SqlType& t) {
	if (t.is_array) return -1;
	switch (t.base) {
	case BaseType::Boolean:
		return 1;
	case BaseType::SmallInt:
		return 2;
	case BaseType::Integer:
	case BaseType::Real:
	case BaseType::Date:
		return 4;
	case BaseType::BigInt:
	case BaseType::Double:
	case BaseType::Timestamp:
	case BaseType::Time:
		return 8;
	case BaseType::SPoint:
		return 16;
	case BaseType::SCircle:
		return 24;
	case BaseType::SBox:
		return 32;
	default:
		return -1;
	}
}

} // namespace

// COPY data written on a thread of its own.  A blocking write would make the upload's parsing
// and PostgreSQL's take turns (the socket holds only a few hundred kB); with a short queue
// between them both run at once.
class CopyPipe {
public:
	explicit CopyPipe(pg::CopyIn copy) : copy_(std::move(copy)), thread_([this] { run(); }) {}
	~CopyPipe() {
		{
			std::lock_guard lock(mutex_);
			closed_ = abandoned_ = true;
		}
		data_cv_.notify_all();
		if (thread_.joinable()) thread_.join();
		// copy_ is destroyed unfinished: the COPY is aborted
	}
	void push(std::string&& chunk) {
		std::unique_lock lock(mutex_);
		space_cv_.wait(lock, [&] { return queue_.size() < kQueued || error_; });
		if (error_) std::rethrow_exception(error_);
		queue_.push_back(std::move(chunk));
		data_cv_.notify_one();
	}
	int64_t finish() {
		{
			std::lock_guard lock(mutex_);
			closed_ = true;
		}
		data_cv_.notify_all();
		thread_.join();
		if (error_) std::rethrow_exception(error_);
		return copy_.finish();
	}

private:
	static constexpr size_t kQueued = 4;
	void run() {
		for (;;) {
			std::string chunk;
			{
				std::unique_lock lock(mutex_);
				data_cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
				if (abandoned_ || queue_.empty()) return;
				chunk = std::move(queue_.front());
				queue_.pop_front();
			}
			space_cv_.notify_one();
			try {
				copy_.write(chunk);
			} catch (...) {
				std::lock_guard lock(mutex_);
				error_ = std::current_exception();
				space_cv_.notify_all();
				return;
			}
		}
	}
	pg::CopyIn copy_;
	std::mutex mutex_;
	std::condition_variable data_cv_, space_cv_;
	std::deque<std::string> queue_;
	bool closed_ = false, abandoned_ = false;
	std::exception_ptr error_;
	std::thread thread_; // last: starts once everything above exists
};

std::string quota_owner_text(const Owner& owner) {
	return owner ? concat("the user table quota of ", *owner)
	             : std::string("the quota of anonymous user tables");
}

SizeEstimator::SizeEstimator(const std::vector<ColumnMeta>& columns) {
	for (auto& c : columns)
		widths_.push_back(fixed_width(c.type));
}

int64_t SizeEstimator::estimate(std::string_view text) const {
	int64_t total = 0;
	const char* p = text.data();
	const char* end = p + text.size();
	while (p < end) {
		const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
		if (!eol) eol = end;
		total += kTupleOverhead;
		size_t col = 0;
		const char* f = p;
		while (f <= eol) {
			const char* tab = static_cast<const char*>(std::memchr(f, '\t', static_cast<size_t>(eol - f)));
			const char* fe = tab ? tab : eol;
			size_t len = static_cast<size_t>(fe - f);
			bool null = len == 2 && f[0] == '\\' && f[1] == 'N';
			if (!null) {
				int w = col < widths_.size() ? widths_[col] : -1;
				total += w >= 0 ? w : static_cast<int64_t>(len) + (len < 127 ? 1 : 4);
			}
			++col;
			if (!tab) break;
			f = tab + 1;
		}
		p = eol + 1;
	}
	return total;
}

TableBuilder::TableBuilder(pg::Connection& conn, const Settings& settings, Owner owner, std::string name,
                           Limits limits)
    : conn_(conn), settings_(settings), owner_(std::move(owner)), name_(std::move(name)), limits_(limits) {
	conn_.begin();
	usage_ = usage(conn_, owner_);
	old_ = find(conn_, owner_, name_, false);
	if (old_) {
		usage_.bytes -= old_->size_bytes;
		usage_.tables -= 1;
	}
	sql_name_ = new_sql_name();
}

TableBuilder::~TableBuilder() {
	if (committed_) return;
	pipe_.reset(); // aborts an unfinished COPY
	conn_.rollback();
}

void TableBuilder::quota_bytes_error(int64_t needed) const {
	throw Error(ErrorKind::Limit,
	            concat("Quota exceeded: ", quota_owner_text(owner_), " is ", format_bytes(limits_.bytes),
	                   " (", std::to_string(limits_.bytes), " bytes); the other tables use ",
	                   format_bytes(usage_.bytes), " (", std::to_string(usage_.tables),
	                   " tables), and tap_user.", name_, " would need ",
	                   needed > 0 ? concat("at least ", format_bytes(needed)) : std::string("more"),
	                   ". Drop tables you no longer need (DELETE /tap/user_tables/NAME)."));
}

void TableBuilder::check_quota_before() {
	if (usage_.tables + 1 > limits_.tables)
		throw Error(ErrorKind::Limit,
		            concat("Quota exceeded: ", quota_owner_text(owner_), " allows ",
		                   std::to_string(limits_.tables), " tables, and ", std::to_string(usage_.tables),
		                   " exist already. Drop one first (DELETE /tap/user_tables/NAME)."));
	if (usage_.bytes >= limits_.bytes) quota_bytes_error(0);
}

void TableBuilder::create(std::vector<ColumnMeta> columns) {
	if (columns.empty()) throw Error(ErrorKind::Validation, "a user table needs at least one column");
	std::set<std::string> seen;
	std::vector<std::string> defs;
	for (auto& c : columns) {
		if (c.name.empty()) throw Error(ErrorKind::Validation, "a column has no name");
		if (c.name.size() > 63)
			throw Error(ErrorKind::Validation,
			            concat("column name '", excerpt(c.name),
			                   "' is longer than 63 bytes, which PostgreSQL cannot store"));
		if (c.name.find('\0') != std::string::npos)
			throw Error(ErrorKind::Validation, "a column name contains NUL");
		std::string ident = rd::schema::sql_identifier(c);
		std::string key = c.delimited ? c.name : to_lower(c.name);
		if (!seen.insert(key).second)
			throw Error(ErrorKind::Validation,
			            concat("two columns are called '", excerpt(c.name),
			                   "' (regular names are case-insensitive in ADQL); rename one of them"));
		defs.push_back(concat(ident, " ", c.type.pg_ddl()));
		// Facts of the source (keys, indexes of another table) do not hold here.
		c.indexed = false;
		c.required = false;
		c.principal = false;
		c.std = false;
	}
	columns_ = std::move(columns);
	estimator_.emplace(columns_);
	std::string rel = concat("tap_user.", sql_name_);
	conn_.exec(concat("CREATE TABLE ", rel, " (", join(defs, ", "), ")"));
	pipe_ = std::make_unique<CopyPipe>(conn_.copy_in(concat("COPY ", rel, " FROM STDIN")));
}

void TableBuilder::write(std::string&& text, uint64_t rows) {
	if (text.empty()) return;
	estimated_ += estimator_->estimate(text);
	if (usage_.bytes + estimated_ > limits_.bytes) quota_bytes_error(estimated_);
	pipe_->push(std::move(text));
	rows_ += rows;
}

UserTable TableBuilder::commit(const std::string& description, const std::string& origin,
                               bool drop_replaced_now) {
	std::string rel = concat("tap_user.", sql_name_);
	int64_t rows = pipe_->finish();
	pipe_.reset();
	conn_.exec(concat("ANALYZE ", rel));
	conn_.exec(concat("GRANT SELECT ON ", rel, " TO ", pg::quote_ident(settings_.read_role)));
	int64_t size = relation_size(conn_, rel);

	// From here on, this owner's namespace is ours until commit: name and quotas are final.
	lock_owner(conn_, owner_);
	usage_ = usage(conn_, owner_);
	auto old = find(conn_, owner_, name_, false);
	if (old) {
		usage_.bytes -= old->size_bytes;
		usage_.tables -= 1;
	}
	if (usage_.tables + 1 > limits_.tables) check_quota_before();
	if (usage_.bytes + size > limits_.bytes) quota_bytes_error(size);
	if (old) {
		// Only the bookkeeping goes now; the relation is dropped after the commit, when no lock
		// of a query still reading it can make us wait (else the reaper drops it later).
		remove(conn_, old->sql_name);
		replaced_ = true;
	}
	UserTable t;
	t.sql_name = sql_name_;
	t.owner = owner_;
	t.name = name_;
	t.description = description;
	t.origin = origin;
	t.created = t.modified = std::chrono::system_clock::now();
	t.destruction = t.created + settings_.lifetime;
	t.nrows = rows;
	t.size_bytes = size;
	t.columns = columns_;
	insert(conn_, t);
	conn_.commit();
	committed_ = true;
	rows_ = static_cast<uint64_t>(rows);
	if (old && drop_replaced_now) drop_relation(conn_, old->relation());
	return t;
}

} // namespace meles::services::user_tables
