#include "meles/core/common/layout.hpp"

#include <cstdlib>
#include <system_error>

namespace fs = std::filesystem;

namespace meles::layout {

namespace {

// Relative to a prefix, as core/CMakeLists.txt and the install rules say.
constexpr const char* kShare = MELES_INSTALL_DATADIR "/meles";
constexpr const char* kPythonLib = "lib/meles/python";

Layout installed_at(const fs::path& prefix, std::string origin) {
	Layout l;
	l.origin = std::move(origin);
	l.prefix = prefix;
	l.system_rds = prefix / kShare / "system_rds";
	l.templates = prefix / kShare / "templates";
	l.python_lib = prefix / kPythonLib;
	return l;
}

bool is_dir(const fs::path& p) {
	std::error_code ec;
	return fs::is_directory(p, ec);
}

Layout find() {
	if (const char* env = std::getenv("MELES_PREFIX"); env && *env) return installed_at(env, "$MELES_PREFIX");
	std::error_code ec;
	fs::path exe = fs::read_symlink("/proc/self/exe", ec);
	if (!ec) {
		// <prefix>/bin/meles: a `cmake --install`, the Debian package, or either unpacked elsewhere.
		Layout l = installed_at(exe.parent_path().parent_path(), "installed");
		if (is_dir(l.system_rds)) return l;
	}
	fs::path src = MELES_SOURCE_DIR;
	if (is_dir(src / "system_rds")) {
		Layout l;
		l.origin = "source tree";
		l.prefix = src;
		l.system_rds = src / "system_rds";
		l.templates = src / "templates";
		l.python_lib = src / "rd/src/python/lib";
		return l;
	}
	return installed_at(MELES_INSTALL_PREFIX, "install prefix");
}

void override_from_env(fs::path& part, const char* name) {
	if (const char* env = std::getenv(name); env && *env) part = env;
}

} // namespace

const Layout& current() {
	static const Layout layout = [] {
		Layout l = find();
		override_from_env(l.system_rds, "MELES_SYSTEM_RDS");
		override_from_env(l.templates, "MELES_TEMPLATES");
		override_from_env(l.python_lib, "MELES_PYTHON_LIB");
		return l;
	}();
	return layout;
}

const char* version() {
	return MELES_VERSION;
}

} // namespace meles::layout
