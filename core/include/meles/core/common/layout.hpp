// meles/core/common/layout.hpp — where Meles's own read-only files are: the system RDs, the
// templates `meles start` writes from and the Python package RD code imports.  The one place
// that knows both the installed layout (<prefix>/share/meles/..., <prefix>/lib/meles/python)
// and the source tree's, so a `meles` built in the tree, installed by `cmake --install` or by
// the Debian package, or unpacked anywhere (`dpkg -x`) finds them alike.
// Thread-safety: the layout is worked out once (thread-safe static) and never changes.
#pragma once

#include <filesystem>
#include <string>

namespace meles::layout {

struct Layout {
	std::string origin; // how it was found, for `meles --version`: "$MELES_PREFIX", "installed", ...
	std::filesystem::path prefix;     // installed layouts: <prefix>; the source tree: its root
	std::filesystem::path system_rds; // $MELES_SYSTEM_RDS overrides
	std::filesystem::path templates;  // $MELES_TEMPLATES overrides
	std::filesystem::path python_lib; // $MELES_PYTHON_LIB overrides
};

// In this order: $MELES_PREFIX (an installed layout rooted there); the installed layout around
// the running executable (<prefix>/bin/meles beside <prefix>/share/meles); the source tree the
// executable was built from, while it exists; the install prefix CMake was configured with.
// The three $MELES_SYSTEM_RDS, $MELES_TEMPLATES and $MELES_PYTHON_LIB replace one part each.
const Layout& current();

// The version CMake's project() declares (the Debian package's too).
const char* version();

} // namespace meles::layout
