// meles/rd/expr/expression.hpp — compiling and evaluating rowmaker expressions.
//
// A `map`/`var`/`bind` body is compiled once per RD into an Expression: `@name` and bare
// caller variables are resolved to slot indexes through a Scope, names of functions and
// modules to direct function pointers, so evaluating a row does no parsing and no name
// lookup.  Expressions outside the supported Python subset fail to compile with a
// position; a fallback compiler (embedded Python, later) can be plugged in for those.
// Thread-safety: Scope is not thread-safe (compile from one thread).  A compiled
// Expression is immutable and may be evaluated concurrently from several threads, each
// with its own slot array.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/expr/value.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::expr {

// Name -> slot table shared by the expressions of one rowmaker.  Raw record fields
// (`@name`, `vars["name"]`) and caller variables (bare names such as a procDef parameter)
// live in one slot space; a row is an array of Values indexed by slot.
class Scope {
public:
	// With `extend`, a compiled `@name` that is not yet known gets a new slot, so that the
	// rowmaker learns which raw fields its expressions read.  Without it, unknown fields
	// are compile errors (UnknownName).
	explicit Scope(bool extend = true) : extend_(extend) {}

	int add_field(std::string_view name);    // existing slot if known
	int add_variable(std::string_view name); // a bare name the expressions may use
	std::optional<int> field(std::string_view name) const;
	std::optional<int> variable(std::string_view name) const;
	int size() const { return static_cast<int>(names_.size()); }
	const std::string& name(int slot) const { return names_[static_cast<std::size_t>(slot)]; }
	bool is_variable(int slot) const { return is_var_[static_cast<std::size_t>(slot)]; }
	bool extends() const { return extend_; }

private:
	bool extend_;
	std::vector<std::string> names_;
	std::vector<bool> is_var_;
};

enum class CompileFailure {
	Syntax,      // not valid Python
	Unsupported, // valid Python outside the native subset (lambda, statements, import, ...)
	UnknownName, // a name that is neither a helper, a module, a variable nor a field
};

struct CompileError {
	CompileFailure failure = CompileFailure::Syntax;
	std::string message;   // "unsupported in rowmaker expressions: lambda"
	std::string construct; // for Unsupported/UnknownName: "lambda", "import", "foo"
	int line = 1;          // inside the expression, 1-based
	int column = 1;        // inside the expression, 1-based (code points)

	// The user-facing error: "q.rd:42: unsupported in rowmaker expressions: lambda (column 5)".
	// `base` is where the expression starts in the RD; line numbers add up.
	Error to_error(const SourcePos& base) const;
};

// What a fallback evaluator (e.g. embedded Python) implements.  It is handed the slots the
// native compiler would have used; it must be safe to call concurrently if the RD's
// importer evaluates rows in parallel, or say otherwise in its own documentation.
class Evaluator {
public:
	virtual ~Evaluator() = default;
	// Throws ExprError (without position; the Expression adds it) for Python exceptions.
	virtual Value evaluate(std::span<const Value> slots) const = 0;
};

// Called with the source when the native compiler reports Unsupported or UnknownName;
// returns nullptr to keep the native error.
using FallbackCompiler =
    std::function<std::unique_ptr<Evaluator>(std::string_view source, Scope& scope, const CompileError& why)>;

struct CompileOptions {
	SourcePos pos;              // RD file and line where the expression text starts
	FallbackCompiler fallback;  // optional
	bool fold_constants = true; // evaluate pure constant sub-expressions at compile time
};

// The Python exception classes that mean NULL for a map (nullExcs="ValueError,TypeError").
class ExcSet {
public:
	ExcSet() = default;
	// Comma- or blank-separated class names; base classes (Exception, LookupError,
	// ArithmeticError) include their subclasses; unknown names match nothing.
	static ExcSet parse(std::string_view names);
	bool contains(PyExc exc) const { return (mask_ >> static_cast<unsigned>(exc)) & 1u; }
	bool empty() const { return mask_ == 0; }
	void add(PyExc exc) { mask_ |= 1u << static_cast<unsigned>(exc); }

private:
	std::uint32_t mask_ = 0;
};

namespace detail {
struct ExpressionImpl;
}

class Expression {
public:
	struct Outcome;

	// Compiles or throws meles::Error (Syntax for bad syntax and unsupported constructs, Name
	// for unknown names) carrying the RD position.
	static Expression compile(std::string_view source, Scope& scope, const CompileOptions& options = {});
	// Compiles or returns the reason; never throws for problems in the source.
	static Outcome try_compile(std::string_view source, Scope& scope, const CompileOptions& options = {});

	// Evaluates one row.  `slots` must hold at least as many values as the Scope had when
	// this expression was compiled; absent raw fields are Value::missing().  The result may
	// borrow text from `slots` (see Value::borrow) or share the expression's constants;
	// to_owned() detaches it from both.  Throws
	// ExprError naming the RD position, the column, the Python exception and the values
	// of the fields the expression reads.
	Value evaluate(std::span<const Value> slots) const;
	// As evaluate(), but returns None instead of throwing when the exception's class is in
	// `null_excs` (DaCHS's nullExcs); builds no message in that case.
	Value evaluate(std::span<const Value> slots, const ExcSet& null_excs) const;

	const std::string& source() const;
	// Slots of the @fields and variables the expression reads, in first-use order.
	const std::vector<int>& slots_used() const;
	bool is_native() const;                // false when a fallback evaluator runs it
	std::optional<Value> constant() const; // set when the expression folded to a constant
	// Short description of the compiled shape, e.g. "float(@ra)*const" — for tests and
	// `meles val --verbose`.
	std::string plan() const;

private:
	explicit Expression(std::shared_ptr<const detail::ExpressionImpl> impl) : impl_(std::move(impl)) {}
	std::shared_ptr<const detail::ExpressionImpl> impl_;
	friend struct detail::ExpressionImpl;
};

struct Expression::Outcome {
	std::optional<Expression> expression;
	std::optional<CompileError> error;
	explicit operator bool() const { return expression.has_value(); }
};

} // namespace meles::rd::expr
