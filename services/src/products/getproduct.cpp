#include "meles/services/products/getproduct.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/utf8.hpp"
#include "meles/core/fits/fits_image_reader.hpp"
#include "meles/core/image/preview.hpp"
#include "meles/core/log/logger.hpp"
#include "meles/core/net/http_date.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/services/dali/params.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <optional>
#include <thread>

namespace meles::services::products {

namespace {

constexpr size_t kMaxAccref = 1024;
// Previews made at once; more wait this long for a turn, then get 503.
constexpr int kPreviewsAtOnce = 2;
constexpr auto kPreviewWait = std::chrono::seconds(20);

bool parse_u64(std::string_view s, uint64_t& out) {
	if (s.empty() || s.size() > 19) return false;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
	return ec == std::errc() && p == s.data() + s.size();
}

std::string_view trim(std::string_view s) {
	while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
		s.remove_prefix(1);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
		s.remove_suffix(1);
	return s;
}

// A path component ".." anywhere, or an absolute path.
bool leaves_directory(std::string_view p) {
	if (p.empty() || p.front() == '/') return true;
	size_t start = 0;
	while (start <= p.size()) {
		size_t end = p.find('/', start);
		if (end == std::string_view::npos) end = p.size();
		if (p.substr(start, end - start) == "..") return true;
		start = end + 1;
	}
	return false;
}

bool is_url(std::string_view s) {
	return s.starts_with("http://") || s.starts_with("https://");
}

// Header values from the database must not be able to add headers.
std::string header_safe(std::string_view v, std::string_view fallback) {
	if (v.empty()) return std::string(fallback);
	for (unsigned char c : v)
		if (c < 0x20 || c == 0x7f) return std::string(fallback);
	return std::string(v);
}

// FNV-1a over the key, twice with different bases: 128 bits name a cached preview.
std::string cache_name(std::string_view key) {
	auto fnv = [&](uint64_t h) {
		for (unsigned char c : key) {
			h ^= c;
			h *= 1099511628211ULL;
		}
		return h;
	};
	char buf[40];
	std::snprintf(buf, sizeof buf, "%016llx%016llx",
	              static_cast<unsigned long long>(fnv(14695981039346656037ULL)),
	              static_cast<unsigned long long>(fnv(0x9e3779b97f4a7c15ULL)));
	return concat(buf, ".png");
}

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() {
		if (fd_ >= 0) ::close(fd_);
	}
	Fd(const Fd&) = delete;
	Fd& operator=(const Fd&) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

struct ProductRow {
	std::string accref, path, mime, owner, embargo, preview, preview_mime;
	bool embargoed = false;
};

[[noreturn]] void not_found(std::string_view what) {
	throw Error(ErrorKind::NotFound, std::string(what));
}

bool truthy(const std::optional<std::string>& v) {
	if (!v) return false;
	std::string s = *v;
	for (auto& c : s)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return s == "true" || s == "1" || s == "yes" || s == "t";
}

} // namespace

ByteRange parse_range(std::string_view header, uint64_t size) {
	ByteRange whole;
	whole.length = size;
	header = trim(header);
	if (!header.starts_with("bytes=")) return whole;
	std::string_view spec = trim(header.substr(6));
	if (spec.find(',') != std::string_view::npos) return whole; // several ranges: the whole file
	size_t dash = spec.find('-');
	if (dash == std::string_view::npos) return whole;
	std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
	ByteRange r;
	r.kind = ByteRange::Kind::Partial;
	if (a.empty()) { // suffix: the last n bytes
		uint64_t n = 0;
		if (!parse_u64(b, n)) return whole;
		if (n == 0 || size == 0) return {ByteRange::Kind::Unsatisfiable, 0, 0};
		n = std::min(n, size);
		r.first = size - n;
		r.length = n;
		return r;
	}
	uint64_t first = 0, last = 0;
	if (!parse_u64(a, first)) return whole;
	if (b.empty())
		last = size == 0 ? 0 : size - 1;
	else if (!parse_u64(b, last) || last < first)
		return whole;
	if (first >= size) return {ByteRange::Kind::Unsatisfiable, 0, 0};
	last = std::min(last, size - 1);
	r.first = first;
	r.length = last - first + 1;
	return r;
}

std::string content_disposition(std::string_view file_name) {
	size_t slash = file_name.rfind('/');
	if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
	if (file_name.empty()) file_name = "product";
	std::string plain;
	for (unsigned char c : file_name)
		plain += (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == ';' || c == '%') ? '_' : char(c);
	std::string encoded;
	static const char* hex = "0123456789ABCDEF";
	for (unsigned char c : file_name) {
		if (std::isalnum(c) || std::strchr("!#$&+-.^_`|~", c))
			encoded += char(c);
		else {
			encoded += '%';
			encoded += hex[c >> 4];
			encoded += hex[c & 15];
		}
	}
	return concat("attachment; filename=\"", plain, "\"; filename*=UTF-8''", encoded);
}

ProductService::ProductService(Context& context)
    : ctx_(context), previews_(context.config.state_dir() / "previews"),
      preview_size_(static_cast<int>(context.config.get_int("web", "previewSize"))) {
	std::error_code ec;
	inputs_ = std::filesystem::canonical(ctx_.config.inputs_dir(), ec);
	if (ec) inputs_ = std::filesystem::absolute(ctx_.config.inputs_dir()).lexically_normal();
}

void ProductService::install(Router& router) {
	auto h = [this](net::Request& q, net::Response& r) { handle(q, r); };
	router.add_prefix("/getproduct/", h);
	router.add_exact("/getproduct", h);
}

namespace {

// Where `rel` (relative to the inputs directory) really is: a regular file inside it, symlinks
// followed.  nullopt when it does not exist; throws NotFound (and logs) when it leads outside.
std::optional<std::filesystem::path> resolve_inside(const std::filesystem::path& inputs, std::string_view rel,
                                                    std::string_view accref, const std::string& client) {
	auto refuse = [&](std::string_view why) {
		log::warn(concat("getproduct from ", client, ": accref '", accref, "' refused: ", why));
		not_found(concat("no product with the accref '", accref, "'"));
	};
	if (rel.find('\0') != std::string_view::npos || leaves_directory(rel))
		refuse("its path leaves the inputs directory");
	std::error_code ec;
	auto real = std::filesystem::canonical(inputs / std::filesystem::path(std::string(rel)), ec);
	if (ec) return std::nullopt;
	auto r = real.lexically_relative(inputs);
	if (r.empty() || *r.begin() == ".." || r.is_absolute())
		refuse("its file lies outside the inputs directory");
	return real;
}

} // namespace

void ProductService::handle(net::Request& request, net::Response& response) {
	if (request.method != "GET" && request.method != "HEAD") {
		response.set_status(405);
		response.set_header("Allow", "GET, HEAD");
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send("Only GET and HEAD are allowed here.\n");
		return;
	}
	auto params = Params::from_urlencoded(request.query);
	std::string accref;
	if (request.path.size() > std::string_view("/getproduct/").size())
		accref = request.path.substr(std::string_view("/getproduct/").size());
	else if (auto key = params.get("key"))
		accref = *key;
	if (accref.empty())
		throw Error(ErrorKind::Validation,
		            "give the product's accref: /getproduct/<accref> or /getproduct?key=<accref>");
	bool preview = truthy(params.get("preview"));
	// Not UTF-8: no accref can match (dc.products is text), and PostgreSQL would refuse the value.
	if (invalid_utf8_offset(accref) != std::string::npos) not_found("no product with such an accref");
	if (accref.size() > kMaxAccref || accref.find('\0') != std::string::npos || leaves_directory(accref)) {
		log::warn(concat("getproduct from ", request.remote, ": accref refused (",
		                 accref.size() > kMaxAccref ? "overlong" : "a path leaving the inputs directory",
		                 ")"));
		not_found(accref.size() > kMaxAccref ? std::string("no product with such an accref")
		                                     : concat("no product with the accref '", accref, "'"));
	}

	ProductRow row;
	{
		auto lease = ctx_.acquire_read(request.remote);
		pg::Result res;
		try {
			res = lease.get().exec_params(
			    "SELECT accessPath, mime, owner, embargo::text, preview, preview_mime, "
			    "coalesce(embargo > current_date, false) FROM dc.products WHERE accref = $1",
			    {accref});
		} catch (const pg::DbError& e) {
			// No RD has registered products yet: dc.products does not exist.
			if (e.sqlstate() == "42P01") not_found(concat("no product with the accref '", accref, "'"));
			throw;
		}
		if (res.rows() == 0) not_found(concat("no product with the accref '", accref, "'"));
		row.accref = accref;
		row.path = res.get_optional(0, 0).value_or("");
		row.mime = res.get_optional(0, 1).value_or("");
		row.owner = res.get_optional(0, 2).value_or("");
		row.embargo = res.get_optional(0, 3).value_or("");
		row.preview = res.get_optional(0, 4).value_or("");
		row.preview_mime = res.get_optional(0, 5).value_or("");
		row.embargoed = res.get(0, 6) == "t";
	}

	if (row.embargoed && (request.user.empty() || request.user != row.owner)) {
		bool anonymous = request.user.empty();
		response.set_status(anonymous ? 401 : 403);
		if (anonymous) response.set_header("WWW-Authenticate", "Basic realm=\"Meles\", charset=\"UTF-8\"");
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(concat("The product '", accref, "' is embargoed until ", row.embargo, "; ",
		                     anonymous ? "log in as its owner to retrieve it"
		                               : "only its owner may retrieve it before then",
		                     ".\n"));
		return;
	}

	std::string serve_path = row.path, mime = row.mime, disposition;
	bool make_preview = false;
	if (preview) {
		if (row.preview.empty() || row.preview == "NULL" || row.preview == "None")
			not_found(concat("the product '", accref, "' has no preview"));
		if (row.preview == "AUTO")
			make_preview = true;
		else {
			serve_path = row.preview;
			mime = row.preview_mime.empty()
			           ? (serve_path.ends_with(".jpg") || serve_path.ends_with(".jpeg") ? "image/jpeg"
			                                                                            : "image/png")
			           : row.preview_mime;
		}
	}
	if (is_url(serve_path)) {
		response.set_status(302);
		response.set_header("Location", header_safe(serve_path, "/"));
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(concat("The ", preview ? "preview" : "product", " is at ", serve_path, "\n"));
		return;
	}
	auto real = resolve_inside(inputs_, serve_path, accref, request.remote);
	if (!real) {
		log::error(concat(
		    "getproduct: the ", preview && !make_preview ? "preview" : "file", " of product '", accref, "' (",
		    serve_path, " below the inputs directory) is missing; import the RD again or restore the file"));
		not_found(concat("the file of product '", accref,
		                 "' is missing on the server; the operators have "
		                 "been notified through the log"));
	}
	Fd fd(::open(real->c_str(), O_RDONLY | O_CLOEXEC));
	struct stat st {};
	if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
		log::error(concat("getproduct: the file of product '", accref,
		                  "' cannot be read: ", fd.get() < 0 ? std::strerror(errno) : "not a regular file"));
		not_found(concat("the file of product '", accref, "' cannot be read on the server"));
	}

