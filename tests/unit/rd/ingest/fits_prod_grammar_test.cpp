// fitsProdGrammar (issue 14, item 1): header cards as typed fields, qnd and CFITSIO reading
// alike, gzip and tile compression, HDUs, mapKeys, and files that are not FITS, truncated or
// corrupt named in the error.
#include "fits/fits_table_fixture.hpp"
#include "ingest_test_util.hpp"
#include "meles/core/fits/fits_header_reader.hpp"
#include "meles/rd/ingest/grammars/fits_prod_grammar.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

using namespace meles;
using namespace meles::rd::ingest;
using namespace meles::rd::ingest::testing;
namespace fs = std::filesystem;

namespace {

core::fits::FixtureImage plate() {
	core::fits::FixtureImage im;
	im.naxis1 = 64;
	im.naxis2 = 48;
	im.cards = {{"OBJECT", "'M 31    '"},       {"DATE-OBS", "'1923-10-05T22:10:00'"},
	            {"EXPTIME", "3600.5"},          {"AIRMASS", "1.25D0"},
	            {"PLATENUM", "1234"},           {"PHOTOM", "T"},
	            {"QUOTE", "'O''Brien'"},        {"EMPTYVAL", ""},
	            {"ESO DET CHIP NAME", "'ccd1'"}};
	im.long_string_key = "LONGSTR";
	im.long_string = std::string(100, 'x') + "end";
	return im;
}

// field -> rendered value of the single record
std::map<std::string, std::string> record_of(const GrammarElement& el, const std::string& path,
                                             const std::string& dir) {
	auto r = read_file(el, path, dir);
	REQUIRE(r.rows.size() == 1);
	std::map<std::string, std::string> out;
	for (size_t i = 0; i < r.names.size(); ++i)
		out[r.names[i]] = r.rows[0][i];
	return out;
}

} // namespace

TEST_CASE("fitsProdGrammar: one record per file, header cards as typed fields, qnd and CFITSIO agree") {
	TempDir d;
	auto p = d.file("data/plate.fits");
	fs::create_directories(d.file("data"));
	core::fits::write_fits_image_file(p, plate());
	for (const char* qnd : {"True", "False"}) {
		CAPTURE(qnd);
		auto rec = record_of(element("fitsProdGrammar", {{"qnd", qnd}}), p, d.path());
		CHECK(rec["OBJECT"] == "M 31"); // trailing blanks do not count
		// '-' in keywords becomes '_', as DaCHS has it (@DATE_OBS in real RDs)
		CHECK(rec["DATE_OBS"] == "1923-10-05T22:10:00");
		CHECK(rec.count("DATE-OBS") == 0);
		CHECK(rec["EXPTIME"] == "3600.5");
		CHECK(rec["AIRMASS"] == "1.25");
		CHECK(rec["PLATENUM"] == "1234");
		CHECK(rec["PHOTOM"] == "T");
		CHECK(rec["QUOTE"] == "O'Brien");
		CHECK(rec["EMPTYVAL"] == "NULL");
		CHECK(rec["NAXIS1"] == "64");
		CHECK(rec["ESO DET CHIP NAME"] == "ccd1");
		CHECK(rec["LONGSTR"] == std::string(100, 'x') + "end"); // CONTINUE joined
		CHECK(rec.count("COMMENT") == 0);
	}
	auto reader = make_grammar(element("fitsProdGrammar"))->open(SourceInfo::for_file(p, d.path()));
	const FieldLayout& l = reader->layout();
	CHECK(l.field(*l.index_of("PLATENUM")).kind == ValueKind::Int);
	CHECK(l.field(*l.index_of("EXPTIME")).kind == ValueKind::Double);
	CHECK(l.field(*l.index_of("PHOTOM")).kind == ValueKind::Bool);
	CHECK(l.field(*l.index_of("OBJECT")).kind == ValueKind::Text);
}

TEST_CASE("fitsProdGrammar: gzip and tile compression (fpack) give the image's header") {
	TempDir d;
	fs::create_directories(d.file("data"));
	auto gz = d.file("data/plate.fits");
	core::fits::write_fits_image_file(gz, plate());
	REQUIRE(std::system(("gzip -f " + gz).c_str()) == 0);
	auto rec = record_of(element("fitsProdGrammar"), gz + ".gz", d.path());
	CHECK(rec["OBJECT"] == "M 31");
	CHECK(rec["NAXIS2"] == "48");
	auto fz = d.file("data/plate.fits.fz");
	auto im = plate();
	im.tile_compressed = true;
	core::fits::write_fits_image_file(fz, im);
	for (const char* qnd : {"True", "False"}) {
		CAPTURE(qnd);
		auto c = record_of(element("fitsProdGrammar", {{"qnd", qnd}}), fz, d.path());
		CHECK(c["OBJECT"] == "M 31");
		CHECK(c["NAXIS"] == "2");
		CHECK(c["NAXIS1"] == "64");
		CHECK(c["BITPIX"] == "16");
		CHECK(c.count("ZIMAGE") == 0); // the image as it was, not the compressed table
	}
}

