#include "ingest/grammars/text_input.hpp"

#include "ingest/grammars/attribute_reader.hpp"

#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

extern char** environ;

namespace meles::rd::ingest::detail {

namespace {

std::string normalize_codec(std::string_view s) {
	std::string out;
	for (char c : s) {
		if (c == '-' || c == '_' || c == ' ') continue;
		out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	}
	return out;
}

// Windows-1252 bytes 0x80..0x9F; the five bytes Windows leaves undefined map to the C1
// controls of the same value, as browsers do.
const uint16_t kCp1252High[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                  0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

size_t put_utf8(char* out, uint32_t cp) {
	if (cp < 0x80) {
		out[0] = static_cast<char>(cp);
		return 1;
	}
	if (cp < 0x800) {
		out[0] = static_cast<char>(0xC0 | (cp >> 6));
		out[1] = static_cast<char>(0x80 | (cp & 0x3F));
		return 2;
	}
	out[0] = static_cast<char>(0xE0 | (cp >> 12));
	out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
	out[2] = static_cast<char>(0x80 | (cp & 0x3F));
	return 3;
}

std::string read_fd_tail(int fd, size_t max) {
	struct stat st {};
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0) return {};
	size_t size = static_cast<size_t>(st.st_size);
	size_t from = size > max ? size - max : 0;
	std::string out(size - from, '\0');
	ssize_t n = pread(fd, out.data(), out.size(), static_cast<off_t>(from));
	out.resize(n > 0 ? static_cast<size_t>(n) : 0);
	return std::string(trim(out));
}

bool is_shell_special(char c) {
	return std::strchr("|&;<>()$`\\*?[]#~{}!\n", c) != nullptr;
}

} // namespace

Encoding parse_encoding(std::string_view name, const SourcePos& pos) {
	std::string n = normalize_codec(name);
	if (n.empty() || n == "utf8" || n == "u8" || n == "utf" || n == "utf8sig") return Encoding::Utf8;
	if (n == "ascii" || n == "usascii" || n == "646") return Encoding::Ascii;
	if (n == "latin1" || n == "latin" || n == "l1" || n == "iso88591" || n == "8859" || n == "cp819" ||
	    n == "iso885915" || n == "latin9")
		return Encoding::Latin1;
	if (n == "cp1252" || n == "windows1252") return Encoding::Cp1252;
	throw Error(
	    ErrorKind::Validation,
	    concat("unsupported enc '", name, "'; Meles reads utf-8, ascii, latin-1 (iso-8859-1) and cp1252"),
	    pos);
}

std::vector<std::string> split_command(std::string_view command) {
	std::vector<std::string> out;
	std::string cur;
	bool in_word = false;
	for (size_t i = 0; i < command.size(); ++i) {
		char c = command[i];
		if (c == '\'' || c == '"') {
			size_t end = command.find(c, i + 1);
			if (end == std::string_view::npos) return {};
			std::string_view inner = command.substr(i + 1, end - i - 1);
			if (c == '"' && inner.find_first_of("$`\\!") != std::string_view::npos) return {};
			cur.append(inner);
			in_word = true;
			i = end;
		} else if (c == ' ' || c == '\t') {
			if (in_word) out.push_back(std::move(cur));
			cur.clear();
			in_word = false;
		} else if (is_shell_special(c)) {
			return {};
		} else {
			// VAR=value before the command is a shell assignment.
			if (c == '=' && out.empty()) return {};
			cur += c;
			in_word = true;
		}
	}
	if (in_word) out.push_back(std::move(cur));
	return out;
}

TextInput::TextInput(const SourceInfo& source, const TextInputOptions& options)
    : source_(source), enc_(options.encoding) {
	file_fd_ = ::open(source.path.c_str(), O_RDONLY | O_CLOEXEC);
	if (file_fd_ < 0)
		throw Error(ErrorKind::Io, concat("cannot open: ", std::strerror(errno)),
		            SourcePos{source.display, 0, 0});
	posix_fadvise(file_fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
	read_fd_ = file_fd_;
	try {
		start_filters(options);
	} catch (...) {
		kill_filters();
		::close(file_fd_);
		throw;
	}
}

TextInput::~TextInput() {
	kill_filters();
	if (read_fd_ >= 0 && read_fd_ != file_fd_) ::close(read_fd_);
	if (file_fd_ >= 0) ::close(file_fd_);
}

void TextInput::start_filters(const TextInputOptions& options) {
	// DaCHS order: the preFilter reads the file, gunzip reads the preFilter's output.
	std::vector<std::string> commands;
	if (!options.pre_filter.empty()) commands.push_back(options.pre_filter);
	if (options.gunzip) commands.push_back("gzip -dc");
	for (auto& command : commands) {
		std::vector<std::string> argv = split_command(command);
		if (argv.empty()) argv = {"/bin/sh", "-c", command};
		int pipefd[2];
		if (pipe2(pipefd, O_CLOEXEC) != 0)
			throw Error(ErrorKind::Io, concat("cannot create a pipe: ", std::strerror(errno)));
		int err_fd = memfd_create("meles-filter-stderr", MFD_CLOEXEC);
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, read_fd_, 0);
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
		if (err_fd >= 0) posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
		if (!source_.resdir.empty()) posix_spawn_file_actions_addchdir_np(&fa, source_.resdir.c_str());
		std::vector<char*> args;
		for (auto& a : argv)
			args.push_back(a.data());
		args.push_back(nullptr);
		pid_t pid = -1;
		int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
		posix_spawn_file_actions_destroy(&fa);
		::close(pipefd[1]);
		if (rc != 0) {
			::close(pipefd[0]);
			if (err_fd >= 0) ::close(err_fd);
			throw Error(ErrorKind::Io, concat("cannot run filter '", command, "': ", std::strerror(rc)),
			            SourcePos{source_.display, 0, 0});
		}
		if (read_fd_ != file_fd_) ::close(read_fd_);
		read_fd_ = pipefd[0];
		children_.push_back(Child{pid, err_fd, command});
		filtered_ = true;
	}
}

void TextInput::kill_filters() {
	for (auto& c : children_) {
		if (c.pid > 0) {
			::kill(c.pid, SIGTERM);
			int st = 0;
			while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
			}
			c.pid = -1;
		}
		if (c.err_fd >= 0) ::close(c.err_fd);
		c.err_fd = -1;
	}
	children_.clear();
}

