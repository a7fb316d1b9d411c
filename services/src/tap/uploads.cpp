#include "meles/services/tap/uploads.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_reader.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <set>

extern char** environ;

namespace fs = std::filesystem;

namespace meles::services::tap {

namespace {

fs::path unique_name(const fs::path& dir, std::string_view stem) {
	static std::atomic<uint64_t> counter{0};
	static const uint64_t salt = std::random_device{}();
	return dir / concat(stem, "-", std::to_string(getpid()), "-", std::to_string(salt % 1000000), "-",
	                    std::to_string(++counter));
}

std::string read_small_file(const fs::path& p) {
	std::ifstream in(p);
	std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	if (s.size() > 2000) s.resize(2000);
	return s;
}

} // namespace

std::string upload_relation(std::string_view name) {
	return pg::quote_ident(concat("tap_upload_", to_lower(name)));
}

void fetch_url(const std::string& url, const fs::path& dest, uint64_t max_bytes, int timeout_seconds) {
	fs::path err_file = dest.string() + ".err";
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0) throw Error(ErrorKind::Io, "pipe failed");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	std::string limit = std::to_string(max_bytes + 1);
	std::string timeout = std::to_string(timeout_seconds);
	std::vector<std::string> args = {"curl",
	                                 "--silent",
	                                 "--show-error",
	                                 "--fail",
	                                 "--location",
	                                 "--max-redirs",
	                                 "5",
	                                 "--proto",
	                                 "=http,https",
	                                 "--proto-redir",
	                                 "=http,https",
	                                 "--max-time",
	                                 timeout,
	                                 "--connect-timeout",
	                                 "20",
	                                 "--max-filesize",
	                                 limit,
	                                 "--output",
	                                 "-",
	                                 url};
	std::vector<char*> argv;
	for (auto& a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	pid_t pid = 0;
	int rc = posix_spawnp(&pid, "curl", &fa, nullptr, argv.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		throw Error(ErrorKind::Io, concat("cannot run curl to fetch uploads: ", std::strerror(rc)));
	}
	FILE* out = std::fopen(dest.c_str(), "wb");
	uint64_t total = 0;
	bool too_big = false, write_failed = !out;
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = read(pipefd[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) break;
		total += static_cast<uint64_t>(n);
		if (total > max_bytes) {
			too_big = true;
			kill(pid, SIGTERM);
			break;
		}
		if (out && std::fwrite(buf, 1, static_cast<size_t>(n), out) != static_cast<size_t>(n)) {
			write_failed = true;
			kill(pid, SIGTERM);
			break;
		}
	}
	close(pipefd[0]);
	if (out && std::fclose(out) != 0) write_failed = true;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	std::string err = std::string(trim(read_small_file(err_file)));
	std::error_code ec;
	fs::remove(err_file, ec);
	if (too_big || (WIFEXITED(status) && WEXITSTATUS(status) == 63))
		throw Error(ErrorKind::Limit, concat("the upload from ", url, " is larger than the limit of ",
		                                     std::to_string(max_bytes), " bytes"));
	if (write_failed)
		throw Error(ErrorKind::Io, concat("cannot spool the upload from ", url, " (disk full?)"));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		// "curl: (22) The requested URL returned error: 404" -> the part after the code.
		auto close_paren = err.find(") ");
		if (err.starts_with("curl: (") && close_paren != std::string::npos) err = err.substr(close_paren + 2);
		if (err.empty()) err = "the download failed";
		throw Error(ErrorKind::Validation, concat("cannot fetch the upload from ", url, ": ", err));
	}
}

Uploads::~Uploads() {
	for (auto& i : items_)
		if (i.owned) {
			std::error_code ec;
			fs::remove(i.file, ec);
		}
}

