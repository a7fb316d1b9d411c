// meles/core/common/types.hpp — the column type vocabulary shared by RDs, ADQL,
// VOTable and the database layer.
//
// RDs declare column types with DaCHS's SQL-ish names ("double precision", "real[2]",
// "char(*)", "spoint"); ADQL infers types; VOTable uploads arrive with datatype/
// arraysize/xtype.  SqlType is the one representation all of them convert to, so the
// mapping to PostgreSQL DDL and to VOTable FIELD attributes lives in exactly one place.
// Thread-safety: plain value types and pure functions.
#pragma once

#include <string>
#include <string_view>

namespace meles {

enum class BaseType {
	Boolean,
	SmallInt, // also VOTable unsignedByte and short
	Integer,
	BigInt,
	Real,
	Double,
	Char,    // char(n) / char(*): fixed or bounded ASCII text
	Text,    // text: unbounded ASCII-ish text
	Unicode, // unicode: text that is written as unicodeChar in VOTables
	Date,
	Timestamp,
	Time,
	Bytea,   // bytes
	SPoint,  // pg_sphere spoint, DALI point
	SCircle, // pg_sphere scircle, DALI circle
	SPoly,   // pg_sphere spoly, DALI polygon
	SBox,    // pg_sphere sbox
	SMoc,    // pg_sphere smoc, ASCII MOC
};

struct SqlType {
	BaseType base = BaseType::Real;
	// For Char: the declared length n of char(n); 0 means variable (char(*)).
	int char_len = 1;
	// Array columns (T[] or T[n]); array_len = 0 means variable length.
	bool is_array = false;
	int array_len = 0;

	// Parses an RD type name (case-insensitive): smallint, integer/int, bigint, real,
	// double precision/double, boolean, char, char(n), char(*), varchar, text, unicode,
	// date, timestamp, time, bytea, raw, spoint, scircle, spoly, sbox, smoc, and any of
	// the scalar ones with [] or [n].  Throws Error(Syntax) naming the bad type.
	static SqlType parse(std::string_view rd_type);

	// Column type for PostgreSQL DDL ("double precision", "real[]", "char(8)", "spoint").
	std::string pg_ddl() const;
	// The RD spelling (inverse of parse).
	std::string rd_name() const;

	bool is_geometry() const;
	bool is_numeric() const;
	bool is_integer() const;
	bool is_string() const;

	bool operator==(const SqlType&) const = default;
};

// How a column is written as a VOTable FIELD.
struct VOTableType {
	std::string datatype;  // boolean, short, int, long, float, double, char, unicodeChar, unsignedByte
	std::string arraysize; // "" for scalars, "*", "8", "2", "8*" ...
	std::string xtype;     // "" or point, circle, polygon, timestamp, moc, ...
};

VOTableType votable_type(const SqlType& type);

// The SQL type an uploaded VOTable column is stored as.  Throws Error(Type) for
// datatypes that cannot be stored (e.g. complex numbers with multi-dimensional shape).
SqlType sql_type_from_votable(std::string_view datatype, std::string_view arraysize, std::string_view xtype);

} // namespace meles
