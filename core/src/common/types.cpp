#include "meles/core/common/types.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <charconv>

namespace meles {

namespace {

struct Named {
	std::string_view name;
	BaseType base;
};

// RD spellings; the first entry for a base type is its canonical name.
constexpr Named kNames[] = {
    {"boolean", BaseType::Boolean},
    {"smallint", BaseType::SmallInt},
    {"integer", BaseType::Integer},
    {"int", BaseType::Integer},
    {"bigint", BaseType::BigInt},
    {"real", BaseType::Real},
    {"double precision", BaseType::Double},
    {"double", BaseType::Double},
    {"float8", BaseType::Double},
    {"float4", BaseType::Real},
    {"int2", BaseType::SmallInt},
    {"int4", BaseType::Integer},
    {"int8", BaseType::BigInt},
    {"char", BaseType::Char},
    {"text", BaseType::Text},
    {"varchar", BaseType::Text},
    {"unicode", BaseType::Unicode},
    {"date", BaseType::Date},
    {"timestamp", BaseType::Timestamp},
    {"time", BaseType::Time},
    {"bytea", BaseType::Bytea},
    {"raw", BaseType::Bytea},
    {"spoint", BaseType::SPoint},
    {"scircle", BaseType::SCircle},
    {"spoly", BaseType::SPoly},
    {"sbox", BaseType::SBox},
    {"smoc", BaseType::SMoc},
    {"file", BaseType::Bytea},
    {"box", BaseType::SBox},
};

std::string_view canonical_name(BaseType b) {
	for (auto& n : kNames)
		if (n.base == b) return n.name;
	return "text";
}

int parse_int(std::string_view s, std::string_view whole) {
	int v = 0;
	auto t = trim(s);
	auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
	if (ec != std::errc() || p != t.data() + t.size() || v <= 0)
		throw Error(ErrorKind::Syntax, concat("bad length in type '", whole, "'"));
	return v;
}

} // namespace

SqlType SqlType::parse(std::string_view rd_type) {
	std::string t = normalize_space(to_lower(rd_type));
	SqlType out;
	// Array suffix: T[] or T[n]
	if (!t.empty() && t.back() == ']') {
		auto lb = t.rfind('[');
		if (lb == std::string::npos) throw Error(ErrorKind::Syntax, concat("bad type '", rd_type, "'"));
		auto inner = trim(std::string_view(t).substr(lb + 1, t.size() - lb - 2));
		out.is_array = true;
		out.array_len = inner.empty() || inner == "*" ? 0 : parse_int(inner, rd_type);
		t = std::string(trim(std::string_view(t).substr(0, lb)));
	}
	// char(n), char(*), varchar(n)
	auto lp = t.find('(');
	if (lp != std::string::npos) {
		if (t.back() != ')') throw Error(ErrorKind::Syntax, concat("bad type '", rd_type, "'"));
		std::string head(trim(std::string_view(t).substr(0, lp)));
		auto arg = trim(std::string_view(t).substr(lp + 1, t.size() - lp - 2));
		if (head == "char" || head == "character") {
			out.base = BaseType::Char;
			out.char_len = arg == "*" ? 0 : parse_int(arg, rd_type);
		} else if (head == "varchar" || head == "character varying") {
			out.base = BaseType::Char;
			out.char_len = 0;
			if (arg != "*") parse_int(arg, rd_type);
		} else if (head == "unicode") {
			out.base = BaseType::Unicode;
		} else {
			throw Error(ErrorKind::Syntax, concat("unknown column type '", rd_type, "'"));
		}
		return out;
	}
	if (t == "character") t = "char";
	if (t == "timestamp without time zone" || t == "timestamp with time zone" || t == "timestamptz")
		t = "timestamp";
	for (auto& n : kNames) {
		if (n.name == t) {
			out.base = n.base;
			out.char_len = 1;
			return out;
		}
	}
	throw Error(ErrorKind::Syntax,
	            concat("unknown column type '", rd_type,
	                   "' (expected e.g. integer, bigint, real, double precision, text, char(n), "
	                   "timestamp, spoint, or one of these with [] for arrays)"));
}

std::string SqlType::pg_ddl() const {
	std::string out;
	switch (base) {
	case BaseType::Char:
		out = char_len == 0 ? "text" : "char(" + std::to_string(char_len) + ")";
		break;
	case BaseType::Unicode:
		out = "text";
		break;
	case BaseType::Timestamp:
		out = "timestamp";
		break;
	default:
		out = std::string(canonical_name(base));
	}
	if (is_array) out += array_len ? "[" + std::to_string(array_len) + "]" : "[]";
	return out;
}

std::string SqlType::rd_name() const {
	std::string out;
	if (base == BaseType::Char)
		out = char_len == 0 ? "char(*)" : char_len == 1 ? "char" : "char(" + std::to_string(char_len) + ")";
	else
		out = std::string(canonical_name(base));
	if (is_array) out += array_len ? "[" + std::to_string(array_len) + "]" : "[]";
	return out;
}

bool SqlType::is_geometry() const {
	return base == BaseType::SPoint || base == BaseType::SCircle || base == BaseType::SPoly ||
	       base == BaseType::SBox || base == BaseType::SMoc;
}

bool SqlType::is_numeric() const {
	return !is_array && (is_integer() || base == BaseType::Real || base == BaseType::Double);
}

bool SqlType::is_integer() const {
	return !is_array && (base == BaseType::SmallInt || base == BaseType::Integer || base == BaseType::BigInt);
}

bool SqlType::is_string() const {
	return !is_array && (base == BaseType::Char || base == BaseType::Text || base == BaseType::Unicode);
}

VOTableType votable_type(const SqlType& t) {
	VOTableType v;
	std::string elem_size; // arraysize contributed by the element itself (strings, geometries)
	switch (t.base) {
	case BaseType::Boolean:
		v.datatype = "boolean";
		break;
	case BaseType::SmallInt:
		v.datatype = "short";
		break;
	case BaseType::Integer:
		v.datatype = "int";
		break;
	case BaseType::BigInt:
		v.datatype = "long";
		break;
	case BaseType::Real:
		v.datatype = "float";
		break;
	case BaseType::Double:
		v.datatype = "double";
		break;
	case BaseType::Char:
		v.datatype = "char";
		elem_size = t.char_len == 0 ? "*" : t.char_len == 1 ? "" : std::to_string(t.char_len);
		break;
	case BaseType::Text:
		v.datatype = "char";
		elem_size = "*";
		break;
	case BaseType::Unicode:
		v.datatype = "unicodeChar";
		elem_size = "*";
		break;
	case BaseType::Date:
		v.datatype = "char";
		elem_size = "*";
		v.xtype = "timestamp";
		break;
	case BaseType::Timestamp:
		v.datatype = "char";
		elem_size = "*";
		v.xtype = "timestamp";
		break;
	case BaseType::Time:
		v.datatype = "char";
		elem_size = "*";
		break;
	case BaseType::Bytea:
		v.datatype = "unsignedByte";
		elem_size = "*";
		break;
	case BaseType::SPoint:
		v.datatype = "double";
		elem_size = "2";
		v.xtype = "point";
		break;
	case BaseType::SCircle:
		v.datatype = "double";
		elem_size = "3";
		v.xtype = "circle";
		break;
	case BaseType::SPoly:
		v.datatype = "double";
		elem_size = "*";
		v.xtype = "polygon";
		break;
	case BaseType::SBox:
		v.datatype = "double";
		elem_size = "*";
		v.xtype = "polygon";
		break;
	case BaseType::SMoc:
		v.datatype = "char";
		elem_size = "*";
		v.xtype = "moc";
		break;
	}
	if (t.is_array) {
		std::string outer = t.array_len ? std::to_string(t.array_len) : "*";
		// VOTable arraysize lists the fastest-varying dimension first.
		v.arraysize = elem_size.empty() ? outer : elem_size + "x" + outer;
		if (!elem_size.empty() && elem_size == "*") v.arraysize = "*"; // strings of variable length: flatten
	} else {
		v.arraysize = elem_size;
	}
	return v;
}

SqlType sql_type_from_votable(std::string_view datatype, std::string_view arraysize, std::string_view xtype) {
	SqlType t;
	std::string dt = to_lower(datatype);
	std::string as(trim(arraysize));
	std::string xt = to_lower(xtype);
	if (xt == "point") return SqlType{BaseType::SPoint};
	if (xt == "circle") return SqlType{BaseType::SCircle};
	if (xt == "polygon") return SqlType{BaseType::SPoly};
	if (xt == "moc") return SqlType{BaseType::SMoc};
	if ((xt == "timestamp" || xt == "adql:timestamp") && (dt == "char" || dt == "unicodechar"))
		return SqlType{BaseType::Timestamp};
	if (dt == "char" || dt == "unicodechar") {
		t.base = dt == "char" ? BaseType::Char : BaseType::Unicode;
		if (as.empty() || as == "1") {
			t.char_len = 1;
		} else if (as.find('x') != std::string::npos || as.find('*') != std::string::npos) {
			t.base = dt == "char" ? BaseType::Text : BaseType::Unicode;
			t.char_len = 0;
		} else {
			t.base = dt == "char" ? BaseType::Char : BaseType::Unicode;
			t.char_len = 0; // stored as text; fixed lengths pad with blanks which users rarely want
			t.base = dt == "char" ? BaseType::Text : BaseType::Unicode;
		}
		return t;
	}
	if (dt == "boolean" || dt == "bit")
		t.base = BaseType::Boolean;
	else if (dt == "unsignedbyte" || dt == "short")
		t.base = BaseType::SmallInt;
	else if (dt == "int")
		t.base = BaseType::Integer;
	else if (dt == "long")
		t.base = BaseType::BigInt;
	else if (dt == "float")
		t.base = BaseType::Real;
	else if (dt == "double")
		t.base = BaseType::Double;
	else if (dt == "floatcomplex" || dt == "doublecomplex")
		throw Error(ErrorKind::Type, concat("VOTable datatype ", datatype, " cannot be stored in a table"));
	else
		throw Error(ErrorKind::Type, concat("unknown VOTable datatype '", datatype, "'"));
	if (!as.empty() && as != "1") {
		if (as.find('x') != std::string::npos)
			throw Error(ErrorKind::Type,
			            concat("multi-dimensional arrays (arraysize=\"", arraysize, "\") cannot be stored"));
		t.is_array = true;
		if (as.back() == '*')
			t.array_len = 0;
		else
			t.array_len = std::stoi(as);
	}
	return t;
}

} // namespace meles
