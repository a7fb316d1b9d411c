#include "meles/services/query/conditions.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/pg/connection.hpp"
#include "meles/rd/schema/ddl.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace meles::services::query {

namespace {

constexpr size_t kMaxTerms = 256;

constexpr const char* kPositionForms =
    "give decimal degrees (10.5 -20.3) or sexagesimal hours and degrees (0 42 44.3 +41 16 9)";

const rd::Column* column_with_ucd(const rd::TableDef& t, std::initializer_list<const char*> ucds) {
	for (auto& c : t.columns)
		for (auto u : ucds)
			if (iequals(c.meta.ucd, u)) return &c;
	return nullptr;
}

bool applies_to(const rd::InputKey& key, std::string_view renderer) {
	if (auto* only = rd::find_property(key.column.properties, "onlyForRenderer");
	    only && only->value != renderer)
		return false;
	if (auto* never = rd::find_property(key.column.properties, "notForRenderer");
	    never && never->value == renderer)
		return false;
	return true;
}

// The values given for a parameter, empty ones left out (an empty form field means "no
// constraint").
std::vector<std::string> values_of(const Params& p, std::string_view name) {
	std::vector<std::string> out;
	for (auto& v : p.get_all(name))
		if (!trim(v).empty()) out.emplace_back(trim(v));
	return out;
}

// A decimal number (no hexadecimal, no inf or nan, which strtod would also read).
std::optional<double> read_number(std::string_view text) {
	std::string t(trim(text));
	if (t.empty() || t.size() > 64) return std::nullopt;
	for (char ch : t)
		if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != '.' && ch != '-' && ch != '+' &&
		    ch != 'e' && ch != 'E')
			return std::nullopt;
	char* end = nullptr;
	double d = std::strtod(t.c_str(), &end);
	if (*end || !std::isfinite(d)) return std::nullopt;
	return d;
}

double number_param(const Params& p, const std::string& name, const char* what) {
	auto v = p.get(name);
	auto d = read_number(v.value_or(""));
	if (!d)
		throw Error(ErrorKind::Validation,
		            concat(name, " must be a number ", what, ", not '", v.value_or(""), "'"));
	return *d;
}

std::string spoint_of(double ra, double dec) {
	return concat("spoint(radians(", format_number(ra), "), radians(", format_number(dec), "))");
}

Cone spoint_cone(const std::string& column_sql, double ra, double dec, double sr) {
	Cone c{ra, dec, sr, {}, {}};
	c.where = concat(column_sql, " @ scircle(", spoint_of(ra, dec), ", radians(", format_number(sr), "))");
	c.distance = concat("degrees(", column_sql, " <-> ", spoint_of(ra, dec), ")");
	return c;
}

// ---------------------------------------------------------------- values of one column

enum class ValueKind { Number, Text, Date, Boolean, Unsupported };

ValueKind value_kind(const SqlType& t) {
	if (t.is_array || t.is_geometry() || t.base == BaseType::Bytea) return ValueKind::Unsupported;
	if (t.is_numeric()) return ValueKind::Number;
	if (t.base == BaseType::Boolean) return ValueKind::Boolean;
	if (t.base == BaseType::Date || t.base == BaseType::Timestamp || t.base == BaseType::Time)
		return ValueKind::Date;
	return ValueKind::Text;
}

struct ColumnTarget {
	std::string param; // the parameter's name, for messages
	std::string sql;   // the column's SQL spelling
	SqlType type;
};

[[noreturn]] void bad_value(const ColumnTarget& c, std::string_view value, std::string_view expected) {
	throw Error(ErrorKind::Validation,
	            concat(c.param, ": cannot read '", excerpt(value, 80), "' (", expected, ")"));
}

// A literal of the column's kind; `text` is one value without operators.
std::string literal(const ColumnTarget& c, std::string_view text, std::string_view syntax_hint) {
	std::string_view t = trim(text);
	switch (value_kind(c.type)) {
	case ValueKind::Number: {
		auto d = read_number(t);
		if (!d) bad_value(c, text, concat("a number", syntax_hint));
		return format_number(*d);
	}
	case ValueKind::Boolean: {
		std::string l = to_lower(t);
		if (l == "true" || l == "t" || l == "1" || l == "yes") return "true";
		if (l == "false" || l == "f" || l == "0" || l == "no") return "false";
		bad_value(c, text, "true or false");
	}
	case ValueKind::Date: {
		// ISO dates and times only: the database's own reading would accept more and fail with
		// its own words.
		bool ok = !t.empty() && t.size() <= 40;
		for (char ch : t)
			ok = ok && (std::isdigit(static_cast<unsigned char>(ch)) || ch == '-' || ch == ':' || ch == 'T' ||
			            ch == ' ' || ch == '.' || ch == 'Z');
		ok = ok && (c.type.base == BaseType::Time || (t.size() >= 10 && t[4] == '-' && t[7] == '-'));
		if (!ok) bad_value(c, text, concat("an ISO date or time such as 2020-03-01T12:00:00", syntax_hint));
		return concat("CAST(", pg::quote_literal(t), " AS ", c.type.pg_ddl(), ")");
	}
	case ValueKind::Text:
		return pg::quote_literal(t);
	case ValueKind::Unsupported:
		break;
	}
	throw Error(ErrorKind::Validation,
	            concat(c.param, ": this service cannot compare values of type ", c.type.rd_name()));
}

