#include "meles/core/common/layout.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

using namespace meles;
namespace fs = std::filesystem;

// The test binary lives in the build tree, away from any installed layout: it must find the
// source tree's files (how scripts/test and scripts/demo run).  Installed layouts and
// $MELES_PREFIX are tested on the Debian package (tests/package, ctest -L package).
TEST_CASE("layout: a meles in the build tree uses the source tree's files") {
	if (std::getenv("MELES_PREFIX") || std::getenv("MELES_SYSTEM_RDS") || std::getenv("MELES_PYTHON_LIB") ||
	    std::getenv("MELES_TEMPLATES"))
		return; // an override in the environment decides instead
	auto& l = layout::current();
	CHECK(l.origin == "source tree");
	CHECK(fs::equivalent(l.prefix, MELES_SOURCE_DIR));
	CHECK(fs::is_regular_file(l.system_rds / "tap.rd"));
	CHECK(fs::is_regular_file(l.templates / "scs.rdt"));
	CHECK(fs::is_regular_file(l.python_lib / "gavo" / "api.py"));
	CHECK(std::string(layout::version()).find('.') != std::string::npos);
}
