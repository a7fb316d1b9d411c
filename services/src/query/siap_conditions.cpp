#include "meles/services/query/siap_conditions.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "meles/services/query/conditions.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace meles::services::query {

namespace {

[[noreturn]] void bad(std::string_view what, std::string why) {
	throw Error(ErrorKind::Validation, concat(what, ": ", why));
}

std::vector<std::string> words(std::string_view s) {
	std::vector<std::string> out;
	std::string cur;
	for (char c : s) {
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',') {
			if (!cur.empty()) out.push_back(std::move(cur));
			cur.clear();
		} else {
			cur += c;
		}
	}
	if (!cur.empty()) out.push_back(std::move(cur));
	return out;
}

// A number as DALI writes them; infinities only where `infinite_ok`.  NaN is never a bound.
double number(std::string_view w, std::string_view what, bool infinite_ok = false) {
	std::string t(w);
	std::string low = to_lower(t);
	if (low == "inf" || low == "+inf" || low == "-inf" || low == "infinity" || low == "+infinity" ||
	    low == "-infinity") {
		if (!infinite_ok) bad(what, concat("'", t, "' is not a finite number"));
		return low[0] == '-' ? -std::numeric_limits<double>::infinity()
		                     : std::numeric_limits<double>::infinity();
	}
	double v = 0;
	const char* b = t.data();
	if (!t.empty() && t[0] == '+') ++b;
	auto [p, ec] = std::from_chars(b, t.data() + t.size(), v);
	if (ec != std::errc() || p != t.data() + t.size() || t.empty() || !std::isfinite(v))
		bad(what, concat("'", t, "' is not a number"));
	return v;
}

double ra_of(std::string_view w, std::string_view what) {
	double v = number(w, what);
	if (v < 0 || v > 360) bad(what, concat("right ascension ", w, " is not between 0 and 360 degrees"));
	return v;
}
double dec_of(std::string_view w, std::string_view what) {
	double v = number(w, what);
	if (v < -90 || v > 90) bad(what, concat("declination ", w, " is not between -90 and 90 degrees"));
	return v;
}

std::string spoint(double ra, double dec) {
	return concat("spoint(radians(", format_number(ra), "), radians(", format_number(dec), "))");
}

std::string sql_text(std::string_view s) {
	std::string out = "'";
	for (char c : s) {
		if (c == '\'') out += '\'';
		out += c;
	}
	return out + "'";
}

const rd::Column* column(const rd::TableDef& t, std::string_view name) {
	for (auto& c : t.columns)
		if (iequals(c.meta.name, name)) return &c;
	return nullptr;
}

std::string col_sql(const rd::TableDef& t, std::string_view name, std::string_view what) {
	const rd::Column* c = column(t, name);
	if (!c) bad(what, concat("this service's table has no column ", name, " to constrain"));
	return rd::schema::sql_identifier(c->meta);
}

// "lo hi" (DALI interval; either may be infinite) or one value (lo = hi).
std::pair<double, double> interval(std::string_view value, std::string_view what) {
	auto w = words(value);
	if (w.size() == 1) {
		double v = number(w[0], what);
		return {v, v};
	}
	if (w.size() != 2) bad(what, concat("'", value, "' is not an interval (two numbers: low high)"));
	double lo = number(w[0], what, true), hi = number(w[1], what, true);
	if (lo > hi) bad(what, concat("the interval '", value, "' has its lower bound above its upper one"));
	return {lo, hi};
}

// OR of the clauses of each value of a repeated parameter; nothing when it is absent.
template <typename F> void each(const Params& p, std::string_view name, SiapConditions& out, F&& clause) {
	auto values = p.get_all(name);
	if (values.empty()) return;
	std::string ors;
	for (auto& v : values) {
		std::string c = clause(v);
		out.used.emplace_back(std::string(name), v);
		if (c.empty()) continue; // no constraint (an interval without bounds, say)
		ors += concat(ors.empty() ? "" : " OR ", "(", c, ")");
	}
	if (ors.empty()) return;
	out.clauses.push_back(values.size() > 1 ? concat("(", ors, ")") : ors);
}

std::string overlap_range(const std::string& lo_col, const std::string& hi_col,
                          std::pair<double, double> iv) {
	std::string c;
	if (std::isfinite(iv.second)) c = concat(lo_col, " <= ", format_number(iv.second));
	if (std::isfinite(iv.first))
		c += concat(c.empty() ? "" : " AND ", hi_col, " >= ", format_number(iv.first));
	return c;
}

std::string within_range(const std::string& col, std::pair<double, double> iv) {
	std::string c;
	if (std::isfinite(iv.first)) c = concat(col, " >= ", format_number(iv.first));
	if (std::isfinite(iv.second))
		c += concat(c.empty() ? "" : " AND ", col, " <= ", format_number(iv.second));
	return c;
}

} // namespace

