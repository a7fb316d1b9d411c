#include "meles/core/formats/output_format.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/fits/fits_table_writer.hpp"
#include "meles/core/formats/delimited_writer.hpp"
#include "meles/core/formats/json_writer.hpp"
#include "meles/core/votable/votable_writer.hpp"

#include <array>

namespace meles::formats {

namespace {

using namespace std::string_view_literals;

constexpr std::array kVotAliases = {"votable"sv};
constexpr std::array kVotAlso = {"text/xml"sv, "application/xml"sv, "vot"sv};
constexpr std::array kTdAliases = {"votable/td"sv};
constexpr std::array kTdAlso = {"votabletd"sv, "votable/tabledata"sv};
constexpr std::array kBinAliases = {"votable/b"sv};
constexpr std::array kBinAlso = {"votableb"sv, "votable/binary"sv};
constexpr std::array kBin2Aliases = {"votable/b2"sv};
constexpr std::array kBin2Also = {"votableb2"sv, "votable/binary2"sv};
constexpr std::array kCsvAliases = {"csv"sv};
constexpr std::array kCsvAlso = {"text/csv;header=present"sv};
constexpr std::array kTsvAliases = {"tsv"sv};
constexpr std::array kTsvAlso = {"text/tsv"sv, "tab-separated-values"sv};
constexpr std::array kFitsAliases = {"fits"sv};
constexpr std::array kFitsAlso = {"application/fits-table"sv, "image/fits"sv};
constexpr std::array kJsonAliases = {"json"sv};
constexpr std::array<std::string_view, 0> kNone = {};

// TAPRegExt's identifiers of the VOTable serializations (TAPRegExt 1.0, 2.4; BINARY2 in 1.1)
constexpr std::string_view kIvoTd = "ivo://ivoa.net/std/TAPRegExt#output-votable-td";
constexpr std::string_view kIvoBinary = "ivo://ivoa.net/std/TAPRegExt#output-votable-binary";
constexpr std::string_view kIvoBinary2 = "ivo://ivoa.net/std/TAPRegExt#output-votable-binary2";

const OutputFormatInfo kFormats[] = {
    // plain VOTable is written as BINARY2, and declared so
    {OutputFormat::VOTableBinary2, "application/x-votable+xml", kVotAliases, kVotAlso, "vot", true,
     kIvoBinary2},
    {OutputFormat::VOTableTabledata, "application/x-votable+xml;serialization=TABLEDATA", kTdAliases, kTdAlso,
     "vot", true, kIvoTd},
    {OutputFormat::VOTableBinary, "application/x-votable+xml;serialization=BINARY", kBinAliases, kBinAlso,
     "vot", true, kIvoBinary},
    {OutputFormat::VOTableBinary2, "application/x-votable+xml;serialization=BINARY2", kBin2Aliases, kBin2Also,
     "vot", true, kIvoBinary2},
    {OutputFormat::Csv, "text/csv", kCsvAliases, kCsvAlso, "csv", true},
    {OutputFormat::Tsv, "text/tab-separated-values", kTsvAliases, kTsvAlso, "tsv", true},
    {OutputFormat::Fits, "application/fits", kFitsAliases, kFitsAlso, "fits", true},
    {OutputFormat::Json, "application/json", kJsonAliases, kNone, "json", true},
};

// Lower case, no blanks: "Application/X-VOTable+XML; serialization = BINARY2" and the table's
// spelling compare equal.
std::string normalize(std::string_view s) {
	std::string out;
	out.reserve(s.size());
	for (char c : trim(s))
		if (c != ' ' && c != '\t') out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	return out;
}

} // namespace

std::span<const OutputFormatInfo> output_formats() {
	return kFormats;
}

const OutputFormatInfo* find_output_format(std::string_view responseformat) {
	std::string want = normalize(responseformat);
	for (auto& f : kFormats) {
		if (normalize(f.mime) == want) return &f;
		for (auto a : f.aliases)
			if (normalize(a) == want) return &f;
		for (auto a : f.also_accepted)
			if (normalize(a) == want) return &f;
	}
	return nullptr;
}

ResponseFormat parse_response_format(std::string_view value) {
	ResponseFormat r;
	std::vector<std::string> kept;
	for (auto& part : split(value, ';')) {
		auto t = trim(part);
		auto eq = t.find('=');
		if (eq != std::string_view::npos && iequals(trim(t.substr(0, eq)), "version")) {
			std::string v(trim(t.substr(eq + 1)));
			if (v.size() > 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
			if (v != "1.3" && v != "1.4" && v != "1.5")
				throw Error(ErrorKind::Validation,
				            concat("RESPONSEFORMAT asks for VOTable version ", excerpt(v),
				                   "; this service writes 1.3, 1.4 and 1.5"));
			r.votable_version = v;
			continue;
		}
		kept.push_back(std::string(t));
	}
	r.format = find_output_format(join(kept, ";"));
	if (!r.format) {
		std::string list;
		for (auto& f : output_formats())
			if (f.advertise) list += (list.empty() ? "" : ", ") + std::string(f.mime);
		throw Error(ErrorKind::Validation,
		            concat("unknown RESPONSEFORMAT '", excerpt(value), "' (known: ", list, ")"));
	}
	return r;
}

const OutputFormatInfo& output_format_info(OutputFormat format) {
	// Skip the plain-VOTable row so BINARY2 gets its explicit mime.
	for (std::size_t i = 1; i < std::size(kFormats); ++i)
		if (kFormats[i].format == format) return kFormats[i];
	return kFormats[0];
}

std::unique_ptr<TableWriter> make_table_writer(OutputFormat format, ByteSink& sink,
                                               const WriterOptions& options) {
	votable::VOTableOptions vo;
	vo.version = options.votable_version;
	vo.coosys_system = options.coosys_system;
	vo.coosys_refposition = options.coosys_refposition;
	vo.timesys_timescale = options.timesys_timescale;
	switch (format) {
	case OutputFormat::VOTableTabledata:
		vo.serialization = votable::Serialization::Tabledata;
		break;
	case OutputFormat::VOTableBinary:
		vo.serialization = votable::Serialization::Binary;
		break;
	case OutputFormat::VOTableBinary2:
		vo.serialization = votable::Serialization::Binary2;
		break;
	case OutputFormat::Csv:
		return make_delimited_writer(sink, Delimiter::Comma);
	case OutputFormat::Tsv:
		return make_delimited_writer(sink, Delimiter::Tab);
	case OutputFormat::Json:
		return make_json_writer(sink);
	case OutputFormat::Fits:
		return fits::make_fits_table_writer(sink, options.spool_dir);
	}
	return votable::make_votable_writer(sink, vo);
}

} // namespace meles::formats
