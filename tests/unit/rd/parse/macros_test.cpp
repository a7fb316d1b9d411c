// Macro syntax (expand_macros) and the import-time expansion of rowmaker macros.
#include "meles/rd/parse/macros.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace meles;
using namespace meles::rd;
namespace fs = std::filesystem;

namespace {

class Upper : public MacroScope {
public:
	std::optional<std::string> call(std::string_view name,
	                                const std::vector<std::string>& args) const override {
		if (name == "up" && args.size() == 1) {
			std::string s = args[0];
			for (auto& c : s)
				c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
			return s;
		}
		if (name == "cat") {
			std::string s;
			for (auto& a : args)
				s += a;
			return s;
		}
		if (name == "fail") throw Error(ErrorKind::Validation, "this macro always fails");
		return std::nullopt;
	}
	void names(std::vector<std::string>& out) const override {
		out.push_back("up");
		out.push_back("cat");
	}
};

std::string ex(std::string_view text, bool keep_unknown = false, bool keep_row = false) {
	static Upper upper;
	MapMacroScope scope({{"ab", "X"}, {"name", "flux"}}, &upper);
	ExpandOptions o;
	o.keep_unknown = keep_unknown;
	o.keep_row_macros = keep_row;
	return expand_macros(text, scope, o, SourcePos{"t.rd", 3, 0});
}

} // namespace

TEST_CASE("macro syntax") {
	CHECK(ex("plain text") == "plain text");
	CHECK(ex("\\ab and \\name") == "X and flux");
	CHECK(ex("\\up{abc}") == "ABC");
	CHECK(ex("\\cat{a}{b}{c}") == "abc");
	CHECK(ex("\\up{x\\name}") == "XFLUX");       // macros inside arguments
	CHECK(ex("\\cat{\\{}{\\}}") == "{}");        // escaped braces in arguments
	CHECK(ex("\\\\name") == "\\name");           // \\ is a literal backslash
	CHECK(ex("\\name\\+s") == "fluxs");          // glue
	CHECK(ex("a\\\nb") == "a b");                // backslash-newline
	CHECK(ex("\\n \\d+ \\s") == "\\n \\d+ \\s"); // one-letter names are no macros
	CHECK(ex("trailing \\") == "trailing \\");
	CHECK(ex("\\name_x", true) == "\\name_x"); // names are greedy: name_x is unknown
	CHECK(ex("\\unknown{a}{b} stays", true) == "\\unknown{a}{b} stays");
	CHECK(ex("\\srcstem.fits", false, true) == "\\srcstem.fits");
	CHECK(ex("\\fullDLURL{sdl}", false, true) == "\\fullDLURL{sdl}");
}

TEST_CASE("macro errors name the macro and the position") {
	try {
		ex("x \\nmae y");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Name);
		CHECK(e.message().find("unknown macro \\nmae (did you mean 'name'?)") == 0);
		REQUIRE(e.pos());
		CHECK(e.pos()->line == 3);
	}
	CHECK_THROWS_WITH_AS(ex("\\up{abc"), doctest::Contains("unterminated argument of macro \\up"), Error);
	CHECK_THROWS_WITH_AS(ex("\\fail"), doctest::Contains("this macro always fails"), Error);
	CHECK_THROWS_WITH_AS(ex("\\ab{x}"), doctest::Contains("macro \\ab takes no arguments"), Error);
	CHECK_THROWS_WITH_AS(ex("\\srcstem"), doctest::Contains("only available in rowmakers"), Error);
}

