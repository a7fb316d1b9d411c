// meles/services/products/getproduct.hpp — product delivery (`/getproduct/<accref>`, DaCHS's
// URL, and its older `/getproduct?key=<accref>`) and previews (`?preview=True`).
//
// The accref is looked up in dc.products (//products#define fills it during `meles imp`); the
// file, which must resolve (symlinks followed) to a regular file inside the inputs directory,
// goes out with sendfile(2): Content-Length, the row's media type, a file name, Last-Modified,
// ETag, single byte ranges (206; 416 beyond the file; several ranges at once get the whole
// file, 200), HEAD.  Embargoed products (embargo date in the future) go only to their owner
// (HTTP Basic, the accounts of `meles adm user`): anonymous requests get 401 with a challenge,
// other users 403.  Accrefs and paths that try to leave the inputs directory, and rows whose
// file is gone, are 404s, logged.  Previews are PNGs binned and stretched from the first FITS
// image (core/fits, core/image), made on first request and kept below <state>/previews, or the
// file the products row names as its preview.  docs/products.md.
// Thread-safety: handle() is called concurrently.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/services/app/context.hpp"
#include "meles/services/router/router.hpp"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

namespace meles::services::products {

// What a Range header asks of a file of `size` bytes (RFC 9110 §14).  Only "bytes" ranges are
// understood; a header that is malformed, names another unit or asks for several ranges gets
// the whole file (Whole), as the RFC allows.  A single range starting at or beyond the end
// (or a suffix of 0 bytes, or any range of an empty file) is Unsatisfiable (416).
struct ByteRange {
	enum class Kind { Whole, Partial, Unsatisfiable };
	Kind kind = Kind::Whole;
	uint64_t first = 0;
	uint64_t length = 0;
};
ByteRange parse_range(std::string_view header, uint64_t size);

// A Content-Disposition value naming `file_name` (its last path component): a plain ASCII
// fallback and the exact name in RFC 8187 encoding.
std::string content_disposition(std::string_view file_name);

class ProductService {
public:
	explicit ProductService(Context& context);
	void install(Router& router);
	void handle(net::Request& request, net::Response& response);

private:
	Context& ctx_;
	std::filesystem::path inputs_;   // canonical
	std::filesystem::path previews_; // <state>/previews
	int preview_size_;
	std::mutex gate_mutex_;
	int previews_running_ = 0;
};

} // namespace meles::services::products