Uploads Uploads::resolve(const std::vector<UploadSpec>& specs,
                         const std::function<fs::path(const std::string&)>& part_file,
                         const UploadLimits& limits) {
	Uploads out;
	uint64_t total = 0;
	for (auto& s : specs) {
		Item item{s.table, {}, false};
		if (starts_with_ci(s.uri, "param:")) {
			std::string part = s.uri.substr(6);
			item.file = part_file ? part_file(part) : fs::path();
			if (item.file.empty() || !fs::exists(item.file))
				throw Error(ErrorKind::Validation,
				            concat("UPLOAD ", s.table, " refers to param:", part,
				                   ", but the request has no file part named '", part, "'"));
			total += fs::file_size(item.file);
		} else {
			fs::create_directories(limits.spool_dir);
			item.file = unique_name(limits.spool_dir, "fetch");
			item.owned = true;
			out.items_.push_back(item); // registered first so that a failed fetch is cleaned up
			uint64_t room = total < limits.max_bytes ? limits.max_bytes - total : 0;
			try {
				fetch_url(s.uri, item.file, room, limits.fetch_timeout_seconds);
			} catch (const Error& e) {
				if (e.kind() == ErrorKind::Limit)
					throw Error(ErrorKind::Limit,
					            concat("uploads exceed the limit of ", std::to_string(limits.max_bytes),
					                   " bytes (while fetching ", s.uri, ")"));
				throw;
			}
			total += fs::file_size(item.file);
			continue;
		}
		if (total > limits.max_bytes)
			throw Error(ErrorKind::Limit,
			            concat("uploads exceed the limit of ", std::to_string(limits.max_bytes), " bytes"));
		out.items_.push_back(std::move(item));
	}
	if (total > limits.max_bytes)
		throw Error(ErrorKind::Limit,
		            concat("uploads exceed the limit of ", std::to_string(limits.max_bytes), " bytes"));
	return out;
}

namespace {

// Streams one VOTable into a fresh temporary table.
class UploadConsumer final : public votable::VOTableConsumer {
public:
	UploadConsumer(pg::Connection& conn, std::string table, std::string relation)
	    : conn_(conn), table_(std::move(table)), relation_(std::move(relation)) {}

	void on_schema(const votable::TableSchema& schema) override {
		converter_.emplace(schema);
		columns_ = converter_->columns();
		if (columns_.empty()) throw Error(ErrorKind::Validation, "the uploaded table has no columns");
		std::set<std::string> seen;
		std::string ddl = concat("CREATE TEMPORARY TABLE ", relation_, " (");
		for (size_t i = 0; i < columns_.size(); ++i) {
			auto& c = columns_[i];
			if (c.name.empty())
				throw Error(ErrorKind::Validation, concat("column ", std::to_string(i + 1), " has no name"));
			// What the ADQL translator writes for the name: regular ones folded, delimited exact.
			std::string sql = c.delimited ? c.name : to_lower(c.name);
			if (!seen.insert(sql).second)
				throw Error(ErrorKind::Validation,
				            concat("two columns are called '", c.name,
				                   "' (names that differ only in case are the same in ADQL unless quoted)"));
			if (i) ddl += ", ";
			ddl += concat(pg::quote_ident(sql), " ", c.type.pg_ddl());
		}
		ddl += ") ON COMMIT DROP";
		conn_.exec(ddl);
		copy_.emplace(conn_.copy_in(concat("COPY ", relation_, " FROM STDIN")));
		buf_.reserve(1 << 20);
	}

	void on_rows(const votable::RowBatch& batch) override {
		converter_->append(batch, buf_);
		if (buf_.size() >= (1 << 20)) {
			copy_->write(buf_);
			buf_.clear();
		}
	}

	void on_end(uint64_t, const std::vector<votable::TableInfo>&) override {
		if (!copy_) return;
		if (!buf_.empty()) copy_->write(buf_);
		buf_.clear();
		copy_->finish();
		copy_.reset();
	}

	const std::vector<ColumnMeta>& columns() const { return columns_; }
	bool saw_table() const { return converter_.has_value(); }

private:
	pg::Connection& conn_;
	std::string table_, relation_;
	std::optional<votable::CopyTextConverter> converter_;
	std::optional<pg::CopyIn> copy_;
	std::vector<ColumnMeta> columns_;
	std::string buf_;
};

} // namespace

void Uploads::load(pg::Connection& conn, adql::SimpleCatalog& catalog) const {
	for (auto& item : items_) {
		std::string relation = upload_relation(item.table);
		UploadConsumer consumer(conn, item.table, relation);
		try {
			std::ifstream in(item.file, std::ios::binary);
			if (!in) throw Error(ErrorKind::Io, "cannot read the spooled upload");
			votable::read_votable(in, consumer);
			if (!consumer.saw_table()) throw Error(ErrorKind::Validation, "the document contains no TABLE");
		} catch (const Error& e) {
			// The database refusing a value is the upload's fault, not the server's.
			throw Error(e.kind() == ErrorKind::Database ? ErrorKind::Validation : e.kind(),
			            concat("upload '", item.table, "': ", e.message()));
		}
		conn.exec(concat("ANALYZE ", relation));
		adql::TableEntry e;
		e.schema = "TAP_UPLOAD";
		e.name = item.table;
		e.sql_name = concat("pg_temp.", relation);
		e.description = "Table uploaded with this query";
		e.columns = consumer.columns();
		catalog.add(std::move(e));
	}
}

} // namespace meles::services::tap
