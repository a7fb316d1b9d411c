// rd/src/expr/ast.hpp — syntax tree of a rowmaker expression (Python expression grammar).
//
// The parser accepts the whole Python expression syntax it can recognise and reports
// constructs outside the native subset (lambda, statements, ...) as Unsupported, so that
// a fallback evaluator can take over; name resolution happens later, in the compiler.
// Thread-safety: plain data.
#pragma once

#include "meles/rd/expr/expression.hpp"
#include "meles/rd/expr/value.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::rd::expr::ast {

enum class K {
	Const,     // value
	Field,     // @name / vars["name"]: name
	Name,      // bare identifier: name
	Attr,      // kids[0].name
	Call,      // kids[0](kids[1..]); the last kwnames.size() arguments are keywords
	Subscript, // kids[0][kids[1]]
	Slice,     // kids[0][kids[1]:kids[2]:kids[3]]; absent parts are null
	BinOp,     // kids[0] op kids[1]
	UnaryOp,   // op kids[0]
	Not,
	And, // kids[0] and kids[1] and ...
	Or,
	Compare, // kids[0] cmp[0] kids[1] cmp[1] kids[2] ...
	IfExp,   // kids[1] if kids[0] else kids[2]
	List,
	Tuple,
	Set,
	Dict,     // kids: key, value, key, value, ...
	ListComp, // kids[0] = element (DictComp: kids[0] key, kids[1] value)
	SetComp,
	DictComp,
	GenExp,
	FString, // fparts
};

enum class Cmp { Lt, Le, Gt, Ge, Eq, Ne, In, NotIn, Is, IsNot };

struct Node;
using Ptr = std::unique_ptr<Node>;

struct Generator {
	std::vector<std::string> targets; // one name, or several for tuple unpacking
	bool unpack = false;
	Ptr iter;
	std::vector<Ptr> conditions;
	int pos = 0;
};

struct FPart {
	std::string literal; // text before the field (already unescaped)
	Ptr expr;            // null for a trailing literal
	char conversion = 0; // 'r', 's', 'a' or 0
	Ptr spec;            // FString node for the format spec, or null
};

struct Node {
	K kind;
	int pos; // byte offset into the source
	Value value;
	std::string name;
	int op = 0;
	std::vector<Ptr> kids;
	std::vector<std::string> kwnames;
	std::vector<Cmp> cmps;
	std::vector<Generator> gens;
	std::vector<FPart> fparts;
	Node(K k, int p) : kind(k), pos(p) {}
};

// Thrown by the parser and the compiler; `offset` is a byte offset into the source.
struct Failure {
	CompileFailure failure;
	std::string message;
	std::string construct;
	int offset;
};

// Parses a whole expression (leading/trailing blanks and newlines allowed).
Ptr parse(std::string_view source);

// 1-based line and column (in code points) of a byte offset.
void line_col(std::string_view source, int offset, int& line, int& column);

} // namespace meles::rd::expr::ast