std::string SiapConditions::where() const {
	return clauses.empty() ? "" : concat(" WHERE ", join(clauses, " AND "));
}

std::string siap2_pos_geometry(std::string_view value, std::string_view what) {
	auto w = words(value);
	if (w.empty())
		bad(what, "empty; give CIRCLE ra dec radius, RANGE ra1 ra2 dec1 dec2 or POLYGON ra1 dec1 ...");
	std::string shape = to_upper(w[0]);
	if (shape == "CIRCLE") {
		if (w.size() != 4) bad(what, "CIRCLE takes three numbers: ra dec radius (degrees)");
		double ra = ra_of(w[1], what), dec = dec_of(w[2], what), r = number(w[3], what);
		if (r <= 0 || r > 180) bad(what, concat("the radius ", w[3], " is not in (0, 180] degrees"));
		return concat("scircle(", spoint(ra, dec), ", radians(", format_number(r), "))");
	}
	if (shape == "RANGE") {
		if (w.size() != 5) bad(what, "RANGE takes four numbers: ra1 ra2 dec1 dec2 (degrees)");
		double ra1 = number(w[1], what, true), ra2 = number(w[2], what, true);
		double de1 = number(w[3], what, true), de2 = number(w[4], what, true);
		if (ra1 > ra2 || de1 > de2) bad(what, "RANGE needs ra1 <= ra2 and dec1 <= dec2");
		ra1 = std::max(ra1, 0.0), ra2 = std::min(ra2, 360.0);
		de1 = std::max(de1, -90.0), de2 = std::min(de2, 90.0);
		if (ra1 > 360 || ra2 < 0 || de1 > 90 || de2 < -90) bad(what, "the RANGE lies outside the sky");
		// A box spanning all right ascensions is pg_sphere's box between the two latitudes.
		if (ra2 - ra1 >= 360) ra1 = 0, ra2 = 359.999999999;
		return concat("sbox(", spoint(ra1, de1), ", ", spoint(ra2, de2), ")");
	}
	if (shape == "POLYGON") {
		if ((w.size() - 1) % 2 != 0 || w.size() < 7)
			bad(what, "POLYGON takes at least three ra dec pairs (degrees)");
		if ((w.size() - 1) / 2 > kMaxPolygonVertices)
			bad(what,
			    concat("a POLYGON may have at most ", std::to_string(kMaxPolygonVertices), " vertices"));
		std::string pts;
		for (size_t i = 1; i < w.size(); i += 2)
			pts += concat(pts.empty() ? "" : ", ", "(", format_number(ra_of(w[i], what)), "d, ",
			              format_number(dec_of(w[i + 1], what)), "d)");
		return concat("spoly '{", pts, "}'");
	}
	bad(what, concat("unknown shape '", w[0], "'; use CIRCLE, RANGE or POLYGON"));
}

SiapConditions siap2_conditions(const rd::TableDef& t, const Params& p) {
	SiapConditions out;
	each(p, "POS", out, [&](const std::string& v) {
		return concat(col_sql(t, "s_region", "POS"), " && ", siap2_pos_geometry(v));
	});
	each(p, "BAND", out, [&](const std::string& v) {
		return overlap_range(col_sql(t, "em_min", "BAND"), col_sql(t, "em_max", "BAND"), interval(v, "BAND"));
	});
	each(p, "TIME", out, [&](const std::string& v) {
		return overlap_range(col_sql(t, "t_min", "TIME"), col_sql(t, "t_max", "TIME"), interval(v, "TIME"));
	});
	for (auto [par, col] : {std::pair{"FOV", "s_fov"}, {"SPATRES", "s_resolution"}, {"EXPTIME", "t_exptime"}})
		each(p, par, out,
		     [&](const std::string& v) { return within_range(col_sql(t, col, par), interval(v, par)); });
	each(p, "POL", out, [&](const std::string& v) {
		static const char* kStates[] = {"I",  "Q",  "U",  "V",  "RR", "LL",   "RL",
		                                "LR", "XX", "YY", "XY", "YX", "POLI", "POLA"};
		std::string s = to_upper(std::string(trim(v)));
		bool known = false;
		for (auto k : kStates)
			known = known || s == k;
		if (!known)
			bad("POL",
			    concat("'", v, "' is not a polarisation state (I Q U V RR LL RL LR XX YY XY YX POLI POLA)"));
		return concat(col_sql(t, "pol_states", "POL"), " LIKE '%/", s, "/%'");
	});
	for (auto [par, col] : {std::pair{"ID", "obs_publisher_did"},
	                        {"COLLECTION", "obs_collection"},
	                        {"FACILITY", "facility_name"},
	                        {"INSTRUMENT", "instrument_name"},
	                        {"DPTYPE", "dataproduct_type"},
	                        {"TARGET", "target_name"}})
		each(p, par, out,
		     [&](const std::string& v) { return concat(col_sql(t, col, par), " = ", sql_text(v)); });
	each(p, "CALIB", out, [&](const std::string& v) {
		double c = number(trim(v), "CALIB");
		if (c != std::floor(c) || c < 0 || c > 4)
			bad("CALIB", concat("'", v, "' is not a calibration level 0..4"));
		return concat(col_sql(t, "calib_level", "CALIB"), " = ", format_number(c));
	});
	each(p, "FORMAT", out, [&](const std::string& v) {
		const char* col = column(t, "access_format") ? "access_format" : "mime";
		return concat(col_sql(t, col, "FORMAT"), " = ", sql_text(trim(v)));
	});
	return out;
}

