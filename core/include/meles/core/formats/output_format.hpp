// meles/core/formats/output_format.hpp — the table of tabular output formats: MIME types,
// TAP RESPONSEFORMAT aliases, and the factory that makes a writer for each.
//
// TAP's RESPONSEFORMAT/FORMAT lookup, the Content-Type of responses and the <outputFormat>
// entries of TAPRegExt capabilities all come from output_formats(), so they cannot disagree.
// Thread-safety: immutable data and pure functions.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace meles::formats {

enum class OutputFormat { VOTableTabledata, VOTableBinary, VOTableBinary2, Csv, Tsv, Fits, Json };

struct OutputFormatInfo {
	OutputFormat format;
	// Declared as <mime> in TAPRegExt and sent as Content-Type.
	std::string_view mime;
	// Declared as <alias> in TAPRegExt; accepted in RESPONSEFORMAT like the mime.
	std::span<const std::string_view> aliases;
	// Further spellings accepted but not advertised (e.g. "text/xml").
	std::span<const std::string_view> also_accepted;
	std::string_view file_extension; // for async result names: "vot", "csv", ...
	bool advertise;                  // list in capabilities
	// The standard identifier TAPRegExt defines for the format (ivo-id of <outputFormat>),
	// empty where there is none (CSV, TSV, FITS and JSON have none).
	std::string_view ivo_id = {};
};

// Every row of the table, in the order capabilities list them.  The first row is plain VOTable
// (mime application/x-votable+xml, alias "votable"), written as BINARY2.
std::span<const OutputFormatInfo> output_formats();

// Finds the row for a RESPONSEFORMAT/FORMAT value: mime types and aliases, compared without case
// and ignoring blanks around ';' and '=' ("application/x-votable+xml; serialization=binary2").
// nullptr when unknown.
const OutputFormatInfo* find_output_format(std::string_view responseformat);

// A RESPONSEFORMAT (or FORMAT) value as a client sends it: the format, and the VOTable version
// asked for with a media-type parameter, ";version=1.5" ("votable;version=1.5",
// "application/x-votable+xml;serialization=TABLEDATA;version=1.5").  VOTable 1.5 defines no
// parameter of its own, so the version travels as DALI's media-type parameters do.
struct ResponseFormat {
	const OutputFormatInfo* format = nullptr;
	std::string votable_version; // "1.3", "1.4", "1.5"; "" when not asked (the service's default)
};
// Throws Error(Validation) naming the value for an unknown format or an unsupported version.
ResponseFormat parse_response_format(std::string_view value);

// The row that declares `format` with its own mime (never the plain-VOTable row).
const OutputFormatInfo& output_format_info(OutputFormat format);

struct WriterOptions {
	// FITS spools rows to a temporary file here (it needs the row count before the data).
	std::filesystem::path spool_dir = "/tmp";
	// VOTable version attribute: "1.5" (default) or "1.4".  1.5 adds COOSYS refposition; see
	// docs/output-formats.md for why 1.4 exists (STILTS 3.4.7 rejects 1.5).
	std::string votable_version = "1.5";
	// COOSYS system for columns with pos.eq UCDs or point/circle/polygon xtypes; "" = none.
	std::string coosys_system = "ICRS";
	// COOSYS refposition (IVOA refposition vocabulary), written from VOTable 1.5 on.
	std::string coosys_refposition = "UNKNOWN";
	// TIMESYS time scale for timestamp columns; "" = no TIMESYS.
	std::string timesys_timescale = "UTC";
};

std::unique_ptr<TableWriter> make_table_writer(OutputFormat format, ByteSink& sink,
                                               const WriterOptions& options = {});

} // namespace meles::formats
