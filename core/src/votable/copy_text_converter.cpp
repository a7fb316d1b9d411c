#include "meles/core/votable/copy_text_converter.hpp"

#include "formats/text_values.hpp"
#include "meles/core/common/error.hpp"

#include <cmath>

namespace meles::votable {

namespace {

void append_fixed_degrees(std::string& out, double v) {
	char buf[formats::kFixedRoom];
	char* e = formats::format_double_fixed(buf, v == 0 ? 0.0 : v); // no "-0d"
	out.append(buf, static_cast<std::size_t>(e - buf));
	out += 'd';
}

void append_point(std::string& out, double lon, double lat) {
	out += '(';
	append_fixed_degrees(out, lon);
	out += ',';
	append_fixed_degrees(out, lat);
	out += ')';
}

void append_number(std::string& out, double v, bool single) {
	if (std::isnan(v)) {
		out += "NaN";
	} else if (std::isinf(v)) {
		out += v > 0 ? "Infinity" : "-Infinity";
	} else {
		char buf[formats::kNumberRoom];
		char* e = single ? formats::format_float(buf, static_cast<float>(v)) : formats::format_double(buf, v);
		out.append(buf, static_cast<std::size_t>(e - buf));
	}
}

inline bool needs_escape(char c) {
	return c == '\\' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

void append_int(std::string& out, std::int64_t v) {
	char buf[formats::kNumberRoom];
	out.append(buf, static_cast<std::size_t>(formats::format_int(buf, v) - buf));
}

// Numbers from text, for geometry xtypes on char columns ("10 20").
bool parse_numbers(std::string_view s, std::vector<double>& out) {
	out.clear();
	std::size_t i = 0;
	while (i < s.size()) {
		while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			++i;
		if (i == s.size()) break;
		if (s[i] == '+') ++i;
		double v;
		auto [p, ec] = std::from_chars(s.data() + i, s.data() + s.size(), v);
		if (ec != std::errc()) return false;
		out.push_back(v);
		i = static_cast<std::size_t>(p - s.data());
	}
	return true;
}

} // namespace

bool append_pgsphere_literal(std::string& out, std::string_view xtype, const double* v, std::size_t n) {
	if (xtype == "point") {
		if (n != 2) return false;
		append_point(out, v[0], v[1]);
	} else if (xtype == "circle") {
		if (n != 3) return false;
		out += '<';
		append_point(out, v[0], v[1]);
		out += ',';
		append_fixed_degrees(out, v[2]);
		out += '>';
	} else if (xtype == "polygon") {
		if (n < 6 || n % 2) return false;
		out += '{';
		for (std::size_t i = 0; i < n; i += 2) {
			if (i) out += ',';
			append_point(out, v[i], v[i + 1]);
		}
		out += '}';
	} else {
		return false;
	}
	return true;
}

CopyTextConverter::CopyTextConverter(const TableSchema& schema) {
	for (auto& f : schema.fields) {
		if (!f.storable()) throw Error(ErrorKind::Type, f.storage_problem);
		columns_.push_back(f.meta);
		Plan p;
		p.single = f.datatype == Datatype::Float;
		switch (f.meta.type.base) {
		case BaseType::SPoint:
			p.target = Target::Point;
			break;
		case BaseType::SCircle:
			p.target = Target::Circle;
			break;
		case BaseType::SPoly:
			p.target = Target::Polygon;
			break;
		default:
			p.target = f.kind == ValueKind::Text || f.scalar ? Target::Scalar : Target::Array;
		}
		if (f.null_int) {
			p.has_null_element = true;
			p.null_element = *f.null_int;
		}
		plans_.push_back(p);
	}
}

void CopyTextConverter::append(const RowBatch& batch, std::string& out) const {
	std::vector<double> numbers;
	const std::size_t nc = columns_.size();
	auto fail = [&](std::size_t r, std::size_t c, std::string_view msg) {
		throw Error(ErrorKind::Syntax, concat("row ", std::to_string(batch.first_row() + r), ", column '",
		                                      columns_[c].name, "': ", msg));
	};
	// DALI shapes become pg_sphere literals; NaN coordinates mean "no position".
	auto geometry = [&](std::size_t r, std::size_t c, Target t) {
		std::string_view xt = t == Target::Point ? "point" : t == Target::Circle ? "circle" : "polygon";
		bool finite = !numbers.empty();
		for (double x : numbers)
			finite = finite && std::isfinite(x);
		if (!finite) {
			out += "\\N";
			return;
		}
		if (!append_pgsphere_literal(out, xt, numbers.data(), numbers.size()))
			fail(r, c,
			     concat("a ", xt, " needs ",
			            xt == "point"    ? "2 values"
			            : xt == "circle" ? "3 values"
			                             : "an even number of at least 6 values",
			            ", not ", std::to_string(numbers.size())));
	};
	for (std::size_t r = 0; r < batch.rows(); ++r) {
		for (std::size_t c = 0; c < nc; ++c) {
			if (c) out += '\t';
			if (batch.is_null(r, c)) {
				out += "\\N";
				continue;
			}
			const Plan& p = plans_[c];
			switch (batch.kind(c)) {
			case ValueKind::Bool:
				out += batch.get_bool(r, c) ? 't' : 'f';
				break;
			case ValueKind::Int:
				append_int(out, batch.get_int(r, c));
				break;
			case ValueKind::Double:
				append_number(out, batch.get_double(r, c), p.single);
				break;
			case ValueKind::Text: {
				std::string_view s = batch.get_text(r, c);
				if (p.target == Target::Point || p.target == Target::Circle || p.target == Target::Polygon) {
					if (!parse_numbers(s, numbers))
						fail(r, c, concat("'", s.substr(0, 60), "' is not a list of numbers"));
					geometry(r, c, p.target);
					break;
				}
				// Copy runs without special characters in one go.
				for (std::size_t k = 0; k < s.size();) {
					std::size_t e = k;
					while (e < s.size() && !needs_escape(s[e]))
						++e;
					out.append(s.data() + k, e - k);
					if (e == s.size()) break;
					switch (s[e]) {
					case '\\':
						out += "\\\\";
						break;
					case '\t':
						out += "\\t";
						break;
					case '\n':
						out += "\\n";
						break;
					case '\r':
						out += "\\r";
						break;
					default:
						fail(r, c, "contains a NUL character, which PostgreSQL cannot store");
					}
					k = e + 1;
				}
				break;
			}
			case ValueKind::BoolArray: {
				out += '{';
				auto v = batch.get_bools(r, c);
				for (std::size_t i = 0; i < v.size(); ++i) {
					if (i) out += ',';
					out += v[i] < 0 ? "NULL" : v[i] ? "t" : "f";
				}
				out += '}';
				break;
			}
			case ValueKind::IntArray: {
				out += '{';
				auto v = batch.get_ints(r, c);
				for (std::size_t i = 0; i < v.size(); ++i) {
					if (i) out += ',';
					if (p.has_null_element && v[i] == p.null_element)
						out += "NULL";
					else
						append_int(out, v[i]);
				}
				out += '}';
				break;
			}
			case ValueKind::DoubleArray: {
				auto v = batch.get_doubles(r, c);
				if (p.target != Target::Array) {
					numbers.assign(v.begin(), v.end());
					geometry(r, c, p.target);
					break;
				}
				out += '{';
				for (std::size_t i = 0; i < v.size(); ++i) {
					if (i) out += ',';
					append_number(out, v[i], p.single);
				}
				out += '}';
				break;
			}
			}
		}
		out += '\n';
	}
}

} // namespace meles::votable