// DALI/PQL: items separated by commas (not for text, whose values may contain them), each a
// value or a range lo/hi with either end open.
std::string protocol_predicate(const ColumnTarget& c, const std::string& value) {
	ValueKind kind = value_kind(c.type);
	if (kind == ValueKind::Text) return concat(c.sql, " = ", literal(c, value, ""));
	std::vector<std::string> items;
	for (auto& raw : split(value, ',')) {
		std::string_view item = trim(raw);
		if (item.empty()) bad_value(c, value, "a value, a range lo/hi or a list of them separated by commas");
		auto slash = item.find('/');
		if (slash == std::string_view::npos || kind == ValueKind::Boolean) {
			items.push_back(concat(c.sql, " = ", literal(c, item, " or a range lo/hi")));
			continue;
		}
		std::string_view lo = trim(item.substr(0, slash)), hi = trim(item.substr(slash + 1));
		if (lo.empty() && hi.empty()) bad_value(c, value, "a range lo/hi needs at least one end");
		if (lo.empty())
			items.push_back(concat(c.sql, " <= ", literal(c, hi, " in a range lo/hi")));
		else if (hi.empty())
			items.push_back(concat(c.sql, " >= ", literal(c, lo, " in a range lo/hi")));
		else
			items.push_back(concat(c.sql, " BETWEEN ", literal(c, lo, " in a range lo/hi"), " AND ",
			                       literal(c, hi, " in a range lo/hi")));
	}
	return items.size() == 1 ? items.front() : concat("(", join(items, " OR "), ")");
}

// LIKE pattern from a form's wildcards (* and ?), the LIKE characters of the text escaped.
std::string like_pattern(std::string_view text) {
	std::string out;
	for (char ch : text) {
		if (ch == '*')
			out += '%';
		else if (ch == '?')
			out += '_';
		else {
			if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
			out += ch;
		}
	}
	return out;
}

// VizieR-like expressions: comparisons (< <= > >= = != !), ranges "a .. b", lists "a, b";
// text compares exactly or with wildcards (* ?), "!" negating.
std::string form_predicate(const ColumnTarget& c, const std::string& value) {
	ValueKind kind = value_kind(c.type);
	if (kind == ValueKind::Text) {
		std::string_view v = trim(value);
		bool negate = !v.empty() && v.front() == '!';
		if (negate) v = trim(v.substr(1));
		std::string p = v.find_first_of("*?") != std::string_view::npos
		                    ? concat(c.sql, " LIKE ", pg::quote_literal(like_pattern(v)))
		                    : concat(c.sql, " = ", pg::quote_literal(v));
		return negate ? concat("NOT (", p, ")") : p;
	}
	static const std::string kExpected =
	    "a value, a comparison such as < 5, a range 1 .. 5 or a list 1, 3, 7";
	static const std::string kHint = "; " + kExpected;
	std::vector<std::string> items;
	for (auto& raw : split(value, ',')) {
		std::string_view item = trim(raw);
		if (item.empty()) bad_value(c, value, kExpected);
		if (auto dots = item.find(".."); dots != std::string_view::npos && kind != ValueKind::Boolean) {
			items.push_back(concat(c.sql, " BETWEEN ", literal(c, item.substr(0, dots), kHint), " AND ",
			                       literal(c, item.substr(dots + 2), kHint)));
			continue;
		}
		std::string op = "=";
		for (const char* o : {"<=", ">=", "!=", "<", ">", "=", "!"})
			if (item.starts_with(o)) {
				op = o;
				item.remove_prefix(op.size());
				break;
			}
		if (op == "!") op = "!=";
		items.push_back(concat(c.sql, " ", op == "!=" ? "<>" : op, " ", literal(c, item, kHint)));
	}
	return items.size() == 1 ? items.front() : concat("(", join(items, " OR "), ")");
}

