// meles/services/query/siap_conditions.hpp — the SQL of Simple Image Access queries over image
// tables (//siap#pgs for version 1, //siap2#pgs and ObsCore-like tables for version 2), in the
// condDesc → SQL layer beside conditions.hpp:
//
//   SIAP 1.0  POS=ra,dec and SIZE=w[,h] make a region, INTERSECT says how an image's footprint
//             (coverage) must relate to it (OVERLAPS, COVERS, ENCLOSED, CENTER), FORMAT selects
//             media types (ALL, GRAPHIC, a list; METADATA is the caller's business);
//   SIAP 2.0  POS (CIRCLE, RANGE, POLYGON) against s_region, BAND/TIME intervals against
//             em_min/em_max and t_min/t_max, FOV/SPATRES/EXPTIME ranges, POL states, and the
//             equality parameters (ID, COLLECTION, FACILITY, INSTRUMENT, DPTYPE, CALIB, TARGET,
//             FORMAT); values of a repeated parameter are OR-ed, parameters AND-ed.
//
// Spatial conditions use pg_sphere operators on the footprint column, which its GiST index
// serves.  Values reach the SQL parsed and re-printed, never as written.  Unreadable or
// out-of-range values (NaN, |dec| > 90, radius <= 0 or > 180, polygons of fewer than three or
// more than kMaxPolygonVertices points, reversed intervals) are Error(Validation) naming the
// parameter.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/model/table_def.hpp"
#include "meles/services/dali/params.hpp"

#include <string>
#include <vector>

namespace meles::services::query {

inline constexpr size_t kMaxPolygonVertices = 500;

struct SiapConditions {
	std::vector<std::string> clauses;                      // AND-ed
	std::vector<std::pair<std::string, std::string>> used; // parameters as given, for the echo
	std::string where() const;
};

// SIAP 1.0 over a //siap#pgs table (coverage, mime).  POS and SIZE are required.
SiapConditions siap1_conditions(const rd::TableDef& table, const Params& params);

// SIAP 2.0 over a table with ObsCore-named columns.  No parameter at all is no constraint.
SiapConditions siap2_conditions(const rd::TableDef& table, const Params& params);

// The pg_sphere geometry of a SIAP 2 POS value ("CIRCLE 10 20 1", "RANGE 10 11 20 21",
// "POLYGON 10 20 11 20 11 21"), as SQL; `what` names the parameter in errors.
std::string siap2_pos_geometry(std::string_view value, std::string_view what = "POS");

} // namespace meles::services::query
