// docs/grammars.md lists every grammar record and every option of the grammars Meles reads:
// the page is one of the record's consumers, and must not drift from it.
#include "meles/rd/ingest/grammar_registry.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

using namespace meles::rd::ingest;

namespace {

std::string docs() {
	std::ifstream in(std::string(MELES_SOURCE_DIR) + "/docs/grammars.md");
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// The table row starting with `| `name` |` (empty if none).
std::string row_of(const std::string& text, std::string_view name) {
	std::string start = "| `" + std::string(name) + "` |";
	auto at = text.find(start);
	if (at == std::string::npos) return {};
	return text.substr(at, text.find('\n', at) - at);
}

} // namespace

TEST_CASE("grammar records: docs/grammars.md lists every grammar and every option") {
	std::string text = docs();
	REQUIRE(!text.empty());
	for (const GrammarRecord& g : grammar_registry()) {
		std::string quoted = "`" + std::string(g.element) + "`";
		CHECK_MESSAGE(text.find(quoted) != std::string::npos, g.element, " is not in docs/grammars.md");
		if (g.support != GrammarSupport::Implemented) continue;
		std::string row = row_of(text, g.element);
		REQUIRE_MESSAGE(!row.empty(), g.element, " has no row in the grammar table");
		for (const GrammarOption& o : g.options)
			CHECK_MESSAGE(row.find("`" + std::string(o.name) + "`") != std::string::npos, g.element,
			              ": option ", o.name, " is not in its row of docs/grammars.md");
		for (auto c : g.children)
			CHECK_MESSAGE(row.find("`" + std::string(c) + "`") != std::string::npos, g.element, ": child ", c,
			              " is not in its row of docs/grammars.md");
	}
}
