#include "meles/rd/limits/limits.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/pg/copy_out.hpp"
#include "meles/rd/schema/catalog_store.hpp"
#include "meles/rd/schema/ddl.hpp"
#include "stats_collector.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

namespace meles::rd::limits {

namespace {

using Kind = CollectSpec::Kind;

constexpr int64_t kDaysFrom1970To2000 = 10957;
constexpr double kMjdOf1970 = 40587.0;
constexpr double kPlanck = 6.62607015e-34; // J s
constexpr double kLight = 299792458.0;     // m / s

// ---------------------------------------------------------------- value formatting

std::string format_double(double v) {
	if (std::isnan(v)) return "NaN";
	if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
	char buf[64];
	auto r = std::to_chars(buf, buf + sizeof buf, v);
	return std::string(buf, r.ptr);
}

std::string format_float(float v) {
	if (std::isnan(v)) return "NaN";
	if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
	char buf[64];
	auto r = std::to_chars(buf, buf + sizeof buf, v);
	return std::string(buf, r.ptr);
}

std::string format_date(int64_t days_since_2000) {
	int64_t y;
	unsigned m, d;
	civil_from_days(days_since_2000 + kDaysFrom1970To2000, y, m, d);
	char buf[32];
	std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
	return buf;
}

std::string format_timestamp(int64_t micros_since_2000) {
	int64_t days = micros_since_2000 >= 0 ? micros_since_2000 / 86400000000LL
	                                      : -((-micros_since_2000 + 86399999999LL) / 86400000000LL);
	int64_t rest = micros_since_2000 - days * 86400000000LL;
	int64_t secs = rest / 1000000, frac = rest % 1000000;
	std::string out = format_date(days);
	char buf[48];
	std::snprintf(buf, sizeof buf, "T%02d:%02d:%02d", int(secs / 3600), int(secs / 60 % 60), int(secs % 60));
	out += buf;
	if (frac) {
		std::snprintf(buf, sizeof buf, ".%06d", int(frac));
		std::string f = buf;
		while (f.back() == '0')
			f.pop_back();
		out += f;
	}
	return out;
}

// PostgreSQL's text form of a timestamp or float (from the exact aggregate) to TABLEDATA.
std::string tabledata_from_pg(std::string v, Kind kind) {
	if (kind == Kind::Timestamp && v.size() > 10 && v[10] == ' ') v[10] = 'T';
	if (kind == Kind::Float32 || kind == Kind::Float64) {
		if (v == "Infinity") return "+Inf";
		if (v == "-Infinity") return "-Inf";
	}
	return v;
}

// ---------------------------------------------------------------- which columns

struct PlannedColumn {
	const Column* column = nullptr;
	CollectSpec spec;
};

bool statistics_off(const Column& c) {
	auto* p = find_property(c.properties, "statistics");
	return p && iequals(p->value, "no");
}

bool enumerated(const Column& c) {
	auto* p = find_property(c.properties, "statistics");
	return p && iequals(p->value, "enumerate");
}

CollectSpec spec_for(const Column& c, bool c_collation) {
	CollectSpec s;
	const SqlType& t = c.meta.type;
	if (t.is_array) return s; // NotNull
	switch (t.base) {
	case BaseType::SmallInt:
	case BaseType::Integer:
	case BaseType::BigInt:
		s.kind = Kind::Integer;
		s.percentiles = true;
		break;
	case BaseType::Real:
		s.kind = Kind::Float32;
		s.percentiles = true;
		break;
	case BaseType::Double:
		s.kind = Kind::Float64;
		s.percentiles = true;
		break;
	case BaseType::Char:
	case BaseType::Text:
	case BaseType::Unicode:
		s.kind = Kind::Text;
		s.text_order = c_collation;
		s.enumerate = enumerated(c);
		break;
	case BaseType::Timestamp:
		s.kind = Kind::Timestamp;
		break;
	case BaseType::Date:
		s.kind = Kind::Date;
		break;
	default:
		break; // booleans, times, bytes, geometries: only the fill factor
	}
	return s;
}

bool orderable(Kind k) {
	return k != Kind::NotNull;
}

// The positions whose HEALPix cells make the spatial coverage: the main RA/Dec (UCDs),
// else a q3c-indexed pair, else ObsCore's s_ra/s_dec.
std::optional<std::pair<std::string, std::string>> position_columns(const TableDef& t) {
	const Column *ra = nullptr, *dec = nullptr;
	for (auto& c : t.columns) {
		if (iequals(c.meta.ucd, "pos.eq.ra;meta.main")) ra = ra ? ra : &c;
		if (iequals(c.meta.ucd, "pos.eq.dec;meta.main")) dec = dec ? dec : &c;
	}
	if (ra && dec) return std::make_pair(ra->meta.name, dec->meta.name);
	auto pos = schema::position_indexes(t);
	if (!pos.q3c.empty()) return pos.q3c.front();
	if (!pos.spoint.empty()) return pos.spoint.front();
	if (t.find_column("s_ra") && t.find_column("s_dec"))
		return std::make_pair(std::string("s_ra"), std::string("s_dec"));
	return std::nullopt;
}

// Columns bounding time and spectral coverage, in DaCHS's order of preference.
struct IntervalColumns {
	const Column* lo = nullptr;
	const Column* hi = nullptr;
};

IntervalColumns time_columns(const TableDef& t) {
	auto pair = [&](const char* a, const char* b) -> IntervalColumns {
		const Column *x = t.find_column(a), *y = t.find_column(b);
		if (x && y) return {x, y};
		return {};
	};
	if (auto p = pair("t_min", "t_max"); p.lo) return p;
	for (const char* n : {"ssa_dateObs", "dateObs"})
		if (auto* c = t.find_column(n)) return {c, c};
	const Column *start = nullptr, *end = nullptr, *epoch = nullptr;
	for (auto& c : t.columns) {
		std::string u = to_lower(c.meta.ucd);
		if (u.starts_with("time.start") && !start) start = &c;
		if (u.starts_with("time.end") && !end) end = &c;
		if (u.starts_with("time.epoch") && !epoch) epoch = &c;
	}
	if (start && end) return {start, end};
	if (epoch) return {epoch, epoch};
	return {};
}

IntervalColumns spectral_columns(const TableDef& t) {
	for (auto [a, b] : {std::pair{"em_min", "em_max"}, std::pair{"ssa_specstart", "ssa_specend"}}) {
		const Column *x = t.find_column(a), *y = t.find_column(b);
		if (x && y) return {x, y};
	}
	const Column *lo = nullptr, *hi = nullptr;
	for (auto& c : t.columns) {
		std::string u = to_lower(c.meta.ucd);
		if (u.starts_with("em.wl;stat.min") && !lo) lo = &c;
		if (u.starts_with("em.wl;stat.max") && !hi) hi = &c;
	}
	if (lo && hi) return {lo, hi};
	return {};
}

// ---------------------------------------------------------------- database facts

bool c_collation(pg::Connection& conn) {
	auto r = conn.exec("SELECT datcollate FROM pg_database WHERE datname = current_database()");
	if (r.rows() == 0) return false;
	std::string c = r.get(0, 0);
	return c == "C" || c == "POSIX";
}

std::string relation_of(const TableDef& t) {
	return schema::qualified(t.schema, t.id);
}

double estimated_rows(pg::Connection& conn, const TableDef& t) {
	auto r = conn.exec_params("SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)", {relation_of(t)});
	if (r.rows() == 0 || r.is_null(0, 0)) return -1;
	return std::stod(r.get(0, 0));
}

// DaCHS's rule: everything up to a million rows, then a shrinking share, at least 1 %.
double default_sample_percent(double rows) {
	if (rows <= 1e6) return 100;
	double p = 100.0 / (1.0 + std::pow(std::log10(rows) - 6.0, 1.5));
	return std::max(1.0, p);
}

std::string pct_text(double p) {
	return format_double(p);
}

} // namespace

const ColumnStats* TableStats::find(std::string_view column) const {
	for (auto& c : columns)
		if (iequals(c.column, column)) return &c;
	return nullptr;
}

double mjd_from_unix_micros(int64_t micros) {
	return kMjdOf1970 + static_cast<double>(micros) / 86400e6;
}

double joule_from_metres(double metres) {
	return kPlanck * kLight / metres;
}

// ---------------------------------------------------------------- one table

namespace {

struct TablePass {
	TableStats stats;
	// raw extremes of the columns, for coverage (numbers as doubles, times as MJD)
	std::map<std::string, std::pair<double, double>> numeric_range;
	std::optional<moc::Moc> moc;
};

// Streams `sql` (a SELECT over `relation` without WHERE) into `collector`: for big tables
// in block ranges on several connections at once (TID range scans), each into a collector
// of its own, merged at the end.
void stream_in_parallel(pg::Connection& conn, const Options& o, const std::string& relation,
                        const std::string& sql, const std::vector<ColumnMeta>& metas,
                        StatsCollector& collector,
                        const std::function<StatsCollector(int streams)>& make_collector) {
	int64_t blocks =
	    conn.exec_params("SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint",
	                     {relation})
	        .get_int(0, 0);
	int streams = o.connect ? std::max(1, o.streams) : 1;
	streams = static_cast<int>(std::min<int64_t>(
	    streams, std::max<int64_t>(1, blocks / std::max<int64_t>(1, o.min_blocks_per_stream))));
	if (streams <= 1) {
		pg::stream_query(conn, sql, metas, collector, UINT64_MAX);
		return;
	}
	auto range_sql = [&](int k) {
		int64_t from = blocks * k / streams, to = blocks * (k + 1) / streams;
		std::string where = concat(" WHERE ctid >= '(", std::to_string(from), ",0)'::tid");
		// the last range is open, so rows appended meanwhile are not lost
		if (k + 1 < streams) where += concat(" AND ctid < '(", std::to_string(to), ",0)'::tid");
		return sql + where;
	};
	std::vector<std::unique_ptr<pg::Connection>> conns;
	for (int k = 1; k < streams; ++k)
		conns.push_back(o.connect());
	std::vector<StatsCollector> parts;
	for (int k = 1; k < streams; ++k)
		parts.push_back(make_collector(streams));
	std::vector<std::exception_ptr> errors(static_cast<size_t>(streams));
	std::vector<std::thread> threads;
	for (int k = 1; k < streams; ++k)
		threads.emplace_back([&, k] {
			try {
				pg::stream_query(*conns[size_t(k - 1)], range_sql(k), metas, parts[size_t(k - 1)],
				                 UINT64_MAX);
			} catch (...) {
				errors[size_t(k)] = std::current_exception();
				conns[size_t(k - 1)]->cancel();
			}
		});
	try {
		pg::stream_query(conn, range_sql(0), metas, collector, UINT64_MAX);
	} catch (...) {
		errors[0] = std::current_exception();
		for (auto& c : conns)
			c->cancel();
	}
	for (auto& t : threads)
		t.join();
	for (auto& e : errors)
		if (e) std::rethrow_exception(e);
	for (auto& p : parts)
		collector.merge(std::move(p));
}

double to_mjd_number(const Column& c, double v, bool& ok) {
	ok = true;
	std::string u = c.meta.unit;
	if (u == "d") return v > 2400000.0 ? v - 2400000.5 : v; // JD or MJD
	if (u == "yr" || u == "a" || u == "year") return 51544.5 + (v - 2000.0) * 365.25;
	if (u == "s") return kMjdOf1970 + v / 86400.0;
	if (u.empty() && v > 0 && v < 100000) return v; // plausibly MJD already
	ok = false;
	return 0;
}

// Photon energy in J for a value of a spectral column with unit `unit`; nullopt if unknown.
std::optional<double> to_joule(const std::string& unit, double v) {
	if (!(v > 0) || !std::isfinite(v)) return std::nullopt;
	static const std::pair<const char*, double> lengths[] = {
	    {"m", 1},         {"cm", 1e-2}, {"mm", 1e-3},        {"um", 1e-6},
	    {"micron", 1e-6}, {"nm", 1e-9}, {"Angstrom", 1e-10}, {"0.1nm", 1e-10}};
	for (auto& [u, f] : lengths)
		if (unit == u) return joule_from_metres(v * f);
	if (unit == "J") return v;
	if (unit == "eV") return v * 1.602176634e-19;
	if (unit == "keV") return v * 1.602176634e-16;
	if (unit == "Hz") return v * kPlanck;
	if (unit == "MHz") return v * 1e6 * kPlanck;
	if (unit == "GHz") return v * 1e9 * kPlanck;
	return std::nullopt;
}

TablePass compute_pass(pg::Connection& conn, const Resource& rd, const TableDef& t, const Options& o,
                       int moc_order, bool want_moc, std::vector<std::string>& notes) {
	TablePass out;
	out.stats.table = to_lower(t.schema + "." + t.id);
	out.stats.rd_id = rd.rd_id;
	out.stats.computed = std::chrono::system_clock::now();
	std::string relation = relation_of(t);
	if (conn.exec_params("SELECT to_regclass($1) IS NULL", {relation}).get(0, 0) == "t")
		throw Error(ErrorKind::NotFound,
		            concat("table ", t.qualified_name(),
		                   " is not in the database; import it first (meles imp ", rd.rd_id, ")"),
		            t.pos);

	if (o.rows_only) {
		out.stats.rows = conn.exec(concat("SELECT count(*) FROM ", relation)).get_int(0, 0);
		return out;
	}

	bool c_order = c_collation(conn);
	std::vector<PlannedColumn> plan;
	for (auto& c : t.columns)
		if (!statistics_off(c)) plan.push_back({&c, spec_for(c, c_order)});

	double est = estimated_rows(conn, t);
	double sample = o.sample_percent ? *o.sample_percent : default_sample_percent(est);
	if (!(sample > 0 && sample <= 100))
		throw Error(ErrorKind::Validation,
		            concat("the sample must be more than 0 and at most 100 percent, not ", pct_text(sample)));
	bool sampled = sample < 100;
	out.stats.sample_percent = sample;

	std::optional<std::pair<std::string, std::string>> pos;
	if (want_moc) {
		pos = position_columns(t);
		if (!pos)
			notes.push_back(concat(t.qualified_name(),
			                       ": no position columns (pos.eq.ra/dec;meta.main, a q3c index or "
			                       "s_ra/s_dec), so no spatial coverage"));
	}

	// Percentile values take memory; wide tables are done in groups of columns, one pass each.
	double rows_in_pass = std::max(1.0, (est > 0 ? est : 1e6) * sample / 100.0);
	size_t per_group = std::max<size_t>(
	    1, static_cast<size_t>(static_cast<double>(o.memory_budget) / (rows_in_pass * sizeof(double))));
	std::vector<size_t> numeric;
	for (size_t i = 0; i < plan.size(); ++i)
		if (plan[i].spec.percentiles) numeric.push_back(i);
	size_t groups = std::max<size_t>(1, (numeric.size() + per_group - 1) / per_group);

	std::vector<ColumnSummary> summaries(plan.size());
	uint64_t rows = 0;
	for (size_t g = 0; g < groups; ++g) {
		// The first pass streams every column; later ones only their share of the numbers.
		std::vector<size_t> cols;
		std::set<size_t> in_group(
		    numeric.begin() + static_cast<std::ptrdiff_t>(std::min(numeric.size(), g * per_group)),
		    numeric.begin() + static_cast<std::ptrdiff_t>(std::min(numeric.size(), (g + 1) * per_group)));
		for (size_t i = 0; i < plan.size(); ++i)
			if (g == 0 || in_group.count(i)) cols.push_back(i);
		std::vector<ColumnMeta> metas;
		std::vector<CollectSpec> specs;
		std::vector<std::string> select;
		std::optional<std::pair<size_t, size_t>> pos_idx;
		for (size_t k = 0; k < cols.size(); ++k) {
			const PlannedColumn& p = plan[cols[k]];
			CollectSpec s = p.spec;
			s.percentiles = s.percentiles && in_group.count(cols[k]);
			std::string ident = schema::sql_identifier(p.column->meta);
			ColumnMeta m = p.column->meta;
			if (s.kind == Kind::NotNull) {
				select.push_back(concat("NULLIF(", ident, " IS NOT NULL, false)"));
				m.type = SqlType{};
				m.type.base = BaseType::Boolean;
			} else {
				select.push_back(ident);
				if (s.kind == Kind::Text) m.type = SqlType::parse("text");
			}
			metas.push_back(m);
			specs.push_back(s);
		}
		if (g == 0 && pos) {
			// the position columns are numbers in the plan (or get added as such)
			auto index_of = [&](const std::string& name) -> std::optional<size_t> {
				for (size_t k = 0; k < cols.size(); ++k)
					if (iequals(plan[cols[k]].column->meta.name, name) &&
					    (specs[k].kind == Kind::Float32 || specs[k].kind == Kind::Float64 ||
					     specs[k].kind == Kind::Integer))
						return k;
				return std::nullopt;
			};
			auto a = index_of(pos->first), b = index_of(pos->second);
			if (a && b)
				pos_idx = std::make_pair(*a, *b);
			else
				notes.push_back(concat(t.qualified_name(), ": the position columns ", pos->first, "/",
				                       pos->second,
				                       " are not numbers with statistics, so no spatial coverage"));
		}
		std::string sql = concat("SELECT ", join(select, ", "), " FROM ", relation);
		// room for the values of this pass (with a margin: the estimate comes from ANALYZE)
		auto expect = static_cast<size_t>(rows_in_pass * 1.05) + 1024;
		StatsCollector collector(specs, sampled ? std::nullopt : pos_idx, moc_order, expect);
		if (sampled) {
			// Sampling rows at random positions of random pages keeps the cost proportional to
			// the sample; REPEATABLE makes a second run give the same figures.
			sql += concat(" TABLESAMPLE SYSTEM (", pct_text(sample), ") REPEATABLE (0)");
			pg::stream_query(conn, sql, metas, collector, UINT64_MAX);
		} else {
			stream_in_parallel(conn, o, relation, sql, metas, collector, [&](int streams) {
				return StatsCollector(specs, pos_idx, moc_order, expect / static_cast<size_t>(streams));
			});
		}
		rows = collector.rows();
		for (size_t k = 0; k < cols.size(); ++k) {
			auto& src = collector.summary(k);
			auto& dst = summaries[cols[k]];
			if (g == 0)
				dst = std::move(src);
			else
				dst.values = std::move(src.values);
		}
		// percentiles of this group right away: the values are freed before the next pass
		for (size_t i : in_group) {
			auto& s = summaries[i];
			if (s.values.empty()) continue;
			auto ps = percentiles_cont(s.values, {0.03, 0.5, 0.97});
			s.values.clear();
			s.values.shrink_to_fit();
			s.values = ps; // keep the three results where the values were
		}
		if (g == 0 && !sampled && pos_idx) out.moc = collector.moc();
	}

	// Exact minimum, maximum and counts when rows were sampled, or for text under a
	// collation that is not byte order: one aggregate over the whole table.
	std::vector<size_t> exact;
	for (size_t i = 0; i < plan.size(); ++i)
		if (sampled || (plan[i].spec.kind == Kind::Text && !plan[i].spec.text_order)) exact.push_back(i);
	int64_t total_rows = static_cast<int64_t>(rows);
	std::map<size_t, std::pair<std::optional<std::string>, std::optional<std::string>>> exact_minmax;
	std::map<size_t, int64_t> exact_count;
	if (!exact.empty()) {
		std::vector<std::string> agg = {"count(*)"};
		for (size_t i : exact) {
			std::string ident = schema::sql_identifier(plan[i].column->meta);
			agg.push_back(concat("count(", ident, ")"));
			if (orderable(plan[i].spec.kind)) {
				agg.push_back(concat("min(", ident, ")::text"));
				agg.push_back(concat("max(", ident, ")::text"));
			}
		}
		auto r = conn.exec(concat("SELECT ", join(agg, ", "), " FROM ", relation));
		if (sampled) total_rows = r.get_int(0, 0);
		int k = 1;
		for (size_t i : exact) {
			exact_count[i] = r.get_int(0, k++);
			if (orderable(plan[i].spec.kind)) {
				auto mn = r.get_optional(0, k++);
				auto mx = r.get_optional(0, k++);
				if (mn) mn = tabledata_from_pg(*mn, plan[i].spec.kind);
				if (mx) mx = tabledata_from_pg(*mx, plan[i].spec.kind);
				exact_minmax[i] = {mn, mx};
			}
		}
		if (sampled && pos) {
			// every cell counts, so the MOC comes from all rows, computed by pg_sphere
			auto have = conn.exec("SELECT to_regproc('healpix_nest') IS NOT NULL").get(0, 0) == "t";
			if (have) {
				auto cells = conn.exec(concat("SELECT DISTINCT healpix_nest(", std::to_string(moc_order),
				                              ", spoint(radians(", schema::sql_identifier(pos->first, false),
				                              "), radians(", schema::sql_identifier(pos->second, false),
				                              "))) FROM ", relation, " WHERE ",
				                              schema::sql_identifier(pos->first, false), " IS NOT NULL AND ",
				                              schema::sql_identifier(pos->second, false), " IS NOT NULL"));
				std::vector<uint64_t> v;
				for (int row = 0; row < cells.rows(); ++row)
					v.push_back(static_cast<uint64_t>(cells.get_int(row, 0)));
				out.moc = moc::Moc::from_cells(moc_order, std::move(v));
			} else {
				notes.push_back(
				    concat(t.qualified_name(),
				           ": pg_sphere without healpix_nest, so no spatial coverage for a sampled table"));
			}
		}
	}
	out.stats.rows = total_rows;
	if (sampled)
		notes.push_back(concat(t.qualified_name(), ": percentiles and value frequencies from a ",
		                       pct_text(sample),
		                       " % sample; minimum, maximum and fill factors from all rows"));

	for (size_t i = 0; i < plan.size(); ++i) {
		const PlannedColumn& p = plan[i];
		auto& s = summaries[i];
		ColumnStats cs;
		cs.column = p.column->meta.name;
		uint64_t non_null = exact_count.count(i) ? static_cast<uint64_t>(exact_count[i]) : s.non_null;
		cs.fill_factor = total_rows ? static_cast<double>(non_null) / static_cast<double>(total_rows) : 0.0;
		if (exact_minmax.count(i)) {
			cs.min_value = exact_minmax[i].first;
			cs.max_value = exact_minmax[i].second;
		} else if (s.has_minmax) {
			switch (p.spec.kind) {
			case Kind::Integer:
				cs.min_value = std::to_string(s.imin), cs.max_value = std::to_string(s.imax);
				break;
			case Kind::Float32:
				cs.min_value = format_float(static_cast<float>(s.dmin)),
				cs.max_value = format_float(static_cast<float>(s.dmax));
				break;
			case Kind::Float64:
				cs.min_value = format_double(s.dmin), cs.max_value = format_double(s.dmax);
				break;
			case Kind::Text:
				cs.min_value = s.smin, cs.max_value = s.smax;
				break;
			case Kind::Timestamp:
				cs.min_value = format_timestamp(s.imin), cs.max_value = format_timestamp(s.imax);
				break;
			case Kind::Date:
				cs.min_value = format_date(s.imin), cs.max_value = format_date(s.imax);
				break;
			case Kind::NotNull:
				break;
			}
		}
		if (p.spec.percentiles && s.values.size() == 3) {
			cs.percentile03 = s.values[0];
			cs.median = s.values[1];
			cs.percentile97 = s.values[2];
		}
		if (p.spec.enumerate) {
			if (s.too_many_values)
				notes.push_back(
				    concat(t.qualified_name(), ".", cs.column, ": more than ",
				           std::to_string(StatsCollector::kMaxDistinct),
				           " distinct values, so no value frequencies (statistics=\"enumerate\")"));
			uint64_t seen = rows ? rows : 1;
			for (auto& [v, n] : s.frequencies)
				cs.discrete_values.emplace_back(v, static_cast<double>(n) / static_cast<double>(seen));
			std::stable_sort(cs.discrete_values.begin(), cs.discrete_values.end(),
			                 [](auto& a, auto& b) { return a.second > b.second; });
		}
		// Extremes as numbers for coverage (times in MJD).
		if (s.has_minmax || exact_minmax.count(i)) {
			double lo = 0, hi = 0;
			bool ok = true;
			switch (p.spec.kind) {
			case Kind::Integer:
				lo = double(s.imin), hi = double(s.imax);
				break;
			case Kind::Float32:
			case Kind::Float64:
				lo = s.dmin, hi = s.dmax;
				break;
			case Kind::Timestamp:
				lo = mjd_from_unix_micros(s.imin + kDaysFrom1970To2000 * 86400000000LL);
				hi = mjd_from_unix_micros(s.imax + kDaysFrom1970To2000 * 86400000000LL);
				break;
			case Kind::Date:
				lo = kMjdOf1970 + double(s.imin + kDaysFrom1970To2000),
				hi = kMjdOf1970 + double(s.imax + kDaysFrom1970To2000);
				break;
			default:
				ok = false;
			}
			if (exact_minmax.count(i) && ok && exact_minmax[i].first && exact_minmax[i].second) {
				// sampled: the exact extremes (text form) replace the sample's
				if (p.spec.kind == Kind::Integer || p.spec.kind == Kind::Float32 ||
				    p.spec.kind == Kind::Float64) {
					try {
						lo = std::stod(*exact_minmax[i].first), hi = std::stod(*exact_minmax[i].second);
					} catch (...) {
						ok = false;
					}
				} else if (auto a = parse_iso(*exact_minmax[i].first), b = parse_iso(*exact_minmax[i].second);
				           a && b) {
					auto us = [](TimePoint tp) {
						return std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch())
						    .count();
					};
					lo = mjd_from_unix_micros(us(*a)), hi = mjd_from_unix_micros(us(*b));
				}
			}
			if (ok) out.numeric_range[to_lower(cs.column)] = {lo, hi};
		}
		out.stats.columns.push_back(std::move(cs));
	}
	return out;
}

const TableDef& resolve_local_table(const Resource& rd, const std::string& ref, const SourcePos& pos) {
	std::string id = ref;
	auto hash = id.find('#');
	if (hash != std::string::npos) {
		if (id.substr(0, hash) != rd.rd_id)
			throw Error(
			    ErrorKind::Validation,
			    concat("coverage updater: table '", ref, "' is in another RD; name a table of ", rd.rd_id),
			    pos);
		id = id.substr(hash + 1);
	}
	auto* t = rd.find_table(id);
	if (!t) throw Error(ErrorKind::Name, concat("coverage updater: the RD has no table '", id, "'"), pos);
	return *t;
}

void store_table_stats(pg::Connection& conn, const TableStats& s) {
	conn.exec_params("DELETE FROM meles.table_stats WHERE table_name = $1", {s.table});
	conn.exec_params("INSERT INTO meles.table_stats (table_name, rd_id, nrows, sample_percent, computed) "
	                 "VALUES ($1,$2,$3,$4,$5)",
	                 {s.table, s.rd_id, std::to_string(s.rows), format_double(s.sample_percent),
	                  format_iso(s.computed, true)});
	auto num = [](const std::optional<double>& v) -> std::optional<std::string> {
		if (!v) return std::nullopt;
		if (std::isnan(*v)) return std::string("NaN");
		if (std::isinf(*v)) return std::string(*v > 0 ? "Infinity" : "-Infinity");
		return format_double(*v);
	};
	for (size_t i = 0; i < s.columns.size(); ++i) {
		auto& c = s.columns[i];
		conn.exec_params(
		    "INSERT INTO meles.column_stats (table_name, column_index, column_name, min_value, max_value, "
		    "percentile03, median, percentile97, fill_factor) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
		    {s.table, std::to_string(i), c.column, c.min_value, c.max_value, num(c.percentile03),
		     num(c.median), num(c.percentile97), format_double(c.fill_factor)});
		for (auto& [v, share] : c.discrete_values)
			conn.exec_params("INSERT INTO meles.column_values (table_name, column_name, value, share) VALUES "
			                 "($1,$2,$3,$4)",
			                 {s.table, c.column, v, format_double(share)});
	}
	// The row count also goes where VOSI and TAP_SCHEMA readers look.
	conn.exec_params("UPDATE meles.tablemeta SET nrows = $2 WHERE table_name = $1",
	                 {s.table, std::to_string(s.rows)});
	if (conn.exec("SELECT 1 FROM information_schema.columns WHERE table_schema = 'tap_schema' AND table_name "
	              "= 'tables' "
	              "AND column_name = 'nrows'")
	        .rows() > 0)
		conn.exec_params("UPDATE tap_schema.tables SET nrows = $2 WHERE table_name = $1",
		                 {s.table, std::to_string(s.rows)});
}

std::string intervals_text(const std::vector<std::pair<double, double>>& v) {
	std::vector<std::string> parts;
	for (auto& [a, b] : v)
		parts.push_back(format_double(a) + " " + format_double(b));
	return join(parts, " ");
}

std::vector<std::pair<double, double>> parse_intervals(std::string_view text, const char* what,
                                                       const SourcePos& pos) {
	std::vector<double> nums;
	for (auto& tok : split_list(normalize_space(text), ' ')) {
		try {
			size_t used = 0;
			nums.push_back(std::stod(tok, &used));
			if (used != tok.size()) throw std::invalid_argument(tok);
		} catch (...) {
			throw Error(ErrorKind::Syntax, concat("coverage: '", tok, "' in <", what, "> is not a number"),
			            pos);
		}
	}
	if (nums.size() % 2)
		throw Error(ErrorKind::Syntax, concat("coverage: <", what, "> needs pairs of numbers"), pos);
	std::vector<std::pair<double, double>> out;
	for (size_t i = 0; i < nums.size(); i += 2)
		out.emplace_back(nums[i], nums[i + 1]);
	return out;
}

void store_coverage(pg::Connection& conn, const Coverage& c) {
	auto opt = [](std::string s) -> std::optional<std::string> {
		if (s.empty()) return std::nullopt;
		return s;
	};
	conn.exec_params("INSERT INTO meles.rd_coverage (rd_id, spatial, moc_order, temporal, spectral, "
	                 "computed) VALUES ($1,$2,$3,$4,$5,$6) "
	                 "ON CONFLICT (rd_id) DO UPDATE SET spatial = EXCLUDED.spatial, moc_order = "
	                 "EXCLUDED.moc_order, temporal = "
	                 "EXCLUDED.temporal, spectral = EXCLUDED.spectral, computed = EXCLUDED.computed",
	                 {c.rd_id, c.spatial ? std::optional<std::string>(c.spatial->to_ascii()) : std::nullopt,
	                  std::to_string(c.moc_order), opt(intervals_text(c.temporal)),
	                  opt(intervals_text(c.spectral)), format_iso(c.computed, true)});
}

} // namespace