SiapConditions siap1_conditions(const rd::TableDef& t, const Params& p) {
	SiapConditions out;
	auto pos = p.get("POS"), size = p.get("SIZE");
	if (!pos || trim(*pos).empty()) bad("POS", "missing; give ra,dec in decimal degrees (ICRS)");
	if (!size || trim(*size).empty()) bad("SIZE", "missing; give the size of the region in degrees");
	auto pw = words(*pos);
	if (pw.size() != 2) bad("POS", concat("'", *pos, "' is not ra,dec"));
	double ra = ra_of(pw[0], "POS"), dec = dec_of(pw[1], "POS");
	auto sw = words(*size);
	if (sw.empty() || sw.size() > 2) bad("SIZE", concat("'", *size, "' is not one or two sizes in degrees"));
	double w = number(sw[0], "SIZE"), h = sw.size() == 2 ? number(sw[1], "SIZE") : w;
	if (w < 0 || h < 0 || w > 180 || h > 180)
		bad("SIZE", concat("'", *size, "' is not between 0 and 180 degrees"));
	std::string intersect = to_upper(std::string(trim(p.get("INTERSECT").value_or("OVERLAPS"))));
	if (intersect.empty()) intersect = "OVERLAPS";
	if (intersect != "OVERLAPS" && intersect != "COVERS" && intersect != "ENCLOSED" && intersect != "CENTER")
		bad("INTERSECT", concat("'", intersect, "' is not COVERS, ENCLOSED, CENTER or OVERLAPS"));
	out.used = {{"POS", *pos}, {"SIZE", *size}, {"INTERSECT", intersect}};
	std::string cov = col_sql(t, "coverage", "POS");
	std::string centre = spoint(ra, dec);
	if (intersect == "CENTER" || (w == 0 && h == 0)) {
		if (intersect == "ENCLOSED") {
			out.clauses.push_back("FALSE"); // no image fits into a point
		} else {
			out.clauses.push_back(concat(cov, " @> ", centre));
		}
	} else {
		// The region: a box of w x h degrees around POS, as pg_sphere's sbox between its corners
		// (RA widened by 1/cos(dec)); near a pole, the whole cap.
		double d1 = std::max(-90.0, dec - h / 2), d2 = std::min(90.0, dec + h / 2);
		double cosd = std::cos(dec * M_PI / 180);
		double half = cosd > 1e-9 ? w / 2 / cosd : 360;
		std::string region;
		if (half >= 180 || d1 <= -90 || d2 >= 90) {
			region = concat("sbox(", spoint(0, d1), ", ", spoint(359.999999999, d2), ")");
		} else {
			double r1 = ra - half, r2 = ra + half;
			if (r1 < 0) r1 += 360;
			if (r2 >= 360) r2 -= 360;
			region = concat("sbox(", spoint(r1, d1), ", ", spoint(r2, d2), ")");
		}
		if (intersect == "OVERLAPS") out.clauses.push_back(concat(cov, " && ", region));
		if (intersect == "COVERS") out.clauses.push_back(concat(cov, " @> ", region));
		if (intersect == "ENCLOSED") out.clauses.push_back(concat(cov, " <@ ", region));
	}
	// FORMAT: ALL (or nothing), GRAPHIC, or a list of media types; METADATA is the caller's.
	std::string format = std::string(trim(p.get("FORMAT").value_or("ALL")));
	std::string uformat = to_upper(format);
	if (!format.empty() && uformat != "ALL" && uformat != "METADATA") {
		std::string mime = col_sql(t, "mime", "FORMAT");
		if (uformat == "GRAPHIC") {
			out.clauses.push_back(concat(mime, " IN ('image/png', 'image/jpeg', 'image/gif')"));
		} else {
			std::string in;
			for (auto& m : words(format))
				in += concat(in.empty() ? "" : ", ", sql_text(m));
			out.clauses.push_back(concat(mime, " IN (", in, ")"));
		}
		out.used.emplace_back("FORMAT", format);
	}
	return out;
}

} // namespace meles::services::query
