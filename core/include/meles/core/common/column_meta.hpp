// meles/core/common/column_meta.hpp — what Meles knows about a column.
//
// The same record describes an RD column, a TAP_SCHEMA column, an ADQL output column
// and a VOTable FIELD, so metadata declared once in an RD reaches every output unchanged.
// Thread-safety: plain value type.
#pragma once

#include "meles/core/common/types.hpp"

#include <optional>
#include <string>

namespace meles {

struct ColumnMeta {
	// SQL name.  Regular identifiers are kept as written in the RD; delimited ones
	// (needing quotes) carry no quotes here — `delimited` says whether they need them.
	std::string name;
	bool delimited = false;
	SqlType type;
	std::string unit;
	std::string ucd;
	std::string utype;
	std::string description;
	std::string tablehead;
	std::string xtype; // overrides the type's default xtype when set
	int verb_level = 20;
	bool required = false; // NOT NULL
	bool indexed = false;
	bool principal = false;
	bool std = false;
	std::optional<std::string> null_literal; // VOTable null value for integer columns

	// The xtype written to VOTables and TAP_SCHEMA (explicit one, else the type's).
	std::string effective_xtype() const { return xtype.empty() ? votable_type(type).xtype : xtype; }
};

} // namespace meles
