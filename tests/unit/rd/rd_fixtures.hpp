// tests/unit/rd/rd_fixtures.hpp — shared helpers for the RD tests: the fixture RDs under
// tests/rd/fixtures (used as inputs directory) and inline RD parsing through a store.
#pragma once

#include "meles/rd/store/rd_store.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace meles::rd::test {

inline std::filesystem::path fixtures_dir() {
	return std::filesystem::path(MELES_SOURCE_DIR) / "tests" / "rd" / "fixtures";
}

inline RdStore& fixture_store() {
	static RdStore store([] {
		RdStoreOptions o;
		o.inputs_dir = fixtures_dir();
		return o;
	}());
	return store;
}

inline std::shared_ptr<const Resource> load_fixture(std::string_view id) {
	return fixture_store().get(id);
}

// Parses RD text (references to other RDs resolve against the fixtures and system RDs).
inline LoadResult parse(std::string_view xml, const std::string& id = "inline/q") {
	return fixture_store().load_text(xml, id);
}

inline std::string dump(const Diagnostics& d) {
	std::string out;
	for (auto& i : d.items())
		out += i.to_string() + "\n";
	return out;
}

// True if some diagnostic contains text (and is on `line`, if line > 0).
inline bool has_diagnostic(const Diagnostics& d, std::string_view text, int line = 0) {
	for (auto& i : d.items())
		if (i.message.find(text) != std::string::npos && (line == 0 || i.pos.line == line)) return true;
	return false;
}

} // namespace meles::rd::test
