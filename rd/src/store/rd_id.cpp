#include "meles/rd/store/rd_id.hpp"

#include "meles/core/common/error.hpp"

#include <vector>

namespace fs = std::filesystem;

namespace meles::rd {

bool is_system_rd_id(std::string_view id) {
	return id.starts_with("//") || id.starts_with("__system__/");
}

std::string system_rd_name(std::string_view id) {
	if (id.starts_with("//")) return std::string(id.substr(2));
	if (id.starts_with("__system__/")) return std::string(id.substr(11));
	return std::string(id);
}

std::string rd_id_from_path(const fs::path& inputs_dir, const fs::path& path) {
	std::error_code ec;
	fs::path abs = fs::weakly_canonical(path, ec);
	if (ec) abs = fs::absolute(path);
	fs::path base = fs::weakly_canonical(inputs_dir, ec);
	if (ec) base = fs::absolute(inputs_dir);
	fs::path rel = abs.lexically_relative(base);
	fs::path use = (!rel.empty() && *rel.begin() != "..") ? rel : abs;
	if (use.extension() == ".rd") use.replace_extension();
	std::string id = use.generic_string();
	while (!id.empty() && id.front() == '/' && use == abs)
		id.erase(0, 1);
	return id;
}

fs::path resolve_rd_file(std::string_view arg, const fs::path& inputs_dir, const fs::path& system_rds_dir) {
	std::string s(arg);
	if (is_system_rd_id(s)) {
		fs::path p = system_rds_dir / (system_rd_name(s) + ".rd");
		std::error_code ec;
		if (fs::exists(p, ec)) return p;
		throw Error(ErrorKind::NotFound, concat("no system RD ", s, " (looked for ", p.string(), ")"));
	}
	// A NUL would end the file name early in the system calls: "x.csv\0" would open x.csv.
	for (char c : s)
		if (static_cast<unsigned char>(c) < 0x20)
			throw Error(ErrorKind::NotFound, "no RD of a name with control characters");
	std::vector<fs::path> tried;
	// Only files ending in .rd are RDs.
	auto attempt = [&](const fs::path& p) -> bool {
		tried.push_back(p);
		// Not the throwing overload: a daemon started in a directory its user may not read
		// (`cd /root; meles serve start`) must still find RDs below the inputs directory.
		std::error_code ec;
		return p.extension() == ".rd" && fs::is_regular_file(p, ec);
	};
	fs::path as_path(s);
	if (as_path.extension() == ".rd" && attempt(as_path)) return as_path;
	if (as_path.extension() != ".rd" && attempt(fs::path(s + ".rd"))) return fs::path(s + ".rd");
	if (as_path.is_relative()) {
		if (as_path.extension() == ".rd" && attempt(inputs_dir / as_path)) return inputs_dir / as_path;
		if (attempt(inputs_dir / (s + ".rd"))) return inputs_dir / (s + ".rd");
	}
	std::string list;
	for (auto& t : tried)
		list += (list.empty() ? "" : ", ") + t.string();
	throw Error(ErrorKind::NotFound, concat("no RD '", s, "' (tried ", list, ")"));
}

} // namespace meles::rd