TEST_CASE("fitsProdGrammar: hdu chooses the header, hdusField makes a record per HDU, mapKeys renames") {
	TempDir d;
	fs::create_directories(d.file("data"));
	auto p = d.file("data/mef.fits");
	auto im = plate();
	im.extensions = 2;
	core::fits::write_fits_image_file(p, im);
	auto second = record_of(element("fitsProdGrammar", {{"hdu", "2"}}), p, d.path());
	CHECK(second["EXTNAME"] == "EXT2");
	CHECK(second["HDUNUM"] == "2");
	auto all = read_file(element("fitsProdGrammar", {{"hdusField", "hdu"}}), p, d.path());
	REQUIRE(all.rows.size() == 3);
	auto col = [&](const std::string& name) {
		auto it = std::find(all.names.begin(), all.names.end(), name);
		REQUIRE(it != all.names.end());
		return static_cast<size_t>(it - all.names.begin());
	};
	CHECK(all.rows[0][col("hdu")] == "0");
	CHECK(all.rows[2][col("hdu")] == "2");
	CHECK(all.rows[0][col("OBJECT")] == "M 31");
	CHECK(all.rows[0][col("EXTNAME")] == "NULL");
	CHECK(all.rows[1][col("EXTNAME")] == "EXT1");
	GrammarElement mk =
	    element("mapKeys", {}, {element("map", {{"key", "exposure"}}, {}, "EXPTIME")}, "dateObs: DATE-OBS");
	auto mapped = record_of(element("fitsProdGrammar", {}, {mk}), p, d.path());
	CHECK(mapped["dateObs"] == "1923-10-05T22:10:00");
	CHECK(mapped["exposure"] == "3600.5");
	CHECK(mapped.count("DATE-OBS") == 0);
	CHECK(mapped.count("DATE_OBS") == 0);
	CHECK(error_of([&] {
		      make_grammar(element("fitsProdGrammar", {}, {element("mapKeys", {}, {}, "nonsense")}));
	      }).find("mapKeys: 'nonsense' is not field:KEYWORD") != std::string::npos);
	CHECK(error_of([&] {
		      read_file(element("fitsProdGrammar", {{"hdu", "7"}}), p, d.path());
	      }).find("data/mef.fits: there is no HDU 7 (the file has 3 HDUs)") != std::string::npos);
}

TEST_CASE("fitsProdGrammar: files that are not FITS, truncated or corrupt are named") {
	TempDir d;
	fs::create_directories(d.file("data"));
	auto good = d.file("data/good.fits");
	core::fits::write_fits_image_file(good, plate());
	std::string bytes;
	{
		std::ifstream in(good, std::ios::binary);
		bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
	}
	auto el = element("fitsProdGrammar");
	auto notfits = d.write("data/notes.fits", "just some text, not FITS\n");
	auto msg = error_of([&] { read_file(el, notfits, d.path()); });
	CHECK(msg.find("data/notes.fits") != std::string::npos);
	CHECK(msg.find("not a FITS file") != std::string::npos);
	// cut in the data: the header says how much there should be
	auto cut = d.write("data/cut.fits", bytes.substr(0, bytes.size() - 3000));
	msg = error_of([&] { read_file(el, cut, d.path()); });
	CHECK(msg.find("data/cut.fits: truncated: the header announces 6144 bytes of data") != std::string::npos);
	CHECK(error_of([&] {
		      read_file(element("fitsProdGrammar", {{"qnd", "False"}}), cut, d.path());
	      }).find("data/cut.fits: truncated") != std::string::npos);
	// cut in the header
	auto head = d.write("data/head.fits", bytes.substr(0, 1000));
	CHECK(error_of([&] {
		      read_file(el, head, d.path());
	      }).find("data/head.fits: truncated: the file ends inside a header") != std::string::npos);
	// binary garbage in a card
	std::string bad = bytes;
	bad[85] = '\x01';
	auto corrupt = d.write("data/corrupt.fits", bad);
	CHECK(error_of([&] {
		      read_file(el, corrupt, d.path());
	      }).find("data/corrupt.fits: corrupt header: card 2") != std::string::npos);
	// no END within maxHeaderBlocks
	std::string endless = bytes.substr(0, 2880);
	for (size_t i = 0; i < endless.size(); i += 80)
		if (endless.compare(i, 8, "END     ") == 0) endless.replace(i, 8, "NOTEND  ");
	endless += std::string(2880 * 3, ' ');
	auto noend = d.write("data/noend.fits", endless);
	CHECK(error_of([&] {
		      read_file(element("fitsProdGrammar", {{"maxHeaderBlocks", "2"}}), noend, d.path());
	      }).find("no END card in the first 2 header blocks") != std::string::npos);
	// with bad records in the batch (imp -c): one bad record naming the problem, no exception
	ReadOptions ro;
	ro.bad_records_in_batch = true;
	auto reader = make_grammar(el)->open(SourceInfo::for_file(cut, d.path()), ro);
	RecordBatch batch;
	REQUIRE(reader->next(batch));
	REQUIRE(batch.size() == 1);
	REQUIRE(batch.problem(0));
	CHECK(batch.problem(0)->find("truncated") != std::string::npos);
	CHECK(batch.pos(0).to_string() == "data/cut.fits");
	CHECK_FALSE(reader->next(batch));
}