// ---------------------------------------------------------------- the kinds of condDesc

struct Builder {
	const rd::TableDef& table;
	const Params& params;
	const ConditionOptions& options;
	Conditions out;

	void add_cone(Cone cone, std::vector<std::pair<std::string, std::string>> used) {
		out.clauses.push_back(cone.where);
		if (!out.cone) out.cone = std::move(cone);
		for (auto& u : used)
			out.used.push_back(std::move(u));
	}

	[[noreturn]] void missing(const std::vector<std::string>& names, std::string_view why) {
		throw Error(ErrorKind::Validation, concat("missing parameter ", join(names, ", "), why));
	}

	// //scs#protoInput: RA, DEC, SR in decimal degrees.
	void scs_protocol(const rd::CondDesc& cd, const std::vector<const rd::InputKey*>& keys) {
		std::vector<std::string> given, absent;
		for (auto* k : keys)
			(values_of(params, k->column.meta.name).empty() ? absent : given).push_back(k->column.meta.name);
		if (given.empty() && !cd.required) return;
		if (!absent.empty()) missing(absent, ": a cone search needs RA, DEC and SR in decimal degrees");
		double ra = number_param(params, "RA", "in decimal degrees");
		double dec = number_param(params, "DEC", "in decimal degrees");
		double sr = number_param(params, "SR", "in decimal degrees");
		if (dec < -90 || dec > 90)
			throw Error(ErrorKind::Validation, concat("DEC must lie in [-90, 90], not ", format_number(dec)));
		if (sr < 0 || sr > 180)
			throw Error(ErrorKind::Validation, concat("SR must lie in [0, 180], not ", format_number(sr)));
		// Only RAs outside [0, 360) are wrapped: fmod(x + 360, 360) would turn 235.95 into
		// 235.95000000000005 in the query and the request echo.
		if (ra < 0 || ra >= 360) ra = std::fmod(std::fmod(ra, 360.0) + 360.0, 360.0);
		add_cone(cone_on_table(table, ra, dec, sr),
		         {{"RA", format_number(ra)}, {"DEC", format_number(dec)}, {"SR", format_number(sr)}});
	}

	// A position (hscs_pos, pos_X) and a radius in arcminutes (hscs_sr, sr_X) on a form.
	std::optional<std::tuple<double, double, double>> human_cone(const rd::CondDesc& cd,
	                                                             const std::string& pos_key,
	                                                             const std::string& sr_key,
	                                                             const rd::InputKey* sr_decl) {
		auto pos = values_of(params, pos_key);
		if (pos.empty()) {
			if (cd.required) missing({pos_key}, ": this service needs a position");
			return std::nullopt;
		}
		auto [ra, dec] = parse_position(pos.back());
		auto srs = values_of(params, sr_key);
		std::string sr_text = !srs.empty() ? srs.back() : sr_decl && sr_decl->value ? *sr_decl->value : "1";
		auto sr = read_number(sr_text);
		if (!sr || *sr < 0 || *sr > 600)
			throw Error(ErrorKind::Validation,
			            concat(sr_key, ": the radius must be a number of arcminutes (0 to 600), not '",
			                   excerpt(sr_text, 40), "'"));
		if (ra < 0 || ra >= 360) ra = std::fmod(std::fmod(ra, 360.0) + 360.0, 360.0);
		out.used.push_back({pos_key, pos.back()});
		out.used.push_back({sr_key, sr_text});
		return std::tuple{ra, dec, *sr / 60.0};
	}

	static const rd::InputKey* key_named(const std::vector<const rd::InputKey*>& keys,
	                                     std::string_view name) {
		for (auto* k : keys)
			if (iequals(k->column.meta.name, name)) return k;
		return nullptr;
	}

	void scs_human(const rd::CondDesc& cd, const std::vector<const rd::InputKey*>& keys) {
		if (!key_named(keys, "hscs_pos")) return;
		if (auto c = human_cone(cd, "hscs_pos", "hscs_sr", key_named(keys, "hscs_sr"))) {
			auto [ra, dec, sr] = *c;
			add_cone(cone_on_table(table, ra, dec, sr), {});
		}
	}

	void spoint_column(const rd::CondDesc& cd, const std::vector<const rd::InputKey*>& keys,
	                   const std::string& column) {
		const rd::Column* col = table.find_column(column);
		if (!col)
			throw Error(ErrorKind::Internal,
			            concat("condition on '", column, "': table ", table.id, " has no such column"));
		std::string pos_key = "pos_" + column, sr_key = "sr_" + column;
		if (!keys.empty() && !key_named(keys, pos_key)) return;
		if (auto c = human_cone(cd, pos_key, sr_key, key_named(keys, sr_key))) {
			auto [ra, dec, sr] = *c;
			add_cone(spoint_cone(rd::schema::sql_identifier(col->meta), ra, dec, sr), {});
		}
	}

