// adql/parser/parser.hpp — hand-written recursive-descent parser for ADQL 2.1 and the
// extensions in docs/adql.md, one method per grammar rule (parse_*.cpp by clause family);
// nesting is bounded so hostile input cannot exhaust the stack in any later stage.
// Thread-safety: one Parser per query.
#pragma once

#include "adql/ast/ast.hpp"
#include "adql/functions/function_table.hpp"
#include "adql/lexer/token.hpp"
#include "meles/core/adql/translator.hpp"
#include "meles/core/common/error.hpp"

#include <string_view>
#include <vector>

namespace meles::adql {

class Parser {
public:
	// `options` may be null (translate()): then only built-in functions are accepted.
	Parser(std::string_view source, const ParseOptions* options);
	Statement parse_statement();

	// Deepest syntax tree accepted, and deepest nesting of parentheses, subqueries and calls
	// during the descent: deeper input is refused with a syntax error instead of risking
	// stack exhaustion here or in the binder and emitter.
	static constexpr uint32_t kMaxHeight = 1000;
	static constexpr int kMaxNesting = 150;

private:
	std::string_view src_;
	std::vector<Token> toks_;
	size_t i_ = 0;
	const ParseOptions* options_;
	int height_ = 0; // current recursion depth of the descent

	// --- tokens (parser.cpp)
	const Token& peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
	const Token& advance() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
	bool at(TokenKind k) const { return peek().kind == k; }
	bool at(Keyword k) const { return peek().is(k); }
	bool accept(TokenKind k);
	bool accept(Keyword k);
	const Token& expect(TokenKind k, std::string_view what);
	const Token& expect(Keyword k);
	[[noreturn]] void fail_expected(std::string_view what) const;
	[[noreturn]] void fail(uint32_t offset, std::string message, ErrorKind kind = ErrorKind::Syntax) const;
	std::string_view text(const Token& t) const { return t.text(src_); }
	Identifier identifier(const Token& t) const;
	bool at_identifier() const { return at(TokenKind::Identifier) || at(TokenKind::Delimited); }
	int64_t unsigned_integer(std::string_view after);
	// Raises `height` to child + 1; refuses trees deeper than kMaxHeight.
	void grow(uint32_t& height, uint32_t child, uint32_t offset) const;

	// RAII guard for recursion depth.
	struct Descend {
		Parser& p;
		explicit Descend(Parser& parser, uint32_t offset);
		~Descend() { --p.height_; }
	};

	// --- statements (parse_statement.cpp)
	void parse_with(Statement& st);

	// --- queries (parse_query.cpp)
	QueryPtr parse_query_expression(); // <select_expression>: set expression [ORDER BY] [OFFSET]
	QueryPtr parse_set_expression();
	QueryPtr parse_set_term();
	QueryPtr parse_set_primary();
	std::unique_ptr<SelectNode> parse_select();
	void parse_select_list(SelectNode& sel);
	void parse_order_by(OrderedNode& node);

	// --- FROM (parse_from.cpp)
	void parse_from(SelectNode& sel);
	TableRefPtr parse_table_reference();
	TableRefPtr parse_table_primary();
	TableRefPtr parse_parenthesized_from();
	void parse_alias(std::optional<Identifier>& alias);
	void parse_tablesample(BaseTableRef& ref);
	bool looks_like_query_after_paren() const;

	// --- expressions (parse_expression.cpp)
	ExprPtr parse_condition(std::string_view context); // must be a search condition
	ExprPtr parse_value(std::string_view context);     // must be a value
	ExprPtr parse_or();
	ExprPtr parse_and();
	ExprPtr parse_not();
	ExprPtr parse_predicate();
	ExprPtr parse_concat();
	ExprPtr parse_bitor();
	ExprPtr parse_bitxor();
	ExprPtr parse_bitand();
	ExprPtr parse_additive();
	ExprPtr parse_term();
	ExprPtr parse_factor();
	ExprPtr parse_primary();
	ExprPtr parse_column_ref();
	ExprPtr parse_literal();
	void require_value(const Expr& e, std::string_view context) const;
	void require_condition(const Expr& e, std::string_view context) const;
	void require_arithmetic_operand(const Expr& e, std::string_view op) const;

	// --- functions, CAST, CASE (parse_function.cpp)
	ExprPtr parse_function_call(const FunctionDef* def, const Token& name_token);
	ExprPtr parse_cast();
	ExprPtr parse_case();
	void check_function_arguments(FunctionExpr& f, const Token& name_token);
	void check_geometry_arguments(FunctionExpr& f);
	const FunctionDef* lookup_function(const Token& name_token) const;
};

} // namespace meles::adql
