// meles/rd/parse/diagnostics.hpp — the problems found while loading an RD.
//
// The loader does not stop at the first problem: every parse function records what is wrong
// (with RD file:line) and carries on where that makes sense, so `meles val` can report all
// problems in one run.  Callers that just want the RD turn the first error into an exception.
// Thread-safety: plain value types; one Diagnostics per load.
#pragma once

#include "meles/core/common/error.hpp"

#include <string>
#include <vector>

namespace meles::rd {

enum class Severity { Error, Warning };

struct Diagnostic {
	Severity severity = Severity::Error;
	ErrorKind kind = ErrorKind::Validation;
	std::string message;
	SourcePos pos;

	// "q.rd:14: unknown attribute 'unti' on column (did you mean 'unit'?)"; warnings are
	// prefixed "warning: " after the position.
	std::string to_string() const;
};

class Diagnostics {
public:
	void error(ErrorKind kind, std::string message, SourcePos pos);
	void warning(std::string message, SourcePos pos);
	void add(Diagnostic d);
	// Records a meles::Error (keeping its kind and position; `fallback` when it has none).
	void add(const Error& e, const SourcePos& fallback);

	bool has_errors() const { return errors_ > 0; }
	size_t error_count() const { return errors_; }
	size_t warning_count() const { return items_.size() - errors_; }
	const std::vector<Diagnostic>& items() const { return items_; }
	void append(const Diagnostics& other);

	// Throws the first error as meles::Error, mentioning how many more there are.
	void throw_if_errors() const;

private:
	std::vector<Diagnostic> items_;
	size_t errors_ = 0;
};

} // namespace meles::rd
