// Error messages for cells that do not match their column; shared by every encoder so the
// wording is the same whatever the output format.
#include "formats/binary_rows.hpp"

#include <string>

namespace meles::formats {

namespace {
std::string describe(const ColumnPlan& c) {
	std::string s = concat("column '", c.name, "' (", c.datatype);
	if (!c.arraysize.empty()) s += concat(", arraysize ", c.arraysize);
	return s + ")";
}
} // namespace

void throw_cell_kind(const ColumnPlan& c, const char* what) {
	throw Error(ErrorKind::Internal, concat(describe(c), " cannot take ", what, " value"));
}

void throw_cell_range(const ColumnPlan& c, std::int64_t v) {
	throw Error(ErrorKind::Type, concat("value ", std::to_string(v), " does not fit ", describe(c)));
}

void throw_cell_count(const ColumnPlan& c, std::size_t got) {
	throw Error(ErrorKind::Type, concat(describe(c), " cannot take ", std::to_string(got),
	                                    got == 1 ? " element" : " elements"));
}

void throw_row_cells(std::size_t got, std::size_t want) {
	throw Error(ErrorKind::Internal, concat("row has ", std::to_string(got), " cells but the table has ",
	                                        std::to_string(want), " columns"));
}

} // namespace meles::formats
