// meles/core/votable/copy_text_converter.hpp — uploaded VOTable rows as PostgreSQL COPY text.
//
// TAP uploads, persistent user tables and the votableGrammar all end in COPY ... FROM STDIN
// (text format): this turns each RowBatch from the VOTableReader into COPY lines, with COPY's
// escaping, \N for nulls, {..} for arrays and pg_sphere literals for DALI point, circle and
// polygon columns.  Thread-safety: const methods may be used from several threads.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/votable/row_batch.hpp"
#include "meles/core/votable/votable_reader.hpp"

#include <string>
#include <vector>

namespace meles::votable {

class CopyTextConverter {
public:
	// Throws Error(Type) naming the first column that cannot be stored (complex numbers,
	// multi-dimensional arrays).
	explicit CopyTextConverter(const TableSchema& schema);

	// The columns the table is created with: FIELD names as written, SQL types from
	// sql_type_from_votable, unit/ucd/utype/description/xtype carried over.
	const std::vector<ColumnMeta>& columns() const { return columns_; }

	// Appends one line per row of the batch.  Throws Error(Syntax) naming row and column for
	// values PostgreSQL could not take (a polygon with two vertices, a NUL in a string).
	void append(const RowBatch& batch, std::string& out) const;

private:
	enum class Target : std::uint8_t { Scalar, Array, Point, Circle, Polygon };
	struct Plan {
		Target target;
		bool single; // float: format with float precision
		bool has_null_element = false;
		std::int64_t null_element = 0;
	};

	std::vector<ColumnMeta> columns_;
	std::vector<Plan> plans_;
};

// Formats a pg_sphere literal in degrees from a DALI point (2 values), circle (3) or polygon
// (2n, n >= 3): "(10d,20d)", "<(10d,20d),0.5d>", "{(1d,2d),(3d,4d),(5d,6d)}".  Returns false for
// a wrong number of values.
bool append_pgsphere_literal(std::string& out, std::string_view xtype, const double* v, std::size_t n);

} // namespace meles::votable
