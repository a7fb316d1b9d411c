// meles/services/dali/params.hpp — request parameters as DALI defines them.
//
// Parameter names are case-insensitive, values are not; a parameter may be repeated.
// Parameters come from the query string and from the body (urlencoded or multipart).
// Multipart file parts (TAP inline uploads) are streamed to files in a spool directory,
// never held in memory; their total size is limited.
// Thread-safety: a Params object belongs to one request.
#pragma once

#include "meles/core/net/http.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::services {

struct FilePart {
	std::string name; // form field name (the `param:` name of an upload)
	std::string filename;
	std::string content_type;
	std::filesystem::path path; // spooled content; removed with the Params object
	uint64_t size = 0;
};

struct ParamLimits {
	size_t max_fields_bytes = 16 * 1024 * 1024; // all non-file values together
	uint64_t max_files_bytes = 0;               // all file parts together; 0: no files accepted
	std::filesystem::path spool_dir;            // where file parts go
};

class Params {
public:
	Params() = default;
	Params(Params&&) = default;
	Params& operator=(Params&&) = default;
	~Params();

	// Reads query string and body.  Throws Error(Limit) naming the limit, Error(Syntax)
	// for a malformed body, Error(Validation) for names or values that are not UTF-8 or
	// contain NUL characters.
	static Params from_request(net::Request& request, const ParamLimits& limits);
	// From a query string / urlencoded body alone.
	static Params from_urlencoded(std::string_view text);

	void add(std::string name, std::string value) { values_.emplace_back(std::move(name), std::move(value)); }
	// Registers a spooled file (deleted with this object unless released).
	FilePart& add_file(FilePart part) { return files_.emplace_back(std::move(part)); }
	void add_file_bytes(size_t index, uint64_t n);
	std::optional<std::string> get(std::string_view name) const; // last value given
	std::vector<std::string> get_all(std::string_view name) const;
	bool has(std::string_view name) const { return get(name).has_value(); }
	const std::vector<std::pair<std::string, std::string>>& all() const { return values_; }
	const FilePart* file(std::string_view name) const;
	const std::vector<FilePart>& files() const { return files_; }
	// Takes ownership of the spooled files away (e.g. into an async job's directory).
	std::vector<FilePart> release_files();

private:
	void check_text() const;
	std::vector<std::pair<std::string, std::string>> values_;
	std::vector<FilePart> files_;
};

// One entry of DALI's UPLOAD parameter: "name,uri" (several separated by ';' or given as
// repeated parameters).  Table names must be ADQL regular identifiers.
struct UploadSpec {
	std::string table; // as given (case preserved)
	std::string uri;   // param:part, http://..., https://...
};
std::vector<UploadSpec> parse_uploads(const Params& params);

// Removes upload spool files (in `dir`) of daemons that no longer run — killed before their
// requests could clean up; files of running processes stay.  Returns how many went.
size_t remove_stale_spool_files(const std::filesystem::path& dir);

// The file name a multipart part is kept under in a job directory ("param_" + the part name
// with anything but letters, digits, '-' and '_' hex-escaped), so no part name can reach
// outside the directory and distinct names stay distinct.
std::string upload_file_name(std::string_view part);

// MAXREC: the client's value capped at `hard`; `dflt` if absent.  Throws Error(Validation)
// for non-integers and negative values.
int64_t parse_maxrec(const Params& params, int64_t dflt, int64_t hard);

// Decodes one boolean-ish or integer parameter with a clear message when malformed.
int64_t parse_int_param(const Params& params, std::string_view name, int64_t dflt);

} // namespace meles::services