	if (make_preview) {
		auto size = static_cast<uint64_t>(st.st_size);
		using namespace std::string_literals;
		std::string key =
		    concat(accref, "\0"s, std::to_string(size), "\0"s, std::to_string(st.st_mtim.tv_sec), ".",
		           std::to_string(st.st_mtim.tv_nsec), "\0"s, std::to_string(preview_size_));
		auto cached = previews_ / cache_name(key);
		Fd cfd(::open(cached.c_str(), O_RDONLY | O_CLOEXEC));
		struct stat cst {};
		response.set_header("Content-Type", "image/png");
		response.set_header("Cache-Control", "public, max-age=3600");
		if (cfd.get() >= 0 && ::fstat(cfd.get(), &cst) == 0) {
			response.set_header("X-Preview-Cache", "hit");
			response.set_header("Last-Modified", net::http_date(cst.st_mtime));
			response.send_file(cfd.get(), 0, static_cast<uint64_t>(cst.st_size));
			return;
		}
		{
			std::unique_lock lock(gate_mutex_);
			// A plain counter with a bounded wait: previews cost CPU; a burst of them queues.
			auto deadline = std::chrono::steady_clock::now() + kPreviewWait;
			while (previews_running_ >= kPreviewsAtOnce) {
				lock.unlock();
				if (std::chrono::steady_clock::now() > deadline)
					throw Error(ErrorKind::Unavailable,
					            "too many previews are being made; try again shortly");
				std::this_thread::sleep_for(std::chrono::milliseconds(20));
				lock.lock();
			}
			++previews_running_;
		}
		std::string png;
		try {
			auto grid = core::fits::read_binned_image(real->string(), preview_size_);
			auto bytes = image::to_grey_bytes(grid, image::percentile_stretch(grid));
			png = image::encode_png_grey(bytes, grid.width, grid.height);
		} catch (const Error& e) {
			{
				std::lock_guard lock(gate_mutex_);
				--previews_running_;
			}
			log::info(concat("getproduct: no preview of '", accref, "': ", e.message()));
			not_found(concat("no preview can be made of the product '", accref, "'"));
		}
		{
			std::lock_guard lock(gate_mutex_);
			--previews_running_;
		}
		// Written beside its final name and renamed: readers see a whole file or none; two first
		// requests at once both write, the second rename replaces an identical file.
		std::error_code ec;
		std::filesystem::create_directories(previews_, ec);
		std::string tmpl = (previews_ / "tmp-XXXXXX").string();
		int tfd = ::mkostemp(tmpl.data(), O_CLOEXEC);
		if (tfd >= 0) {
			bool ok = ::write(tfd, png.data(), png.size()) == static_cast<ssize_t>(png.size());
			ok = ::close(tfd) == 0 && ok;
			if (!ok || ::rename(tmpl.c_str(), cached.c_str()) != 0) {
				::unlink(tmpl.c_str());
				log::warn(
				    concat("getproduct: cannot keep the preview of '", accref, "' in ", previews_.string()));
			}
		} else
			log::warn(concat("getproduct: cannot write previews to ", previews_.string(), ": ",
			                 std::strerror(errno)));
		response.set_header("X-Preview-Cache", "miss");
		response.send(std::move(png));
		return;
	}