	void column_condition(const rd::CondDesc& cd, const rd::InputKey& key, const rd::Column& col) {
		auto values = values_of(params, key.column.meta.name);
		if (values.empty()) return;
		if (cd.phrase_maker)
			throw Error(ErrorKind::Validation,
			            concat(key.column.meta.name, ": this condition is computed by Python code (a "
			                                         "phraseMaker), which this server does not run"));
		ColumnTarget target{key.column.meta.name, rd::schema::sql_identifier(col.meta), col.meta.type};
		bool form = options.syntax == Syntax::Form;
		if (starts_with_ci(key.column.type_text, "vexpr")) form = true;
		if (starts_with_ci(key.column.type_text, "pql")) form = false;
		// Each value and list item becomes a term of the SQL: bounded, whatever a client sends.
		size_t terms = 0;
		for (auto& v : values)
			terms += 1 + (form || value_kind(col.meta.type) != ValueKind::Text
			                  ? std::count(v.begin(), v.end(), ',')
			                  : 0);
		if (terms > kMaxTerms)
			throw Error(ErrorKind::Validation,
			            concat(key.column.meta.name, ": at most ", std::to_string(kMaxTerms),
			                   " values or ranges, not ", std::to_string(terms)));
		std::vector<std::string> alternatives;
		for (auto& v : values) {
			alternatives.push_back(form ? form_predicate(target, v) : protocol_predicate(target, v));
			out.used.push_back({key.column.meta.name, v});
		}
		out.clauses.push_back(alternatives.size() == 1 ? alternatives.front()
		                                               : concat("(", join(alternatives, " OR "), ")"));
	}

	void add(const rd::CondDesc& cd) {
		if (cd.silent) return; // meta information for the core, no SQL (MAXREC, say)
		std::vector<const rd::InputKey*> keys;
		for (auto& k : cd.input_keys)
			if (applies_to(k, options.renderer)) keys.push_back(&k);
		if (keys.empty() && cd.input_keys.size()) return; // not for this renderer
		if (cd.original == "//scs#protoInput") return scs_protocol(cd, keys);
		if (cd.original == "//scs#humanInput") return scs_human(cd, keys);
		if (auto* match = rd::find_property(cd.properties, "matchColumn"))
			return spoint_column(cd, keys, match->value);
		if (!cd.build_from.empty()) {
			const rd::Column* col = table.find_column(cd.build_from);
			if (!col)
				throw Error(ErrorKind::Internal, concat("condDesc buildFrom='", cd.build_from, "': table ",
				                                        table.id, " has no such column"));
			if (col->meta.type.base == BaseType::SPoint && !col->meta.type.is_array)
				return spoint_column(cd, keys, cd.build_from);
			rd::InputKey key;
			key.column = *col;
			const rd::InputKey* k = keys.empty() ? &key : keys.front();
			required_check(cd, {k});
			column_condition(cd, *k, *col);
			return;
		}
		required_check(cd, keys);
		for (auto* k : keys) {
			const rd::Column* col = table.find_column(k->column.meta.name);
			if (col)
				column_condition(cd, *k, *col);
			else if (cd.phrase_maker && !values_of(params, k->column.meta.name).empty())
				throw Error(ErrorKind::Validation,
				            concat(k->column.meta.name, ": this condition is computed by Python code "
				                                        "(a phraseMaker), which this server does not run"));
			// Other keys (RESPONSEFORMAT, VERB, ...) are the renderer's.
		}
	}

	void required_check(const rd::CondDesc& cd, const std::vector<const rd::InputKey*>& keys) {
		if (!cd.required) return;
		std::vector<std::string> names;
		for (auto* k : keys) {
			if (!values_of(params, k->column.meta.name).empty()) return;
			names.push_back(k->column.meta.name);
		}
		if (!names.empty())
			missing(names,
			        names.size() == 1 ? ": this service needs it" : ": this service needs one of them");
	}
};

} // namespace

std::string format_number(double d) {
	char buf[32];
	auto r = std::to_chars(buf, buf + sizeof buf, d);
	return std::string(buf, r.ptr);
}

std::string Conditions::where() const {
	if (clauses.empty()) return {};
	return " WHERE " + join(clauses, " AND ");
}

