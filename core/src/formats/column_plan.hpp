// column_plan.hpp — what each encoder needs to know about a column, computed once per document.
//
// Derived from ColumnMeta through votable_type(), so every format writes a column with the
// same datatype, arraysize and null convention the VOTable FIELD declares.
// Thread-safety: plain values.
#pragma once

#include "meles/core/common/column_meta.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace meles::formats {

enum class Elem : std::uint8_t { Bool, UByte, Short, Int, Long, Float, Double, Char, UnicodeChar };

struct ColumnPlan {
	std::string name;
	Elem elem = Elem::Double;
	bool scalar = true;          // no arraysize: exactly one element
	bool variable = false;       // arraysize ends in '*'
	std::uint32_t count = 1;     // elements when fixed; elements per '*' step when variable
	std::uint8_t width = 8;      // bytes per element in BINARY
	bool has_null_value = false; // integer magic null (VALUES null)
	std::int64_t null_value = 0;
	std::string datatype; // VOTable attributes as written in the FIELD
	std::string arraysize;
	std::string xtype;

	bool is_text() const { return elem == Elem::Char || elem == Elem::UnicodeChar; }
	bool is_integer() const {
		return elem == Elem::UByte || elem == Elem::Short || elem == Elem::Int || elem == Elem::Long;
	}
	bool is_floating() const { return elem == Elem::Float || elem == Elem::Double; }
};

// Throws Error(Validation) for an unusable null_literal.
ColumnPlan plan_column(const ColumnMeta& meta);
std::vector<ColumnPlan> plan_columns(const std::vector<ColumnMeta>& columns);

std::uint8_t elem_width(Elem e);
const char* elem_name(Elem e);

} // namespace meles::formats
