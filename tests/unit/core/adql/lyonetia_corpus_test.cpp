// The IVOA ADQL conformance corpus (ivoa/lyonetia, src/adql/ivoa and src/adql/gavo): every
// case must parse when labelled valid="true" and be rejected when valid="false" -- 100 %.
//
// Location: $MELES_ADQL_CORPUS if set, else MELES_SHARED_DIR/adql-corpus/lyonetia.  A missing
// corpus fails the test (it must never pass by running nothing).
//
// Only parsing is checked (parse_only), as the corpus intends.  Two things a parser cannot
// know come from outside the grammar and are supplied here:
//  - user-defined functions: those a file declares in <functions> are accepted, as in the
//    lyonetia validator; in addition the functions of the services the queries were written
//    for, which their files do not declare: ESO's ESO_INTERSECTION and eso_dateadd_sec
//    (ivoa/X1_obscore_eso.xml samples ESO's archive) and ivo_foo/ivo_getstring (string UDFs
//    DaCHS's parser tests call, gavo/additionaltests.xml and gavo/simpleunit.xml).  Every
//    other unknown function is rejected, e.g. ivoa/O2's my_undefined_function and TAN2.
//  - gavo/warts.xml lists queries DaCHS accepts "but shouldn't".  All three are grammatical
//    ADQL 2.1 (an integer literal and COUNT(*) are <value_expression_primary>s, so legal
//    <geometry_value_expression>s for CENTROID; a string literal is a <numeric_primary>, so
//    legal as a POINT coordinate), so following the grammar the parser accepts them, as
//    labelled.  They are type errors, which translate() reports (checked below).
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace meles;
using namespace meles::adql;
namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() {
	if (const char* env = std::getenv("MELES_ADQL_CORPUS"); env && *env) return env;
	return fs::path(MELES_SHARED_DIR) / "adql-corpus" / "lyonetia";
}

