#include "meles/services/dali/params.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/utf8.hpp"
#include "meles/core/log/logger.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>

namespace fs = std::filesystem;

namespace meles::services {

namespace {

void add_urlencoded(Params& p, std::string_view text) {
	size_t start = 0;
	while (start <= text.size()) {
		size_t amp = text.find('&', start);
		if (amp == std::string_view::npos) amp = text.size();
		auto item = text.substr(start, amp - start);
		if (!item.empty()) {
			auto eq = item.find('=');
			if (eq == std::string_view::npos)
				p.add(url_decode(item), "");
			else
				p.add(url_decode(item.substr(0, eq)), url_decode(item.substr(eq + 1)));
		}
		start = amp + 1;
	}
}

// Extracts key="value" (or key=value) from a header value like Content-Disposition.
std::string header_param(std::string_view header, std::string_view key) {
	size_t pos = 0;
	while (pos < header.size()) {
		size_t semi = header.find(';', pos);
		auto item =
		    trim(header.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
		auto eq = item.find('=');
		if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), key)) {
			auto v = trim(item.substr(eq + 1));
			if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
				std::string out;
				for (size_t i = 1; i + 1 < v.size(); ++i) {
					if (v[i] == '\\' && i + 2 < v.size()) ++i;
					out += v[i];
				}
				return out;
			}
			return std::string(v);
		}
		if (semi == std::string_view::npos) break;
		pos = semi + 1;
	}
	return {};
}

constexpr std::string_view kSpoolPrefix = "upload-";

// upload-<pid of the daemon>-<salt>-<counter>: the pid tells whose file it is.
fs::path spool_name(const fs::path& dir) {
	static std::atomic<uint64_t> counter{0};
	static const uint64_t salt = std::random_device{}();
	return dir / concat(kSpoolPrefix, std::to_string(getpid()), "-", std::to_string(salt % 100000), "-",
	                    std::to_string(++counter));
}

// Streaming multipart/form-data parser (RFC 7578).  Keeps at most one read buffer plus
// the boundary length of look-behind in memory.
class MultipartReader {
public:
	MultipartReader(net::Request& req, std::string boundary, const ParamLimits& limits, Params& out)
	    : req_(req), delim_("\r\n--" + boundary), limits_(limits), out_(out) {}

	void run() {
		// The body starts with "--boundary"; prepend CRLF so every delimiter looks alike.
		buf_ = "\r\n";
		size_t p;
		while ((p = buf_.find(delim_)) == std::string::npos) {
			if (buf_.size() > 16384 || !fill())
				throw Error(ErrorKind::Syntax, "multipart body does not start with its boundary");
		}
		consume(p + delim_.size());
		for (;;) {
			while (buf_.size() < 2 && fill()) {
			}
			if (buf_.compare(0, 2, "--") == 0) return; // closing delimiter
			if (buf_.compare(0, 2, "\r\n") != 0)
				throw Error(ErrorKind::Syntax, "malformed multipart delimiter");
			consume(2);
			read_part();
		}
	}

private:
	bool fill() {
		char tmp[64 * 1024];
		size_t n = req_.read_body_some(tmp, sizeof tmp);
		if (n == 0) return false;
		buf_.append(tmp, n);
		return true;
	}
	void consume(size_t n) { buf_.erase(0, n); }