	auto size = static_cast<uint64_t>(st.st_size);
	char etag[80];
	std::snprintf(etag, sizeof etag, "\"%llx-%llx.%lx\"", static_cast<unsigned long long>(size),
	              static_cast<unsigned long long>(st.st_mtim.tv_sec), static_cast<long>(st.st_mtim.tv_nsec));
	response.set_header("Content-Type", header_safe(mime, "application/octet-stream"));
	if (!preview) response.set_header("Content-Disposition", content_disposition(serve_path));
	response.set_header("Last-Modified", net::http_date(st.st_mtime));
	response.set_header("ETag", etag);
	response.set_header("Accept-Ranges", "bytes");
	if (row.embargoed) response.set_header("Cache-Control", "private");
	auto inm = request.header("If-None-Match");
	if (!inm.empty() && (inm == etag || trim(inm) == "*")) {
		response.set_status(304);
		response.send("");
		return;
	}
	ByteRange range;
	range.length = size;
	auto range_header = request.header("Range");
	auto if_range = request.header("If-Range");
	if (!range_header.empty() && (if_range.empty() || if_range == etag))
		range = parse_range(range_header, size);
	if (range.kind == ByteRange::Kind::Unsatisfiable) {
		response.set_status(416);
		response.set_header("Content-Range", concat("bytes */", std::to_string(size)));
		response.set_header("Content-Type", "text/plain; charset=utf-8");
		response.send(concat("The range '", range_header, "' lies beyond the product's ",
		                     std::to_string(size), " bytes.\n"));
		return;
	}
	if (range.kind == ByteRange::Kind::Partial) {
		response.set_status(206);
		response.set_header("Content-Range", concat("bytes ", std::to_string(range.first), "-",
		                                            std::to_string(range.first + range.length - 1), "/",
		                                            std::to_string(size)));
	}
	response.send_file(fd.get(), range.first, range.length);
}

} // namespace meles::services::products
