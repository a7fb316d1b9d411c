// adql/ast/expression.hpp — base of all expression nodes (values and conditions).
//
// The parser builds one tree for values and search conditions alike (precedence climbing),
// then checks that conditions appear only where ADQL allows them.  The binder annotates
// nodes in place (ValueInfo, resolved columns); the emitter only reads.
// Thread-safety: a tree is owned and used by one translation at a time.
#pragma once

#include "meles/core/common/column_meta.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace meles::adql {

enum class ExprKind : uint8_t {
	Literal,
	ColumnRef,
	Unary,
	Binary,
	Function,
	Cast,
	Case,
	Subquery, // scalar subquery
	// conditions
	Compare,
	Between,
	In,
	Like,
	IsNull,
	Exists,
	And,
	Or,
	Not,
};

// What the binder knows about a value.
struct ValueInfo {
	SqlType type{BaseType::Double};
	bool known = false;   // false: NULL, or a function of unknown result type
	bool is_null = false; // the NULL literal
	// PostgreSQL computes this value as numeric (decimal literals, avg of integers...)
	// although ADQL calls it DOUBLE; select lists cast such values so that the database
	// returns exactly the declared type.
	bool pg_numeric = false;
	bool constant = false; // no column references, no aggregates, no RAND()
	std::string unit;
	std::string ucd;
	// Set when the value is a plain copy of a column: its description, utype, xtype...
	const ColumnMeta* column = nullptr;
};

struct Expr {
	Expr(ExprKind k, uint32_t p) : kind(k), pos(p) {}
	virtual ~Expr() = default;
	Expr(const Expr&) = delete;
	Expr& operator=(const Expr&) = delete;

	ExprKind kind;
	uint32_t pos;        // byte offset of the node's first token
	uint32_t height = 1; // longest chain of nodes below and including this one (parser)
	ValueInfo info;

	bool is_condition() const { return kind >= ExprKind::Compare; }
};

using ExprPtr = std::unique_ptr<Expr>;

template <typename T> T& as(Expr& e) {
	return static_cast<T&>(e);
}
template <typename T> const T& as(const Expr& e) {
	return static_cast<const T&>(e);
}

} // namespace meles::adql