void ensure_tables(pg::Connection& conn) {
	conn.exec(R"(
CREATE TABLE IF NOT EXISTS meles.table_stats (
	table_name text PRIMARY KEY,
	rd_id text NOT NULL,
	nrows bigint NOT NULL,
	sample_percent double precision NOT NULL,
	computed timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS meles.column_stats (
	table_name text NOT NULL REFERENCES meles.table_stats ON DELETE CASCADE,
	column_index integer NOT NULL,
	column_name text NOT NULL,
	min_value text, max_value text,
	percentile03 double precision, median double precision, percentile97 double precision,
	fill_factor double precision NOT NULL,
	PRIMARY KEY (table_name, column_name));
CREATE TABLE IF NOT EXISTS meles.column_values (
	table_name text NOT NULL,
	column_name text NOT NULL,
	value text NOT NULL,
	share double precision NOT NULL,
	PRIMARY KEY (table_name, column_name, value),
	FOREIGN KEY (table_name, column_name) REFERENCES meles.column_stats ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS meles.rd_coverage (
	rd_id text PRIMARY KEY,
	spatial text,
	moc_order integer NOT NULL,
	temporal text,
	spectral text,
	computed timestamptz NOT NULL);
)");
}

TableStats compute_table_stats(pg::Connection& conn, const Resource& rd, const TableDef& table,
                               const Options& options) {
	std::vector<std::string> notes;
	return compute_pass(conn, rd, table, options, 6, false, notes).stats;
}

Report run(pg::Connection& conn, const Resource& rd, const std::optional<std::string>& table,
           const Options& o) {
	Report report;
	const CoverageUpdater* updater = rd.coverage && rd.coverage->updater ? &*rd.coverage->updater : nullptr;
	int moc_order = updater && updater->moc_order ? *updater->moc_order : 6;
	if (moc_order < 0 || moc_order > moc::kMaxOrder)
		throw Error(ErrorKind::Validation,
		            concat("coverage: mocOrder ", std::to_string(moc_order), " is outside 0..29"),
		            updater->pos);

	// Which table gives which part of the coverage.
	const TableDef *space = nullptr, *time = nullptr, *spectral = nullptr;
	if (updater) {
		const TableDef* source = updater->source_table.empty()
		                             ? nullptr
		                             : &resolve_local_table(rd, updater->source_table, updater->pos);
		auto pick = [&](const std::string& ref) {
			return ref.empty() ? source : &resolve_local_table(rd, ref, updater->pos);
		};
		space = pick(updater->space_table);
		time = pick(updater->time_table);
		spectral = pick(updater->spectral_table);
	}

	std::vector<const TableDef*> tables;
	if (table) {
		auto* t = rd.find_table(*table);
		if (!t) {
			std::vector<std::string> ids;
			for (auto& td : rd.tables)
				if (td.on_disk) ids.push_back(td.id);
			throw Error(ErrorKind::NotFound,
			            concat("RD ", rd.rd_id, " has no table '", *table, "'",
			                   ids.empty() ? std::string() : concat(" (tables: ", join(ids, ", "), ")")));
		}
		if (!t->on_disk)
			throw Error(ErrorKind::Validation,
			            concat("table ", t->id, " is not onDisk, so it has no data to analyse"), t->pos);
		tables.push_back(t);
	} else {
		for (auto& t : rd.tables) {
			if (!t.on_disk) continue;
			auto* force = find_property(t.properties, "forceStats");
			if (t.is_view() && !(force && (iequals(force->value, "true") || force->value == "1"))) continue;
			tables.push_back(&t);
		}
	}
	// Tables the coverage needs are analysed too (the updater may name a view).
	for (auto* t : {space, time, spectral})
		if (t && !table && std::find(tables.begin(), tables.end(), t) == tables.end()) tables.push_back(t);

	conn.begin();
	try {
		ensure_tables(conn);
		schema::ensure_catalog_tables(conn);
		auto stored = load_coverage(conn, rd.rd_id);
		Coverage cov = stored ? *stored : Coverage{};
		cov.rd_id = rd.rd_id;
		cov.moc_order = moc_order;
		bool coverage_touched = false;
		for (auto* t : tables) {
			if (!table &&
			    conn.exec_params("SELECT to_regclass($1) IS NULL", {relation_of(*t)}).get(0, 0) == "t") {
				// a whole RD may have tables no data element fills (yet); a named table must exist
				report.notes.push_back(
				    concat(t->qualified_name(), ": not in the database (not imported), left out"));
				continue;
			}
			if (o.progress) o.progress(concat(t->qualified_name(), ": analysing"));
			bool want_moc = t == space && !o.rows_only;
			auto pass = compute_pass(conn, rd, *t, o, moc_order, want_moc, report.notes);
			store_table_stats(conn, pass.stats);
			if (o.rows_only) {
				report.tables.push_back(std::move(pass.stats));
				continue;
			}
			if (t == space) {
				cov.spatial = pass.moc;
				coverage_touched = true;
			}
			if (t == time) {
				coverage_touched = true;
				cov.temporal.clear();
				auto cols = time_columns(*t);
				if (!cols.lo)
					report.notes.push_back(concat(t->qualified_name(),
					                              ": no time columns (t_min/t_max, dateObs, time.start/"
					                              "time.end or time.epoch UCDs), so no temporal coverage"));
				else if (pass.numeric_range.count(to_lower(cols.lo->meta.name)) &&
				         pass.numeric_range.count(to_lower(cols.hi->meta.name))) {
					auto lo = pass.numeric_range[to_lower(cols.lo->meta.name)].first;
					auto hi = pass.numeric_range[to_lower(cols.hi->meta.name)].second;
					bool is_time = cols.lo->meta.type.base == BaseType::Timestamp ||
					               cols.lo->meta.type.base == BaseType::Date;
					bool ok1 = true, ok2 = true;
					if (!is_time) {
						lo = to_mjd_number(*cols.lo, lo, ok1);
						hi = to_mjd_number(*cols.hi, hi, ok2);
					}
					if (ok1 && ok2 && std::isfinite(lo) && std::isfinite(hi))
						cov.temporal.emplace_back(lo, hi);
					else
						report.notes.push_back(concat(t->qualified_name(), ": cannot read ",
						                              cols.lo->meta.name, " (unit '", cols.lo->meta.unit,
						                              "') as a time, so no temporal coverage"));
				}
			}
			if (t == spectral) {
				coverage_touched = true;
				cov.spectral.clear();
				auto cols = spectral_columns(*t);
				if (!cols.lo)
					report.notes.push_back(concat(t->qualified_name(),
					                              ": no spectral columns (em_min/em_max or em.wl;stat.min/"
					                              "max UCDs), so no spectral coverage"));
				else if (pass.numeric_range.count(to_lower(cols.lo->meta.name)) &&
				         pass.numeric_range.count(to_lower(cols.hi->meta.name))) {
					// shortest wavelength = highest energy: the interval's ends swap
					auto a =
					    to_joule(cols.lo->meta.unit, pass.numeric_range[to_lower(cols.lo->meta.name)].first);
					auto b =
					    to_joule(cols.hi->meta.unit, pass.numeric_range[to_lower(cols.hi->meta.name)].second);
					if (a && b)
						cov.spectral.emplace_back(std::min(*a, *b), std::max(*a, *b));
					else
						report.notes.push_back(concat(
						    t->qualified_name(), ": cannot read ", cols.lo->meta.name, " (unit '",
						    cols.lo->meta.unit, "') as a wavelength or energy, so no spectral coverage"));
				}
			}
			report.tables.push_back(std::move(pass.stats));
		}
		if (coverage_touched) {
			cov.computed = std::chrono::system_clock::now();
			store_coverage(conn, cov);
			report.coverage = cov;
		} else if (!updater && !table && !o.rows_only) {
			report.notes.push_back(
			    "the RD has no <coverage><updater .../></coverage>, so no coverage was computed");
		}
		schema::bump_catalog_version(conn);
		conn.commit();
	} catch (...) {
		conn.rollback();
		throw;
	}
	return report;
}

std::optional<TableStats> load_table_stats(pg::Connection& conn, std::string_view qualified_table) {
	if (conn.exec("SELECT to_regclass('meles.table_stats') IS NULL").get(0, 0) == "t") return std::nullopt;
	std::string name = to_lower(qualified_table);
	auto t = conn.exec_params("SELECT rd_id, nrows, sample_percent, "
	                          "to_char(computed AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
	                          "FROM meles.table_stats WHERE table_name = $1",
	                          {name});
	if (t.rows() == 0) return std::nullopt;
	TableStats s;
	s.table = name;
	s.rd_id = t.get(0, 0);
	s.rows = t.get_int(0, 1);
	s.sample_percent = std::stod(t.get(0, 2));
	if (auto tp = parse_iso(t.get(0, 3))) s.computed = *tp;
	auto c = conn.exec_params(
	    "SELECT column_name, min_value, max_value, percentile03, median, percentile97, fill_factor "
	    "FROM meles.column_stats WHERE table_name = $1 ORDER BY column_index",
	    {name});
	auto num = [&](int row, int col) -> std::optional<double> {
		auto v = c.get_optional(row, col);
		if (!v) return std::nullopt;
		return std::stod(*v);
	};
	for (int i = 0; i < c.rows(); ++i) {
		ColumnStats cs;
		cs.column = c.get(i, 0);
		cs.min_value = c.get_optional(i, 1);
		cs.max_value = c.get_optional(i, 2);
		cs.percentile03 = num(i, 3);
		cs.median = num(i, 4);
		cs.percentile97 = num(i, 5);
		cs.fill_factor = std::stod(c.get(i, 6));
		s.columns.push_back(std::move(cs));
	}
	auto v =
	    conn.exec_params("SELECT column_name, value, share FROM meles.column_values WHERE table_name = $1 "
	                     "ORDER BY column_name, share DESC, value",
	                     {name});
	for (int i = 0; i < v.rows(); ++i)
		for (auto& cs : s.columns)
			if (cs.column == v.get(i, 0))
				cs.discrete_values.emplace_back(v.get(i, 1), std::stod(v.get(i, 2)));
	return s;
}

std::optional<Coverage> load_coverage(pg::Connection& conn, std::string_view rd_id) {
	if (conn.exec("SELECT to_regclass('meles.rd_coverage') IS NULL").get(0, 0) == "t") return std::nullopt;
	auto r = conn.exec_params("SELECT spatial, moc_order, temporal, spectral, "
	                          "to_char(computed AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
	                          "FROM meles.rd_coverage WHERE rd_id = $1",
	                          {std::string(rd_id)});
	if (r.rows() == 0) return std::nullopt;
	Coverage c;
	c.rd_id = std::string(rd_id);
	if (auto s = r.get_optional(0, 0)) c.spatial = moc::Moc::parse_ascii(*s);
	c.moc_order = static_cast<int>(r.get_int(0, 1));
	SourcePos pos{"meles.rd_coverage", 0, 0};
	if (auto s = r.get_optional(0, 2)) c.temporal = parse_intervals(*s, "temporal", pos);
	if (auto s = r.get_optional(0, 3)) c.spectral = parse_intervals(*s, "spectral", pos);
	if (auto tp = parse_iso(r.get(0, 4))) c.computed = *tp;
	return c;
}

void forget_table(pg::Connection& conn, std::string_view qualified_table) {
	if (conn.exec("SELECT to_regclass('meles.table_stats') IS NULL").get(0, 0) == "t") return;
	conn.exec_params("DELETE FROM meles.table_stats WHERE table_name = $1", {to_lower(qualified_table)});
}

void forget_rd(pg::Connection& conn, std::string_view rd_id) {
	if (conn.exec("SELECT to_regclass('meles.table_stats') IS NULL").get(0, 0) == "t") return;
	conn.exec_params("DELETE FROM meles.table_stats WHERE rd_id = $1", {std::string(rd_id)});
	conn.exec_params("DELETE FROM meles.rd_coverage WHERE rd_id = $1", {std::string(rd_id)});
}

std::optional<Coverage> effective_coverage(pg::Connection& conn, const Resource& rd) {
	auto stored = load_coverage(conn, rd.rd_id);
	Coverage c = stored ? *stored : Coverage{};
	c.rd_id = rd.rd_id;
	if (rd.coverage) {
		// literal values in the RD fill what limits did not compute
		const SourcePos& pos = rd.coverage->pos;
		if (!c.spatial && !trim(rd.coverage->spatial).empty()) {
			try {
				c.spatial = moc::Moc::parse_ascii(rd.coverage->spatial);
			} catch (const Error& e) {
				throw Error(ErrorKind::Syntax, concat("coverage: <spatial>: ", e.message()), pos);
			}
		}
		if (c.temporal.empty() && !trim(rd.coverage->temporal).empty())
			c.temporal = parse_intervals(rd.coverage->temporal, "temporal", pos);
		if (c.spectral.empty() && !trim(rd.coverage->spectral).empty())
			c.spectral = parse_intervals(rd.coverage->spectral, "spectral", pos);
	}
	if (c.empty()) return std::nullopt;
	return c;
}

} // namespace meles::rd::limits
