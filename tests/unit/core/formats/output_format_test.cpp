// The output format table: RESPONSEFORMAT aliases and MIME types, and the factory.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/formats/output_format.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace meles;
using formats::OutputFormat;

TEST_CASE("RESPONSEFORMAT values from TAP and DALI map to the right writer") {
	struct Case {
		const char* value;
		OutputFormat format;
	};
	const Case cases[] = {
	    {"votable", OutputFormat::VOTableBinary2},
	    {"application/x-votable+xml", OutputFormat::VOTableBinary2},
	    {"text/xml", OutputFormat::VOTableBinary2},
	    {"votable/td", OutputFormat::VOTableTabledata},
	    {"application/x-votable+xml;serialization=TABLEDATA", OutputFormat::VOTableTabledata},
	    {"votable/b", OutputFormat::VOTableBinary},
	    {"application/x-votable+xml;serialization=BINARY", OutputFormat::VOTableBinary},
	    {"votable/b2", OutputFormat::VOTableBinary2},
	    {"application/x-votable+xml;serialization=BINARY2", OutputFormat::VOTableBinary2},
	    {"Application/X-VOTable+XML; serialization = binary2", OutputFormat::VOTableBinary2},
	    {"csv", OutputFormat::Csv},
	    {"text/csv", OutputFormat::Csv},
	    {"text/csv;header=present", OutputFormat::Csv},
	    {"tsv", OutputFormat::Tsv},
	    {"text/tab-separated-values", OutputFormat::Tsv},
	    {"fits", OutputFormat::Fits},
	    {"application/fits", OutputFormat::Fits},
	    {"json", OutputFormat::Json},
	    {"application/json", OutputFormat::Json},
	    {" CSV ", OutputFormat::Csv},
	};
	for (auto& c : cases) {
		CAPTURE(c.value);
		auto* f = formats::find_output_format(c.value);
		REQUIRE(f != nullptr);
		CHECK(f->format == c.format);
	}
	CHECK(formats::find_output_format("votable/b3") == nullptr);
	CHECK(formats::find_output_format("application/x-votable+xml;serialization=FITS") == nullptr);
	CHECK(formats::find_output_format("") == nullptr);
}

TEST_CASE("The format table advertises each mime and alias once") {
	std::set<std::string> mimes, aliases;
	for (auto& f : formats::output_formats()) {
		CHECK(mimes.insert(std::string(f.mime)).second);
		for (auto a : f.aliases)
			CHECK(aliases.insert(std::string(a)).second);
		CHECK(!f.file_extension.empty());
	}
	CHECK(formats::output_formats()[0].mime == "application/x-votable+xml");
	CHECK(formats::output_format_info(OutputFormat::VOTableBinary2).mime ==
	      "application/x-votable+xml;serialization=BINARY2");
	CHECK(formats::output_format_info(OutputFormat::Fits).mime == "application/fits");
}

TEST_CASE(
    "Every VOTable serialization carries its TAPRegExt identifier, and every served format is declared") {
	auto standard_id = [](OutputFormat f) -> std::string_view {
		switch (f) {
		case OutputFormat::VOTableTabledata:
			return "ivo://ivoa.net/std/TAPRegExt#output-votable-td";
		case OutputFormat::VOTableBinary:
			return "ivo://ivoa.net/std/TAPRegExt#output-votable-binary";
		case OutputFormat::VOTableBinary2:
			return "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2";
		default:
			return ""; // TAPRegExt defines none for CSV, TSV, FITS, JSON
		}
	};
	std::set<OutputFormat> declared;
	for (auto& f : formats::output_formats()) {
		CAPTURE(f.mime);
		if (!f.advertise) continue;
		declared.insert(f.format);
		CHECK(f.ivo_id == standard_id(f.format));
	}
	// whatever spelling a request uses, the format it gets is one the capabilities declare
	for (auto& f : formats::output_formats()) {
		std::vector<std::string_view> spellings{f.mime};
		spellings.insert(spellings.end(), f.aliases.begin(), f.aliases.end());
		spellings.insert(spellings.end(), f.also_accepted.begin(), f.also_accepted.end());
		for (auto s : spellings) {
			CAPTURE(s);
			auto* found = formats::find_output_format(s);
			REQUIRE(found != nullptr);
			CHECK(found->advertise);
			CHECK(declared.count(found->format) == 1);
		}
	}
	for (auto f : {OutputFormat::VOTableTabledata, OutputFormat::VOTableBinary, OutputFormat::VOTableBinary2,
	               OutputFormat::Csv, OutputFormat::Tsv, OutputFormat::Fits, OutputFormat::Json})
		CHECK(declared.count(f) == 1);
}

