// adql/binder/constants.hpp — evaluating constant numeric expressions at translation time,
// for the shapes pg_sphere can only take as literals (polygons) and for index planning.
// Thread-safety: pure functions.
#pragma once

#include "adql/ast/ast.hpp"

#include <optional>
#include <vector>

namespace meles::adql {

// The value of number literals combined with unary +/- and + - * /; nullopt otherwise.
std::optional<double> constant_number(const Expr& e);

// The vertices (ra1, dec1, ...) in degrees of a POLYGON given by constant numbers, or of a
// constant BOX's corners; false if any coordinate is not constant.
bool constant_vertices(const FunctionExpr& shape, std::vector<double>& lonlat);

} // namespace meles::adql
