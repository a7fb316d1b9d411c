// meles/rd/model/column.hpp — `column`, `param` and their `values` as declared in an RD.
//
// The VO-relevant part of a column lives in meles::ColumnMeta (shared with TAP_SCHEMA, ADQL
// and VOTable code); Column adds what only the RD knows (display hints, values, properties).
// Thread-safety: plain value types.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/rd/model/source_text.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd {

struct ValuesOption {
	std::string value;
	std::string title; // empty: use value
};

// `values` child of column/param/inputKey.
struct Values {
	std::optional<std::string> min;
	std::optional<std::string> max;
	std::optional<std::string> null_literal;
	std::optional<std::string> default_value;
	std::vector<ValuesOption> options;
	bool caseless = false;
	bool multi_ok = false;
	std::string from_db; // SQL fragment selecting the options
	// Statistics slots (normally filled from the database by `limits`).
	std::optional<std::string> fill_factor, median, percentile03, percentile97;
	SourcePos pos;
};

struct Column {
	ColumnMeta meta; // name, type, unit, ucd, utype, description, tablehead, xtype, verbLevel, required
	std::string id;  // element id, if any (rare)
	// The type as written ("double precision", "vexpr-float"); meta.type is its SqlType.
	std::string type_text = "real";
	// displayHint as written and split into key=value pairs (`type=hms,sf=2`).
	std::string display_hint_text;
	std::map<std::string, std::string> display_hint;
	std::optional<Values> values;
	std::string note; // key of a `note` meta of the table
	std::optional<Expr> fixup;
	std::string stc_utype;
	bool hidden = false;
	std::vector<Property> properties;
	// Fully qualified reference this column was copied from (`//ssap#instance.ssa_dateObs`), if any.
	std::string original;
	SourcePos pos;
};

// A `param`: a column-like declaration with a single value (table constants, service parameters).
struct Param {
	Column column;
	// Content of the element; nullopt for no value or the literal `__NULL__`.
	std::optional<std::string> value;
};

} // namespace meles::rd