TEST_CASE("make_table_writer gives a writer of each format") {
	for (auto& f : formats::output_formats()) {
		CAPTURE(f.mime);
		StringSink sink;
		formats::WriterOptions o;
		o.spool_dir = std::filesystem::temp_directory_path();
		auto w = formats::make_table_writer(f.format, sink, o);
		w->begin(testing::sample_header());
		testing::write_sample_rows(*w);
		w->finish(formats::EndStatus::Ok);
		CHECK(w->rows() == 4);
		const std::string& s = sink.str();
		switch (f.format) {
		case OutputFormat::VOTableTabledata:
			CHECK(s.find("<TABLEDATA>") != std::string::npos);
			break;
		case OutputFormat::VOTableBinary:
			CHECK(s.find("<BINARY><STREAM") != std::string::npos);
			break;
		case OutputFormat::VOTableBinary2:
			CHECK(s.find("<BINARY2><STREAM") != std::string::npos);
			break;
		case OutputFormat::Csv:
			CHECK(s.rfind("b,s,i,l,", 0) == 0);
			break;
		case OutputFormat::Tsv:
			CHECK(s.rfind("b\ts\ti\tl\t", 0) == 0);
			break;
		case OutputFormat::Json:
			CHECK(s.rfind("{\"columns\":[", 0) == 0);
			break;
		case OutputFormat::Fits:
			CHECK(s.rfind("SIMPLE  =", 0) == 0);
			break;
		}
	}
}

TEST_CASE(
    "RESPONSEFORMAT version parameter chooses the VOTable version, and COOSYS refposition comes with 1.5") {
	auto r = formats::parse_response_format("application/x-votable+xml;serialization=TABLEDATA;version=1.5");
	CHECK(r.format->format == OutputFormat::VOTableTabledata);
	CHECK(r.votable_version == "1.5");
	r = formats::parse_response_format("votable; version = \"1.4\"");
	CHECK(r.format->format == OutputFormat::VOTableBinary2);
	CHECK(r.votable_version == "1.4");
	r = formats::parse_response_format("csv");
	CHECK(r.format->format == OutputFormat::Csv);
	CHECK(r.votable_version.empty());
	CHECK_THROWS_WITH_AS(formats::parse_response_format("votable;version=2.0"),
	                     doctest::Contains("VOTable version 2.0"), meles::Error);
	CHECK_THROWS_WITH_AS(formats::parse_response_format("excel;version=1.5"),
	                     doctest::Contains("unknown RESPONSEFORMAT"), meles::Error);

	auto coosys = [](const std::string& version) {
		StringSink sink;
		formats::WriterOptions o;
		o.votable_version = version;
		auto w = formats::make_table_writer(OutputFormat::VOTableTabledata, sink, o);
		w->begin(testing::sample_header());
		w->finish(formats::EndStatus::Ok, "");
		std::string doc = sink.take();
		auto at = doc.find("<COOSYS");
		REQUIRE(at != std::string::npos);
		return doc.substr(at, doc.find("/>", at) - at);
	};
	CHECK(coosys("1.5").find("refposition=\"UNKNOWN\"") != std::string::npos);
	CHECK(coosys("1.4").find("refposition") == std::string::npos); // not in the 1.4 schema
	CHECK(coosys("1.3").find("refposition") == std::string::npos);
}
