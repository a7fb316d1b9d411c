// meles/services/query/conditions.hpp — condDesc → SQL: the WHERE clause of a service's query,
// made from its core's condition descriptors and the request's parameters, as DaCHS makes it,
// so that renderers do not write SQL of their own:
//
//   //scs#protoInput (RA, DEC, SR) and //scs#humanInput (hscs_pos, hscs_sr in arcmin):
//       a cone on the table's main position, served by its index (q3c_join for a q3c index,
//       the spoint expression of a pg_sphere index);
//   makeSpointCD (property matchColumn) and buildFrom on an spoint column: a cone on it;
//   conditions on a column (buildFrom, or inputKeys named after columns): on forms VizieR-like
//       expressions (`12.5`, `< 3`, `>= 2`, `1 .. 5`, `1, 3, 7`, `!= 4`, text with `*`/`?`
//       wildcards), elsewhere DALI/PQL (`1/5`, `/5`, `1/`, `1,3,7`); a parameter given several
//       times ORs its values.
//
// Values reach the SQL parsed and re-printed (numbers) or quoted (text), never as written.
// Inputs a condDesc's phraseMaker would need Python for are refused with the parameter's name.
// Thread-safety: pure functions.
#pragma once

#include "meles/rd/model/service_def.hpp"
#include "meles/rd/model/table_def.hpp"
#include "meles/services/dali/params.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::services::query {

// A cone the conditions select, with SQL for the distance of a row from its centre.
struct Cone {
	double ra = 0, dec = 0, sr = 0; // degrees
	std::string where;              // the indexed condition
	std::string distance;           // SQL: distance of the row's position from the centre, degrees
};

struct Conditions {
	std::vector<std::string> clauses; // ANDed
	std::optional<Cone> cone;         // the (first) positional constraint
	// The parameters that made each clause, as given (for request echoes, in order).
	std::vector<std::pair<std::string, std::string>> used;

	// "" or " WHERE a AND b".
	std::string where() const;
	bool empty() const { return clauses.empty(); }
};

enum class Syntax {
	Protocol, // DALI/PQL: a/b ranges, a,b lists
	Form,     // VizieR-like expressions
};

struct ConditionOptions {
	std::string renderer; // for onlyForRenderer / notForRenderer
	Syntax syntax = Syntax::Protocol;
};

// The conditions the parameters ask for.  Throws Error(Validation) naming the parameter for
// values that cannot be read, missing parameters of a required condDesc (or of a cone given in
// part), and inputs that need a Python phraseMaker.
Conditions build_conditions(const std::vector<rd::CondDesc>& cond_descs, const rd::TableDef& table,
                            const Params& params, const ConditionOptions& options);

// The parameters the condDescs read under `options.renderer` (for forms and documentation),
// including those buildFrom makes from a column.
std::vector<rd::InputKey> input_keys(const std::vector<rd::CondDesc>& cond_descs, const rd::TableDef& table,
                                     const ConditionOptions& options);

// A cone of radius sr (degrees) around (ra, dec) on the table's main position (the columns with
// the UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main), using its positional index.  Throws
// Error(Internal) when the table has no main position.
Cone cone_on_table(const rd::TableDef& table, double ra, double dec, double sr);

// Parses a position for forms: "10.5 -20.25", "10.5, -20.25" (decimal degrees) or sexagesimal
// "12 30 00 -45 30 00" / "12:30:00 -45:30:00" (hours and degrees).  Throws Error(Validation).
std::pair<double, double> parse_position(std::string_view text);

// Shortest text that reads back as `value` (SQL literals, request echoes).
std::string format_number(double value);

} // namespace meles::services::query
