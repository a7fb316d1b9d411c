// meles/core/votable/votable_writer.hpp — streaming VOTable documents (TABLEDATA, BINARY,
// BINARY2) for TAP, SCS and every other table-producing service.
//
// The writer emits the DALI result frame (RESOURCE type="results", QUERY_STATUS before the
// TABLE, a trailing OVERFLOW/ERROR INFO when the producer says so) and encodes rows through the
// TableWriter interface with bounded memory.  Thread-safety: one writer per thread.
#pragma once

#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/table_writer.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace meles::votable {

enum class Serialization { Tabledata, Binary, Binary2 };

struct VOTableOptions {
	Serialization serialization = Serialization::Binary2;
	std::string version = "1.5"; // "1.5", "1.4" or "1.3"; namespace is .../VOTable/v1.3 for all
	std::string coosys_system = "ICRS";
	std::string coosys_epoch; // e.g. "J2000"; omitted when empty
	// COOSYS refposition, VOTable 1.5 (IVOA refposition vocabulary); not written to 1.3/1.4
	// documents, whose schema has no such attribute.
	std::string coosys_refposition = "UNKNOWN";
	std::string timesys_timescale = "UTC";
	std::string timesys_refposition = "UNKNOWN";
	// Give each FIELD an ID (derived from its name, made a unique XML NCName).
	bool field_ids = true;
};

std::unique_ptr<formats::TableWriter> make_votable_writer(ByteSink& sink, const VOTableOptions& options = {});

// A complete DALI error document: RESOURCE type="results" holding only
// INFO name="QUERY_STATUS" value="ERROR" with the message.
void write_votable_error(ByteSink& sink, std::string_view message, std::string_view version = "1.5");

// "TABLEDATA", "BINARY", "BINARY2".
std::string_view serialization_name(Serialization s);

} // namespace meles::votable