TEST_CASE("rowmaker macros are expanded per source at import time") {
	fs::path dir = fs::temp_directory_path() / "meles_rowmacro_test";
	fs::create_directories(dir / "inputs" / "res" / "data");
	fs::path src = dir / "inputs" / "res" / "data" / "img001.fits";
	{
		std::ofstream out(src);
		out << std::string(2880, ' ');
	}
	RowMacroContext c;
	c.source = src;
	c.inputs_dir = dir / "inputs";
	c.resdir = dir / "inputs" / "res";
	c.rd_id = "res/q";
	c.server_url = "http://dc.example.org";
	c.authority = "org.example";
	c.rows_made = 41;
	c.rows_processed = 42;
	c.properties = {{"previewDir", "previews", {}}};
	c.doc_field = [](std::string_view n) -> std::optional<std::string> {
		if (n == "OBJECT") return "M31";
		return std::nullopt;
	};
	auto py = [&](std::string_view t) { return expand_row_macros(t, c, RowMacroRendering::PythonLiteral); };
	auto plain = [&](std::string_view t) { return expand_row_macros(t, c, RowMacroRendering::PlainText); };
	CHECK(py("\\srcstem") == "'img001'");
	CHECK(plain("\\srcstem") == "img001");
	CHECK(py("\\inputRelativePath") == "'res/data/img001.fits'");
	CHECK(py("\\fullPath") == "'" + fs::weakly_canonical(src).generic_string() + "'");
	CHECK(plain("\\rootlessPath").front() != '/');
	CHECK(py("\\inputSize") == "2880");
	CHECK(py("\\lastSourceElements{2}") == "'data/img001.fits'");
	CHECK(py("\\standardPubDID") == "'ivo://org.example/~?res/data/img001.fits'");
	CHECK(plain("\\fullDLURL{sdl}") ==
	      "http://dc.example.org/res/q/sdl/dlget?ID=ivo%3A%2F%2Forg.example%2F~%3Fres%2Fdata%2Fimg001.fits");
	CHECK(plain("\\dlMetaURI{sdl}").find("/res/q/sdl/dlmeta?ID=") != std::string::npos);
	CHECK(plain("\\standardPreviewPath") == "previews/data/img001.fits");
	CHECK(py("\\property{previewDir}") == "'previews'");
	CHECK(py("\\docField{OBJECT}") == "'M31'");
	CHECK(py("\\rowsMade + \\rowsProcessed") == "41 + 42");
	CHECK(py("\\sourceDate").starts_with("parseISODT('"));
	CHECK(py("float(@x) + \\n \\\\ \\other") == "float(@x) + \\n \\\\ \\other"); // everything else untouched
	CHECK(uses_per_row_macros("a + \\rowsMade"));
	CHECK_FALSE(uses_per_row_macros("\\srcstem"));
	CHECK(row_macros_in("\\srcstem + \\\\srcstem + \\fullDLURL{x}") ==
	      std::vector<std::string>{"srcstem", "fullDLURL"});
	CHECK_THROWS_WITH_AS(py("\\property{nope}"), doctest::Contains("no such property"), Error);
	CHECK_THROWS_WITH_AS(py("\\docField{nope}"), doctest::Contains("no document field"), Error);
	fs::remove_all(dir);
}

TEST_CASE("inputRelativePath: a linked-in data directory keeps its name, a file outside has no accref") {
	fs::path dir = fs::temp_directory_path() / "meles_rowmacro_links_test";
	fs::remove_all(dir);
	fs::create_directories(dir / "inputs" / "res");
	fs::create_directories(dir / "bigdisk" / "plates");
	{
		std::ofstream out(dir / "bigdisk" / "plates" / "p1.fits");
		out << std::string(2880, ' ');
	}
	// the usual layout: the data directory is a link to a bigger disk
	fs::create_directory_symlink(dir / "bigdisk" / "plates", dir / "inputs" / "res" / "data");
	RowMacroContext c;
	c.inputs_dir = dir / "inputs";
	c.resdir = dir / "inputs" / "res";
	c.authority = "org.example";
	auto py = [&](std::string_view t) { return expand_row_macros(t, c, RowMacroRendering::PythonLiteral); };
	c.source = dir / "inputs" / "res" / "data" / "p1.fits";
	CHECK(py("\\inputRelativePath") == "'res/data/p1.fits'");
	CHECK(py("\\standardPubDID") == "'ivo://org.example/~?res/data/p1.fits'");
	// the inputs directory spelt through a link of its own
	fs::create_directory_symlink(dir / "inputs", dir / "inputs-link");
	c.source = dir / "inputs-link" / "res" / "data" / "p1.fits";
	CHECK(py("\\inputRelativePath") == "'res/data/p1.fits'");
	// a file reached by an absolute or ../ pattern: no key spelling a server path
	c.source = dir / "bigdisk" / "plates" / "p1.fits";
	CHECK_THROWS_WITH_AS(py("\\inputRelativePath"), doctest::Contains("p1.fits lies outside"), Error);
	c.source = dir / "inputs" / "res" / ".." / ".." / "bigdisk" / "plates" / "p1.fits";
	CHECK_THROWS_WITH_AS(py("\\standardPubDID"), doctest::Contains("lies outside"), Error);
	fs::remove_all(dir);
}
