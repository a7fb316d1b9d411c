#include "formats/column_plan.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <charconv>
#include <limits>

namespace meles::formats {

std::uint8_t elem_width(Elem e) {
	switch (e) {
	case Elem::Bool:
	case Elem::UByte:
	case Elem::Char:
		return 1;
	case Elem::Short:
	case Elem::UnicodeChar:
		return 2;
	case Elem::Int:
	case Elem::Float:
		return 4;
	case Elem::Long:
	case Elem::Double:
		return 8;
	}
	return 8;
}

const char* elem_name(Elem e) {
	switch (e) {
	case Elem::Bool:
		return "boolean";
	case Elem::UByte:
		return "unsignedByte";
	case Elem::Short:
		return "short";
	case Elem::Int:
		return "int";
	case Elem::Long:
		return "long";
	case Elem::Float:
		return "float";
	case Elem::Double:
		return "double";
	case Elem::Char:
		return "char";
	case Elem::UnicodeChar:
		return "unicodeChar";
	}
	return "?";
}

namespace {

Elem elem_from_datatype(const std::string& dt) {
	if (dt == "boolean") return Elem::Bool;
	if (dt == "unsignedByte") return Elem::UByte;
	if (dt == "short") return Elem::Short;
	if (dt == "int") return Elem::Int;
	if (dt == "long") return Elem::Long;
	if (dt == "float") return Elem::Float;
	if (dt == "double") return Elem::Double;
	if (dt == "char") return Elem::Char;
	if (dt == "unicodeChar") return Elem::UnicodeChar;
	throw Error(ErrorKind::Internal, concat("no encoder for VOTable datatype '", dt, "'"));
}

std::uint32_t parse_dim(std::string_view s, const std::string& whole) {
	std::uint32_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size() || v == 0)
		throw Error(ErrorKind::Internal, concat("bad arraysize '", whole, "'"));
	return v;
}

} // namespace

ColumnPlan plan_column(const ColumnMeta& meta) {
	ColumnPlan c;
	auto vt = votable_type(meta.type);
	c.name = meta.name;
	c.datatype = vt.datatype;
	c.arraysize = vt.arraysize;
	c.xtype = meta.effective_xtype();
	c.elem = elem_from_datatype(vt.datatype);
	c.width = elem_width(c.elem);
	if (!c.arraysize.empty()) {
		c.scalar = false;
		std::uint32_t product = 1;
		auto dims = split(c.arraysize, 'x');
		for (std::size_t i = 0; i < dims.size(); ++i) {
			std::string_view d = dims[i];
			if (i + 1 == dims.size() && !d.empty() && d.back() == '*') {
				c.variable = true;
				break; // "n*" bounds the length but is still variable
			}
			product *= parse_dim(d, c.arraysize);
		}
		c.count = product;
	}
	if (c.is_integer() && c.elem != Elem::UByte) {
		c.has_null_value = true;
		c.null_value = c.elem == Elem::Short ? std::numeric_limits<std::int16_t>::min()
		               : c.elem == Elem::Int ? std::numeric_limits<std::int32_t>::min()
		                                     : std::numeric_limits<std::int64_t>::min();
		if (meta.null_literal && !meta.null_literal->empty()) {
			auto t = trim(*meta.null_literal);
			std::int64_t v = 0;
			auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
			if (ec != std::errc() || p != t.data() + t.size())
				throw Error(ErrorKind::Validation, concat("column '", meta.name, "': null value '",
				                                          *meta.null_literal, "' is not an integer"));
			c.null_value = v;
		}
	}
	return c;
}

std::vector<ColumnPlan> plan_columns(const std::vector<ColumnMeta>& columns) {
	std::vector<ColumnPlan> out;
	out.reserve(columns.size());
	for (auto& m : columns)
		out.push_back(plan_column(m));
	return out;
}

} // namespace meles::formats