TEST_CASE("FITS header cards: values as FITS writes them") {
	using core::fits::HeaderCard;
	auto card = [](std::string text) {
		text.resize(80, ' ');
		HeaderCard c;
		REQUIRE(core::fits::parse_card(text, c));
		return c;
	};
	CHECK(card("NAXIS   =                    2 / number of axes").integer == 2);
	CHECK(card("BZERO   =              -32768.").kind == HeaderCard::Kind::Float);
	CHECK(card("CDELT1  =  -2.7777777777778D-04").real == doctest::Approx(-2.7777777777778e-4));
	CHECK(card("RADESYS = 'ICRS    '           / frame").text == "ICRS");
	CHECK(card("SLASH   = 'a/b'").text == "a/b");
	CHECK(card("CPLX    = (1.0, 2.0)").kind == HeaderCard::Kind::Other);
	CHECK(card("HIERARCH ESO TEL AIRM START = 1.25").key == "ESO TEL AIRM START");
	CHECK(card("BIG     = 123456789012345678901234567890").kind == HeaderCard::Kind::Float);
	HeaderCard c;
	std::string comment = "COMMENT   a comment";
	comment.resize(80, ' ');
	CHECK_FALSE(core::fits::parse_card(comment, c));
	CHECK_FALSE(core::fits::parse_card(std::string(80, ' '), c));
}

TEST_CASE("fitsProdGrammar: hostile sizes in a header are corrupt headers, found at once") {
	TempDir d;
	fs::create_directories(d.file("data"));
	auto header = [](std::vector<std::string> cards) {
		std::string h;
		cards.insert(cards.begin(), "SIMPLE  =                    T");
		cards.push_back("END");
		for (auto& c : cards) {
			c.resize(80, ' ');
			h += c;
		}
		h.resize((h.size() + 2879) / 2880 * 2880, ' ');
		return h + std::string(2880, '\0');
	};
	struct Case {
		const char* name;
		std::vector<std::string> cards;
		const char* says;
	};
	const Case cases[] = {
	    // counting to 10^12 NAXISn keywords would hang the import
	    {"axes",
	     {"BITPIX  =                   16", "NAXIS   =        1000000000000"},
	     "NAXIS is 1000000000000"},
	    // 2^32 * 2^32 wraps to 0 bytes in 64 bits: the file would pass as complete
	    {"wrap",
	     {"BITPIX  =                   16", "NAXIS   =                    2",
	      "NAXIS1  =           4294967296", "NAXIS2  =           4294967296"},
	     "the data size is absurd"},
	    {"bitpix",
	     {"BITPIX  =                    7", "NAXIS   =                    1", "NAXIS1  =   10"},
	     "BITPIX is 7"},
	    {"gcount",
	     {"BITPIX  =                    8", "NAXIS   =                    1",
	      "NAXIS1  =                   10", "GCOUNT  =                   -1"},
	     "GCOUNT or PCOUNT is negative"},
	    {"pcount",
	     {"BITPIX  =                   64", "NAXIS   =                    1",
	      "NAXIS1  =                   10", "PCOUNT  =  9223372036854775807"},
	     "the data size is absurd"},
	};
	for (auto& c : cases) {
		CAPTURE(c.name);
		auto path = d.write(concat("data/", c.name, ".fits"), header(c.cards));
		auto msg = error_of([&] { read_file(element("fitsProdGrammar"), path, d.path()); });
		CHECK(msg.find(concat("data/", c.name, ".fits: corrupt header: ", c.says)) != std::string::npos);
		// CFITSIO's own reading refuses them too (its words)
		CHECK(error_of([&] {
			      read_file(element("fitsProdGrammar", {{"qnd", "False"}}), path, d.path());
		      }).find(concat("data/", c.name, ".fits")) != std::string::npos);
	}
}
