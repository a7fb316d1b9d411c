// A FITS file exercising what table readers must handle: scaling, TNULL, NaN, strings,
// logicals, fixed and variable-length arrays, bits, and an ASCII table.
#pragma once

#include "fits/fits_table_fixture.hpp"

#include <cmath>
#include <limits>

namespace meles::testing {

inline std::vector<core::fits::FixtureTable> sample_tables() {
	using core::fits::FixtureColumn;
	using core::fits::FixtureTable;
	const double nan = std::numeric_limits<double>::quiet_NaN();
	FixtureTable bin;
	bin.extname = "CAT";
	bin.rows = 3;
	FixtureColumn id{"ID", "K"};
	id.numbers = {{1}, {2}, {3}};
	FixtureColumn ra{"RA", "D", "deg"};
	ra.numbers = {{10.5}, {nan}, {12}};
	FixtureColumn flux{"Flux", "J", "mJy"};
	flux.tscal = 0.5;
	flux.tzero = 100;
	flux.tnull = -999;
	flux.numbers = {{10}, {-999}, {20}};
	FixtureColumn u16{"u16", "I"};
	u16.tzero = 32768;
	u16.numbers = {{-32768}, {0}, {32767}};
	FixtureColumn name{"NAME", "8A"};
	name.strings = {"alpha", "", "gamma   "};
	FixtureColumn good{"GOOD", "L"};
	good.logicals = {{1}, {0}, {-1}};
	FixtureColumn vec{"VEC", "3E"};
	vec.tdim = "(3)";
	vec.numbers = {{1, 2, 3}, {4, nan, 6}, {7, 8, 9}};
	FixtureColumn ivec{"IVEC", "2J"};
	ivec.tnull = 0;
	ivec.numbers = {{1, 0}, {2, 3}, {0, 0}};
	FixtureColumn bits{"BITS", "4X"};
	bits.logicals = {{1, 0, 1, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}};
	FixtureColumn var{"VAR", "1PJ(3)"};
	var.numbers = {{1}, {}, {5, 6, 7}};
	FixtureColumn vstr{"VSTR", "1PA(12)"};
	vstr.strings = {"short", "a longer one", "x"};
	FixtureColumn flags{"FLAGS", "2L"};
	flags.logicals = {{1, 0}, {1, -1}, {0, 0}};
	bin.columns = {id, ra, flux, u16, name, good, vec, ivec, bits, var, vstr, flags};

	FixtureTable asc;
	asc.ascii = true;
	asc.extname = "ASC";
	asc.rows = 3;
	FixtureColumn n{"N", "I6"};
	n.numbers = {{1}, {2}, {3}};
	FixtureColumn x{"X", "F10.3"};
	x.ascii_tnull = "NULL";
	x.numbers = {{1.5}, {0}, {-2.25}};
	x.null_rows = {1};
	FixtureColumn s{"S", "A8"};
	s.strings = {"one", "two", "three"};
	asc.columns = {n, x, s};
	return {bin, asc};
}

} // namespace meles::testing