void TextInput::finish_filters() {
	std::string failure;
	bool failure_is_sigpipe = false;
	for (auto& c : children_) {
		int st = 0;
		while (waitpid(c.pid, &st, 0) < 0 && errno == EINTR) {
		}
		c.pid = -1;
		bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!ok) {
			bool sigpipe = WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE;
			if (failure.empty() || (failure_is_sigpipe && !sigpipe)) {
				std::string how = WIFEXITED(st) ? concat("exit status ", std::to_string(WEXITSTATUS(st)))
				                                : concat("killed by signal ", std::to_string(WTERMSIG(st)));
				failure = concat("filter '", c.command, "' failed (", how, ")");
				std::string err = read_fd_tail(c.err_fd, 400);
				if (!err.empty()) failure += concat(": ", err);
				failure_is_sigpipe = sigpipe;
			}
		}
		::close(c.err_fd);
		c.err_fd = -1;
	}
	children_.clear();
	if (!failure.empty()) throw Error(ErrorKind::Io, failure, SourcePos{source_.display, 0, 0});
}

uint64_t TextInput::consumed() const {
	if (!filtered_) return raw_read_;
	// The first filter reads through our file description: its offset is the filter's progress.
	off_t off = lseek(file_fd_, 0, SEEK_CUR);
	return off > 0 ? static_cast<uint64_t>(off) : 0;
}

size_t TextInput::read_raw(char* dst, size_t cap) {
	size_t got = 0;
	while (got < cap) {
		ssize_t n = ::read(read_fd_, dst + got, cap - got);
		if (n < 0) {
			if (errno == EINTR) continue;
			throw Error(ErrorKind::Io, concat("read failed: ", std::strerror(errno)),
			            SourcePos{source_.display, 0, 0});
		}
		if (n == 0) {
			eof_ = true;
			break;
		}
		got += static_cast<size_t>(n);
		if (read_fd_ == file_fd_) raw_read_ += static_cast<uint64_t>(n);
	}
	if (eof_ && !children_.empty()) finish_filters();
	return got;
}

size_t TextInput::read(char* dst, size_t cap) {
	if (eof_) return 0;
	size_t out = 0;
	if (enc_ == Encoding::Utf8 || enc_ == Encoding::Ascii) {
		out = read_raw(dst, cap);
	} else {
		size_t raw_cap = std::max<size_t>(1, cap / (enc_ == Encoding::Latin1 ? 2 : 3));
		scratch_.resize(raw_cap);
		size_t n = read_raw(scratch_.data(), raw_cap);
		for (size_t i = 0; i < n; ++i) {
			auto b = static_cast<unsigned char>(scratch_[i]);
			if (b < 0x80) {
				dst[out++] = static_cast<char>(b);
			} else if (enc_ == Encoding::Cp1252 && b < 0xA0) {
				out += put_utf8(dst + out, kCp1252High[b - 0x80]);
			} else {
				out += put_utf8(dst + out, b);
			}
		}
	}
	if (!bom_checked_ && enc_ == Encoding::Utf8) {
		bom_checked_ = true;
		// A file shorter than the BOM cannot start with one; reads are whole until EOF.
		if (out >= 3 && std::memcmp(dst, "\xEF\xBB\xBF", 3) == 0) {
			std::memmove(dst, dst + 3, out - 3);
			out -= 3;
		}
	}
	bom_checked_ = true;
	if (out == 0 && !eof_) return read(dst, cap);
	return out;
}