Conditions build_conditions(const std::vector<rd::CondDesc>& cond_descs, const rd::TableDef& table,
                            const Params& params, const ConditionOptions& options) {
	Builder b{table, params, options, {}};
	for (auto& cd : cond_descs)
		b.add(cd);
	return std::move(b.out);
}

std::vector<rd::InputKey> input_keys(const std::vector<rd::CondDesc>& cond_descs, const rd::TableDef& table,
                                     const ConditionOptions& options) {
	std::vector<rd::InputKey> out;
	for (auto& cd : cond_descs) {
		if (cd.silent) continue;
		if (!cd.build_from.empty() && cd.input_keys.empty()) {
			const rd::Column* col = table.find_column(cd.build_from);
			if (!col) continue;
			if (col->meta.type.base == BaseType::SPoint && !col->meta.type.is_array) {
				rd::InputKey pos, sr;
				pos.column.meta.name = "pos_" + col->meta.name;
				pos.column.meta.tablehead = col->meta.tablehead.empty() ? "Position" : col->meta.tablehead;
				pos.column.meta.type = SqlType::parse("text");
				sr.column.meta.name = "sr_" + col->meta.name;
				sr.column.meta.tablehead = "Search radius";
				sr.column.meta.unit = "arcmin";
				sr.column.meta.type = SqlType::parse("real");
				out.push_back(std::move(pos));
				out.push_back(std::move(sr));
				continue;
			}
			rd::InputKey k;
			k.column = *col;
			out.push_back(std::move(k));
			continue;
		}
		for (auto& k : cd.input_keys)
			if (applies_to(k, options.renderer)) out.push_back(k);
	}
	return out;
}

Cone cone_on_table(const rd::TableDef& table, double ra, double dec, double sr) {
	const rd::Column* ra_col = column_with_ucd(table, {"pos.eq.ra;meta.main", "POS_EQ_RA_MAIN"});
	const rd::Column* dec_col = column_with_ucd(table, {"pos.eq.dec;meta.main", "POS_EQ_DEC_MAIN"});
	if (!ra_col || !dec_col)
		throw Error(ErrorKind::Internal,
		            concat("table ", table.qualified_name(),
		                   " has no columns with UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main"));
	std::string r = rd::schema::sql_identifier(ra_col->meta), d = rd::schema::sql_identifier(dec_col->meta);
	bool q3c = false;
	for (auto& [a, b] : rd::schema::position_indexes(table).q3c)
		q3c = q3c || (iequals(a, ra_col->meta.name) && iequals(b, dec_col->meta.name));
	if (!q3c) return spoint_cone(concat("spoint(radians(", r, "), radians(", d, "))"), ra, dec, sr);
	Cone c{ra, dec, sr, {}, {}};
	// q3c_join rather than q3c_radial_query: the latter plans ten times slower (q3c 2.0).
	c.where = concat("q3c_join(", format_number(ra), ", ", format_number(dec), ", ", r, ", ", d, ", ",
	                 format_number(sr), ")");
	c.distance = concat("q3c_dist(", r, ", ", d, ", ", format_number(ra), ", ", format_number(dec), ")");
	return c;
}

std::pair<double, double> parse_position(std::string_view text) {
	std::string t;
	for (char c : text)
		t += (c == ',' || c == ':') ? ' ' : c;
	std::vector<double> v;
	std::vector<std::string> words = split_list(normalize_space(t), ' ');
	bool neg_dec = false;
	for (size_t i = 0; i < words.size(); ++i) {
		auto d = read_number(words[i]);
		if (!d)
			throw Error(ErrorKind::Validation,
			            concat("cannot read '", excerpt(text, 80), "' as a position; ", kPositionForms));
		if (words.size() == 6 && i == 3 && words[i][0] == '-') neg_dec = true;
		v.push_back(*d);
	}
	if (v.size() == 2) {
		if (v[1] < -90 || v[1] > 90)
			throw Error(ErrorKind::Validation, "the declination must lie in [-90, 90]");
		return {v[0], v[1]};
	}
	if (v.size() == 6) {
		double ra = (v[0] + v[1] / 60 + v[2] / 3600) * 15;
		double dec = std::fabs(v[3]) + v[4] / 60 + v[5] / 3600;
		if (neg_dec) dec = -dec;
		if (dec > 90) throw Error(ErrorKind::Validation, "the declination must lie in [-90, 90]");
		return {ra, dec};
	}
	throw Error(ErrorKind::Validation,
	            concat("cannot read '", excerpt(text, 80), "' as a position; ", kPositionForms));
}

} // namespace meles::services::query