	void read_part() {
		// headers
		size_t end;
		while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
			if (buf_.size() > 16384) throw Error(ErrorKind::Syntax, "multipart part headers too long");
			if (!fill()) throw Error(ErrorKind::Syntax, "multipart body ends inside part headers");
		}
		std::string headers = buf_.substr(0, end);
		consume(end + 4);
		std::string disposition, ctype;
		for (auto& line : split(headers, '\n')) {
			auto l = trim(line);
			auto colon = l.find(':');
			if (colon == std::string_view::npos) continue;
			auto name = trim(l.substr(0, colon));
			auto value = trim(l.substr(colon + 1));
			if (iequals(name, "Content-Disposition")) disposition = value;
			if (iequals(name, "Content-Type")) ctype = value;
		}
		std::string name = header_param(disposition, "name");
		bool has_filename = disposition.find("filename") != std::string::npos;
		std::string filename = header_param(disposition, "filename");
		FILE* f = nullptr;
		size_t part_index = 0;
		std::string value;
		if (has_filename) {
			if (limits_.max_files_bytes == 0)
				throw Error(ErrorKind::Validation,
				            concat("file uploads are not accepted here (part '", name, "')"));
			fs::create_directories(limits_.spool_dir);
			FilePart part;
			part.name = name;
			part.filename = filename;
			part.content_type = ctype;
			part.path = spool_name(limits_.spool_dir);
			f = std::fopen(part.path.c_str(), "wb");
			if (!f) {
				// The operator needs the path; the client must not see it.
				log::error(concat("cannot create the upload spool file ", part.path.string(), ": ",
				                  std::strerror(errno)));
				throw Error(ErrorKind::Io, "cannot keep the upload on the server (see the server log)");
			}
			part_index = out_.files().size();
			out_.add_file(std::move(part)); // registered first, so a failure below still removes it
		}
		auto emit = [&](const char* data, size_t n) {
			if (f) {
				files_bytes_ += n;
				out_.add_file_bytes(part_index, n);
				if (files_bytes_ > limits_.max_files_bytes) {
					std::fclose(f);
					throw Error(ErrorKind::Limit, concat("uploads exceed the limit of ",
					                                     std::to_string(limits_.max_files_bytes), " bytes"));
				}
				if (std::fwrite(data, 1, n, f) != n) {
					std::fclose(f);
					throw Error(ErrorKind::Io, "cannot write upload spool file (disk full?)");
				}
			} else {
				fields_bytes_ += n;
				if (fields_bytes_ > limits_.max_fields_bytes)
					throw Error(ErrorKind::Limit, concat("form fields exceed the limit of ",
					                                     std::to_string(limits_.max_fields_bytes), " bytes"));
				value.append(data, n);
			}
		};
		for (;;) {
			size_t p = buf_.find(delim_);
			if (p != std::string::npos) {
				emit(buf_.data(), p);
				consume(p + delim_.size());
				break;
			}
			// Keep a tail that could be the start of the delimiter.
			if (buf_.size() > delim_.size()) {
				size_t safe = buf_.size() - delim_.size();
				emit(buf_.data(), safe);
				consume(safe);
			}
			if (!fill()) {
				if (f) std::fclose(f);
				throw Error(ErrorKind::Syntax,
				            "multipart body ends inside a part (missing closing boundary)");
			}
		}
		if (f) {
			if (std::fclose(f) != 0) throw Error(ErrorKind::Io, "cannot write upload spool file");
		} else {
			out_.add(std::move(name), std::move(value));
		}
	}

	net::Request& req_;
	std::string delim_;
	const ParamLimits& limits_;
	Params& out_;
	std::string buf_;
	size_t fields_bytes_ = 0;
	uint64_t files_bytes_ = 0;
};

} // namespace

} // namespace meles::services