size_t find_non_ascii(const char* p, size_t n) {
	size_t i = 0;
#if defined(__SSE2__)
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
		if (_mm_movemask_epi8(v)) break;
	}
#endif
	for (; i < n; ++i)
		if (static_cast<unsigned char>(p[i]) >= 0x80) return i;
	return std::string::npos;
}

size_t find_invalid_utf8(const char* p, size_t n) {
	size_t i = 0;
	while (i < n) {
		size_t skip = find_non_ascii(p + i, n - i);
		if (skip == std::string::npos) return std::string::npos;
		i += skip;
		auto b = static_cast<unsigned char>(p[i]);
		size_t len = 0;
		uint32_t cp = 0;
		if (b >= 0xC2 && b <= 0xDF) {
			len = 2;
			cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			len = 3;
			cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			len = 4;
			cp = b & 0x07;
		} else {
			return i;
		}
		if (i + len > n) return i;
		for (size_t k = 1; k < len; ++k) {
			auto c = static_cast<unsigned char>(p[i + k]);
			if ((c & 0xC0) != 0x80) return i;
			cp = (cp << 6) | (c & 0x3F);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
			return i;
		i += len;
	}
	return std::string::npos;
}

TextChunker::TextChunker(const SourceInfo& source, const TextInputOptions& options, size_t chunk_bytes)
    : source_(source), input_(source, options), target_(std::max<size_t>(chunk_bytes, 64)) {}

TextChunker::Chunk TextChunker::fill(RecordBatch& batch) {
	size_t want = carry_.size() + target_;
	char* buf = batch.chars(want + 1);
	std::memcpy(buf, carry_.data(), carry_.size());
	size_t size = carry_.size();
	carry_.clear();
	while (size < want && !input_.at_end()) {
		size_t n = input_.read(buf + size, want - size);
		if (n == 0) break;
		size += n;
	}
	return Chunk{buf, size, input_.at_end()};
}

void TextChunker::check_encoding(const char* p, size_t n, int64_t first_line) const {
	size_t bad = std::string::npos;
	Encoding enc = input_.encoding();
	if (enc == Encoding::Utf8)
		bad = find_invalid_utf8(p, n);
	else if (enc == Encoding::Ascii)
		bad = find_non_ascii(p, n);
	if (bad == std::string::npos) return;
	int64_t line = first_line + std::count(p, p + bad, '\n');
	char hex[8];
	std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(static_cast<unsigned char>(p[bad])));
	std::string msg = enc == Encoding::Ascii
	                      ? concat("non-ASCII byte ", hex, " in a source declared enc=\"ascii\"")
	                      : concat("invalid UTF-8 (byte ", hex,
	                               "); if the file is Latin-1, declare enc=\"iso-8859-1\" on the grammar");
	throw Error(ErrorKind::Validation, msg, SourcePos{source_.display, static_cast<int>(line), 0});
}

void TextChunker::consumed(const Chunk& chunk, size_t used, int64_t first_line) {
	check_encoding(chunk.data, used, first_line);
	carry_.assign(chunk.data + used, chunk.size - used);
}

std::string_view TextChunker::peek(size_t n) {
	while (carry_.size() < n && !input_.at_end()) {
		size_t old = carry_.size();
		size_t want = std::max(n - old, target_);
		carry_.resize(old + want);
		size_t got = input_.read(carry_.data() + old, want);
		carry_.resize(old + got);
		if (got == 0) break;
	}
	return carry_;
}

void TextChunker::drop_front(size_t n, int64_t first_line) {
	check_encoding(carry_.data(), n, first_line);
	carry_.erase(0, n);
}

void TextChunker::skip_lines(int64_t n, int64_t& line) {
	for (int64_t i = 0; i < n; ++i) {
		size_t want = 4096;
		for (;;) {
			std::string_view s = peek(want);
			size_t nl = s.find('\n');
			if (nl != std::string_view::npos) {
				drop_front(nl + 1, line);
				++line;
				break;
			}
			if (s.size() < want) { // input exhausted: fewer lines than asked for
				drop_front(s.size(), line);
				return;
			}
			want *= 2;
		}
	}
}

TextSourceOptions read_text_source(const AttributeReader& a) {
	TextSourceOptions o;
	o.top_ignored_lines = a.integer("topIgnoredLines", 0, 0, 1'000'000'000);
	if (auto e = a.string("enc")) {
		parse_encoding(*e, a.pos("enc"));
		o.enc = *e;
	}
	o.gunzip = a.boolean("gunzip", false);
	if (auto f = a.string("preFilter")) {
		o.pre_filter = std::string(trim(*f));
		if (o.pre_filter.empty()) a.fail("preFilter", "is empty");
	}
	return o;
}

TextInputOptions text_input_options(const TextSourceOptions& o) {
	return TextInputOptions{parse_encoding(o.enc, {}), o.gunzip, o.pre_filter};
}

} // namespace meles::rd::ingest::detail