std::string read(const fs::path& p) {
	std::ifstream in(p, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// XML text content: CDATA kept verbatim, the five entities and numeric references decoded.
std::string xml_text(std::string_view s) {
	std::string out;
	for (size_t i = 0; i < s.size();) {
		if (s.substr(i, 9) == "<![CDATA[") {
			size_t end = s.find("]]>", i + 9);
			out += s.substr(i + 9, end - i - 9);
			i = end == std::string_view::npos ? s.size() : end + 3;
		} else if (s[i] == '&') {
			size_t semi = s.find(';', i);
			std::string_view ent = s.substr(i + 1, semi - i - 1);
			if (ent == "lt")
				out += '<';
			else if (ent == "gt")
				out += '>';
			else if (ent == "amp")
				out += '&';
			else if (ent == "quot")
				out += '"';
			else if (ent == "apos")
				out += '\'';
			else if (!ent.empty() && ent[0] == '#') {
				long cp = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X')
				              ? std::strtol(std::string(ent.substr(2)).c_str(), nullptr, 16)
				              : std::strtol(std::string(ent.substr(1)).c_str(), nullptr, 10);
				if (cp < 0x80)
					out += static_cast<char>(cp);
				else if (cp < 0x800)
					out += static_cast<char>(0xC0 | (cp >> 6)), out += static_cast<char>(0x80 | (cp & 0x3F));
				else
					out += static_cast<char>(0xE0 | (cp >> 12)),
					    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
					    out += static_cast<char>(0x80 | (cp & 0x3F));
			}
			i = semi + 1;
		} else {
			out += s[i++];
		}
	}
	return out;
}

// All <tag ...>content</tag> in s (not nested in themselves).
std::vector<std::pair<std::string_view, std::string_view>> elements(std::string_view s,
                                                                    std::string_view tag) {
	std::vector<std::pair<std::string_view, std::string_view>> out;
	std::string open = "<" + std::string(tag), close = "</" + std::string(tag) + ">";
	size_t pos = 0;
	for (;;) {
		size_t a = s.find(open, pos);
		if (a == std::string_view::npos) break;
		char after = a + open.size() < s.size() ? s[a + open.size()] : '>';
		if (after != '>' && after != ' ' && after != '\n' && after != '\t') {
			pos = a + 1;
			continue;
		}
		size_t gt = s.find('>', a);
		size_t b = s.find(close, gt);
		if (gt == std::string_view::npos || b == std::string_view::npos) break;
		out.emplace_back(s.substr(a, gt - a), s.substr(gt + 1, b - gt - 1));
		pos = b + close.size();
	}
	return out;
}

std::string attribute(std::string_view start_tag, std::string_view name) {
	std::string key = " " + std::string(name) + "=\"";
	size_t a = start_tag.find(key);
	if (a == std::string_view::npos) return {};
	a += key.size();
	return std::string(start_tag.substr(a, start_tag.find('"', a) - a));
}

std::vector<std::string> declared_functions(std::string_view block) {
	std::vector<std::string> out;
	for (const auto& [tag, fn] : elements(block, "functions"))
		for (const auto& [t, form] : elements(fn, "form")) {
			std::string text = xml_text(form);
			out.emplace_back(trim(text.substr(0, text.find('('))));
		}
	return out;
}

struct Outcome {
	int cases = 0;
	int failures = 0;
	std::string report;
};

void check_file(const fs::path& file, Outcome& outcome) {
	std::string xml = read(file);
	std::string_view doc(xml);
	std::string name = file.parent_path().filename().string() + "/" + file.filename().string();
	// file-level <functions> come before the first <query>
	size_t first_query = doc.find("<query");
	std::vector<std::string> file_functions = declared_functions(doc.substr(0, first_query));
	for (const char* f : {"ESO_INTERSECTION", "eso_dateadd_sec", "ivo_foo", "ivo_getstring"})
		file_functions.emplace_back(f);
	for (const auto& [qtag, qbody] : elements(doc, "query")) {
		ParseOptions options;
		options.extra_functions = file_functions;
		for (auto& f : declared_functions(qbody))
			options.extra_functions.push_back(std::move(f));
		std::string description =
		    xml_text(elements(qbody, "description").empty() ? std::string_view()
		                                                    : elements(qbody, "description")[0].second);
		for (const auto& [atag, abody] : elements(qbody, "adql")) {
			bool valid = attribute(atag, "valid") == "true";
			std::string query = xml_text(abody);
			++outcome.cases;
			std::string error;
			bool parsed = true;
			try {
				parse_only(query, options);
			} catch (const Error& e) {
				parsed = false;
				error = e.message();
			}
			if (parsed != valid) {
				++outcome.failures;
				outcome.report +=
				    concat(name, " [", normalize_space(description), "] expected ",
				           valid ? "valid" : "invalid", ", got ", parsed ? "accepted" : "rejected: " + error,
				           "\n    ", normalize_space(query), "\n");
			}
		}
	}
}

} // namespace

TEST_CASE("lyonetia corpus: ivoa/ and gavo/ parse or fail exactly as labelled") {
	fs::path dir = corpus_dir();
	INFO("corpus directory: " << dir.string() << " (set MELES_ADQL_CORPUS to override)");
	REQUIRE_MESSAGE(fs::is_directory(dir / "ivoa"),
	                "the lyonetia ADQL corpus is missing: " << (dir / "ivoa").string());
	REQUIRE_MESSAGE(fs::is_directory(dir / "gavo"),
	                "the lyonetia ADQL corpus is missing: " << (dir / "gavo").string());
	Outcome outcome;
	int files = 0;
	for (const char* sub : {"ivoa", "gavo"}) {
		std::vector<fs::path> paths;
		for (const auto& e : fs::directory_iterator(dir / sub))
			if (e.path().extension() == ".xml") paths.push_back(e.path());
		std::sort(paths.begin(), paths.end());
		for (const auto& p : paths) {
			check_file(p, outcome);
			++files;
		}
	}
	MESSAGE(outcome.cases << " corpus cases in " << files << " files, " << outcome.failures
	                      << " not as labelled");
	// 196 + 288 cases in the snapshot under shared/: a truncated corpus must not pass.
	CHECK(files >= 25);
	CHECK(outcome.cases >= 480);
	CHECK_MESSAGE(outcome.failures == 0, outcome.report);
}

TEST_CASE("lyonetia corpus: the gavo warts parse but are type errors when translated") {
	SimpleCatalog cat = parse_table_file("table s.y\ncolumn x spoint\ncolumn z \"double precision\"\n");
	struct Wart {
		const char* query;
		ErrorKind kind;
	} warts[] = {
	    {"select x from y where CENTROID(3)=x", ErrorKind::Type},
	    // an aggregate in WHERE is refused before its type is looked at
	    {"select x from y where CENTROID(COUNT(*))=x", ErrorKind::Syntax},
	    {"select CENTROID(COUNT(*)) from y", ErrorKind::Type},
	    {"SELECT * FROM y WHERE 1=CONTAINS(POINT('ICRS',z,'sy') ,CIRCLE('ICRS',z,z,z))", ErrorKind::Type},
	};
	for (const auto& w : warts) {
		INFO(w.query);
		CHECK_NOTHROW(parse_only(w.query));
		try {
			translate(w.query, cat);
			FAIL_CHECK("translated a wart");
		} catch (const Error& e) {
			CHECK(e.kind() == w.kind);
		}
	}
}
