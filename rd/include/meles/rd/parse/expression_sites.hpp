// meles/rd/parse/expression_sites.hpp — where an RD holds Python expressions, for checkers.
//
// The loader keeps rowmaker expressions as text.  `meles val` lists them with
// collect_expression_sites() and hands each to an ExpressionChecker (the expression compiler,
// wired in by the CLI), which adds a diagnostic at the expression's file:line when it cannot
// compile it.
// Thread-safety: pure functions over an immutable Resource.
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"

#include <functional>
#include <string>
#include <vector>

namespace meles::rd {

enum class ExpressionKind {
	Map,        // <map key="x">expr</map>
	Var,        // <var key="x">expr</var>
	Bind,       // <bind key="p">expr</bind> of apply/rowfilter/sourceFields/...
	NullExpr,   // nullExpr="..." of map/var
	ParDefault, // default of a procDef/setup `par`
	Fixup,      // column fixup="..."
};

std::string_view expression_kind_name(ExpressionKind kind);

struct ExpressionSite {
	ExpressionKind kind = ExpressionKind::Map;
	const Expr* expr = nullptr;      // text + position
	std::string key;                 // destination column / var name / bound parameter
	std::string context;             // human description: "map 'ra' in make table='main' of data 'import'"
	const DataDesc* data = nullptr;  // enclosing data element, if any
	const MakeDef* make = nullptr;   // enclosing make, if any
	const TableDef* table = nullptr; // target table of the make, when it is in this RD
};

// All expressions of the RD, in document order within each data element.
std::vector<ExpressionSite> collect_expression_sites(const Resource& rd);

// A checker records problems in the Diagnostics (at site.expr->pos).
using ExpressionChecker = std::function<void(const ExpressionSite& site, Diagnostics& diagnostics)>;

// Runs checker over every expression site (no-op for an empty checker).
void check_expressions(const Resource& rd, const ExpressionChecker& checker, Diagnostics& diagnostics);

} // namespace meles::rd