namespace meles::services {

Params::~Params() {
	for (auto& f : files_) {
		std::error_code ec;
		if (!f.path.empty()) fs::remove(f.path, ec);
	}
}

std::vector<FilePart> Params::release_files() {
	std::vector<FilePart> out;
	out.swap(files_);
	return out;
}

// Parameter values go to PostgreSQL (job parameters, queries, names) and are echoed in XML
// documents; both insist on well-formed UTF-8 without NULs.  Refused here, before anything
// else reads them, with a message that names the parameter but does not repeat the bytes.
void Params::check_text() const {
	for (auto& [k, v] : values_) {
		bool name_ok = invalid_utf8_offset(k) == std::string::npos && k.find('\0') == std::string::npos;
		std::string what = name_ok ? concat("parameter ", k) : std::string("a parameter name");
		if (!name_ok)
			throw Error(ErrorKind::Validation,
			            concat(what, " is not valid UTF-8 text or contains a NUL character"));
		if (auto at = invalid_utf8_offset(v); at != std::string::npos)
			throw Error(ErrorKind::Validation, concat(what, " is not valid UTF-8 (at byte ",
			                                          std::to_string(at + 1), "); send text in UTF-8"));
		if (auto at = v.find('\0'); at != std::string::npos)
			throw Error(ErrorKind::Validation,
			            concat(what, " contains a NUL character (at byte ", std::to_string(at + 1), ")"));
	}
}

Params Params::from_urlencoded(std::string_view text) {
	Params p;
	add_urlencoded(p, text);
	p.check_text();
	return p;
}

Params Params::from_request(net::Request& request, const ParamLimits& limits) {
	Params p;
	add_urlencoded(p, request.query);
	if (!request.has_body()) {
		p.check_text();
		return p;
	}
	std::string ctype(request.header("Content-Type"));
	if (starts_with_ci(ctype, "application/x-www-form-urlencoded")) {
		add_urlencoded(p, request.read_body(limits.max_fields_bytes));
	} else if (starts_with_ci(ctype, "multipart/form-data")) {
		std::string boundary = header_param(ctype, "boundary");
		if (boundary.empty()) throw Error(ErrorKind::Syntax, "multipart/form-data without a boundary");
		MultipartReader(request, boundary, limits, p).run();
	} else if (request.method == "POST") {
		throw Error(ErrorKind::Validation,
		            concat("cannot read parameters from a body of type '", ctype,
		                   "'; use application/x-www-form-urlencoded or multipart/form-data"));
	}
	p.check_text();
	return p;
}

std::optional<std::string> Params::get(std::string_view name) const {
	for (auto it = values_.rbegin(); it != values_.rend(); ++it)
		if (iequals(it->first, name)) return it->second;
	return std::nullopt;
}

std::vector<std::string> Params::get_all(std::string_view name) const {
	std::vector<std::string> out;
	for (auto& [k, v] : values_)
		if (iequals(k, name)) out.push_back(v);
	return out;
}

const FilePart* Params::file(std::string_view name) const {
	for (auto& f : files_)
		if (f.name == name) return &f;
	return nullptr;
}

void Params::add_file_bytes(size_t index, uint64_t n) {
	files_[index].size += n;
}

std::vector<UploadSpec> parse_uploads(const Params& params) {
	std::vector<UploadSpec> out;
	for (auto& value : params.get_all("UPLOAD")) {
		for (auto& item : split_list(value, ';')) {
			auto comma = item.find(',');
			if (comma == std::string::npos)
				throw Error(ErrorKind::Validation,
				            concat("UPLOAD must be 'name,URI', not '", excerpt(item), "'"));
			UploadSpec u{std::string(trim(std::string_view(item).substr(0, comma))),
			             std::string(trim(std::string_view(item).substr(comma + 1)))};
			bool ident = !u.table.empty() && std::isalpha(static_cast<unsigned char>(u.table[0]));
			for (char c : u.table)
				ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
			if (!ident)
				throw Error(ErrorKind::Validation,
				            concat("upload table name '", excerpt(u.table),
				                   "' is not a regular ADQL identifier (letters, digits, _)"));
			for (auto& o : out)
				if (iequals(o.table, u.table))
					throw Error(ErrorKind::Validation,
					            concat("upload table name '", excerpt(u.table), "' given twice"));
			if (!starts_with_ci(u.uri, "param:") && !starts_with_ci(u.uri, "http://") &&
			    !starts_with_ci(u.uri, "https://"))
				throw Error(ErrorKind::Validation, concat("unsupported upload URI '", excerpt(u.uri),
				                                          "' (use param:, http:// or https://)"));
			out.push_back(std::move(u));
		}
	}
	return out;
}

size_t remove_stale_spool_files(const fs::path& dir) {
	size_t removed = 0;
	std::error_code ec;
	for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
		std::string name = it->path().filename().string();
		if (!name.starts_with(kSpoolPrefix)) continue;
		std::string_view rest = std::string_view(name).substr(kSpoolPrefix.size());
		long pid = 0;
		auto [p, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
		if (err != std::errc() || p == rest.data() || *p != '-' || pid <= 0) continue;
		// ESRCH: no such process.  EPERM means it runs (as another user): not ours to touch.
		if (pid == getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
		std::error_code rm;
		if (fs::remove(it->path(), rm)) ++removed;
	}
	return removed;
}

std::string upload_file_name(std::string_view part) {
	static const char* hex = "0123456789abcdef";
	std::string out = "param_";
	for (char ch : part) {
		auto c = static_cast<unsigned char>(ch);
		if (std::isalnum(c) || c == '-' || c == '_') {
			out += ch;
		} else {
			out += '%';
			out += hex[c >> 4];
			out += hex[c & 15];
		}
	}
	return out;
}

int64_t parse_int_param(const Params& params, std::string_view name, int64_t dflt) {
	auto v = params.get(name);
	if (!v) return dflt;
	auto t = trim(*v);
	int64_t out = 0;
	auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
	if (t.empty() || ec != std::errc() || p != t.data() + t.size())
		throw Error(ErrorKind::Validation, concat(name, " must be an integer, not '", *v, "'"));
	return out;
}

int64_t parse_maxrec(const Params& params, int64_t dflt, int64_t hard) {
	int64_t v = parse_int_param(params, "MAXREC", dflt);
	if (v < 0)
		throw Error(ErrorKind::Validation, concat("MAXREC must not be negative, not ", std::to_string(v)));
	return std::min(v, hard);
}

} // namespace meles::services
