// bench_adql — ADQL translation speed: parse + resolve + emit for a mix of 20 typical TAP
// queries (cones, crossmatches, ObsCore, TAP_SCHEMA, aggregates, joins, set operations),
// single-threaded, so the figure is per core.  Printed next to the parse-only rate of the
// same queries (the floor the binder and emitter add to).
// Usage: bench_adql [seconds per measurement, default 2]
#include "meles/core/adql/table_file.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

using namespace meles;
using namespace meles::adql;

namespace {

const char* kQueries[] = {
    "SELECT * FROM anchor.main WHERE 1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10.68, 41.27, 0.5))",
    "SELECT TOP 100 id, ra, dec, mag FROM anchor.big WHERE DISTANCE(POINT(ra, dec), POINT(83.6, 22.0)) < 0.2 "
    "ORDER BY mag",
    "SELECT u.\"Name\", b.id, DISTANCE(POINT(u.ra, u.dec), POINT(b.ra, b.dec)) AS d FROM TAP_UPLOAD.mine AS "
    "u "
    "JOIN anchor.big AS b ON 1 = CONTAINS(POINT(b.ra, b.dec), CIRCLE(u.ra, u.dec, 1./3600))",
    "SELECT table_name, description FROM TAP_SCHEMA.tables ORDER BY table_name",
    "SELECT column_name, datatype, arraysize, xtype, unit, ucd, description FROM TAP_SCHEMA.columns "
    "WHERE table_name = 'ivoa.obscore'",
    "SELECT COUNT(*) FROM anchor.main",
    "SELECT COUNT(*) AS n, ROUND(mag) AS m FROM anchor.big GROUP BY m ORDER BY m",
    "SELECT obs_id, s_ra, s_dec, access_url FROM ivoa.obscore WHERE dataproduct_type = 'image' "
    "AND INTERSECTS(s_region, CIRCLE('ICRS', 191.288, -0.459, 0.2)) = 1",
    "SELECT TOP 200 obs_id, em_min, em_max FROM ivoa.obscore WHERE em_min <= 2.18E-6 AND em_max >= 2.18E-6 "
    "AND s_dec < -74.5 ORDER BY s_dec",
    "SELECT id, name FROM anchor.main WHERE name LIKE 'ANC 12%' OR name ILIKE 'anc 13%'",
    "SELECT TOP 10 * FROM anchor.main ORDER BY mag DESC",
    "SELECT a.id, b.id FROM anchor.main AS a JOIN anchor.big AS b ON a.id = b.id WHERE a.mag < 10",
    "SELECT id, ra, dec FROM anchor.main WHERE ra BETWEEN 10 AND 11 AND dec BETWEEN -5 AND 5",
    "SELECT AVG(mag), MIN(mag), MAX(mag), SUM(mag) FROM anchor.big WHERE 1=CONTAINS(POINT(ra, dec), "
    "CIRCLE(30, 30, 1))",
    "SELECT id FROM anchor.main WHERE id IN (SELECT id FROM anchor.big WHERE mag < 5)",
    "WITH bright AS (SELECT id, ra, dec FROM anchor.main WHERE mag < 12) SELECT b.id, b.ra FROM bright AS b "
    "WHERE b.dec > 0",
    "SELECT id, mag FROM anchor.main WHERE mag < 6 UNION SELECT id, mag FROM anchor.big WHERE mag > 24",
    "SELECT obs_id, AREA(s_region), COORD1(CENTROID(CIRCLE(s_ra, s_dec, 1))) FROM ivoa.obscore WHERE "
    "1 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', 10, 20, 11, 20, 11, 21))",
    "SELECT id, IN_UNIT(ra, 'rad') AS ra_rad, CAST(mag AS INTEGER) AS m, COALESCE(name, 'unknown') FROM "
    "anchor.main "
    "WHERE ivo_hasword(name, 'star') = 1",
    "SELECT TOP 1000 m.id, m.ra, m.dec, m.mag, m.name FROM anchor.main AS m WHERE m.dec > 30 AND m.mag "
    "BETWEEN 15 "
    "AND 16 ORDER BY m.ra OFFSET 10",
};

template <typename F> double rate(double seconds, F&& run_all) {
	using clock = std::chrono::steady_clock;
	auto start = clock::now();
	size_t n = 0;
	double elapsed = 0;
	do {
		n += run_all();
		elapsed = std::chrono::duration<double>(clock::now() - start).count();
	} while (elapsed < seconds);
	return static_cast<double>(n) / elapsed;
}

} // namespace

int main(int argc, char** argv) {
	double seconds = argc > 1 ? std::stod(argv[1]) : 2.0;
	std::ifstream in(std::string(MELES_SOURCE_DIR) + "/tests/adql/catalog.tables");
	SimpleCatalog catalog = parse_table_file(std::string(std::istreambuf_iterator<char>(in), {}));
	TranslateOptions options;
	options.maxrec = 20000;
	size_t sql_bytes = 0;
	for (const char* q : kQueries) {
		try {
			sql_bytes += translate(q, catalog, options).sql.size();
		} catch (const Error& e) {
			std::cerr << "bench query does not translate: " << e.message() << "\n  " << q << "\n";
			return 1;
		}
	}
	const size_t nq = sizeof(kQueries) / sizeof(kQueries[0]);
	volatile size_t sink = 0;
	// warm-up, then measure
	rate(0.2, [&] {
		for (const char* q : kQueries)
			sink = sink + translate(q, catalog, options).sql.size();
		return nq;
	});
	double parse_rate = rate(seconds, [&] {
		for (const char* q : kQueries)
			sink = sink + static_cast<size_t>(parse_only(q));
		return nq;
	});
	double translate_rate = rate(seconds, [&] {
		for (const char* q : kQueries)
			sink = sink + translate(q, catalog, options).sql.size();
		return nq;
	});
	std::printf("%zu queries, %zu bytes of SQL per round\n", nq, sql_bytes);
	std::printf("%-34s %12.0f queries/s per core (%.1f us each)\n", "parse only (floor)", parse_rate,
	            1e6 / parse_rate);
	std::printf("%-34s %12.0f queries/s per core (%.1f us each)\n", "translate: parse + resolve + emit",
	            translate_rate, 1e6 / translate_rate);
	std::printf("ratio translate / parse time: %.2f\n", parse_rate / translate_rate);
	std::printf("target: >= 20000 queries/s per core: %s\n", translate_rate >= 20000 ? "ok" : "MISSED");
	return translate_rate >= 20000 ? 0 : 2;
}
