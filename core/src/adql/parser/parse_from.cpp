// FROM clause: comma-separated table references, joins (NATURAL, INNER, LEFT/RIGHT/FULL
// [OUTER], ON or USING), derived tables, parenthesised joins and TABLESAMPLE.
#include "adql/lexer/lexer.hpp"
#include "adql/parser/parser.hpp"
#include "meles/core/common/strings.hpp"

#include <exception>

namespace meles::adql {

void Parser::parse_from(SelectNode& sel) {
	do {
		sel.from.push_back(parse_table_reference());
	} while (accept(TokenKind::Comma));
}

TableRefPtr Parser::parse_table_reference() {
	TableRefPtr left = parse_table_primary();
	for (;;) {
		const Token& start = peek();
		bool natural = false;
		JoinType type = JoinType::Inner;
		bool explicit_inner = false;
		if (start.is(Keyword::Natural)) {
			advance();
			natural = true;
		}
		if (accept(Keyword::Inner)) {
			explicit_inner = true;
		} else if (at(Keyword::Left) || at(Keyword::Right) || at(Keyword::Full)) {
			const Token& t = advance();
			type = t.is(Keyword::Left)    ? JoinType::Left
			       : t.is(Keyword::Right) ? JoinType::Right
			                              : JoinType::Full;
			accept(Keyword::Outer);
		} else if (!natural && !at(Keyword::Join)) {
			return left;
		}
		expect(Keyword::Join);
		auto join = std::make_unique<JoinRef>(start.offset);
		join->type = type;
		join->natural = natural;
		join->left = std::move(left);
		join->right = parse_table_primary();
		if (at(Keyword::On) || at(Keyword::Using)) {
			if (natural) fail(peek().offset, "A NATURAL JOIN takes no ON or USING clause");
			if (accept(Keyword::On)) {
				join->on = parse_condition("ON");
				grow(join->height, join->on->height, join->pos);
			} else {
				advance();
				expect(TokenKind::LParen, "'(' after USING");
				do {
					if (!at_identifier()) fail_expected("a column name in USING");
					join->using_columns.push_back(identifier(advance()));
				} while (accept(TokenKind::Comma));
				expect(TokenKind::RParen, "',' or ')' in USING");
			}
		} else if (explicit_inner && !natural && join->right->kind != TableRefKind::Join) {
			// ADQL's grammar makes the join specification optional, but an explicit INNER JOIN
			// without one is almost always a forgotten condition (lyonetia ivoa/2_from.xml
			// rejects it; a bare JOIN without condition stays a cross join, gavo/simpleunit.xml).
			fail_expected("ON <condition> or USING (<columns>) after INNER JOIN");
		}
		grow(join->height, std::max(join->left->height, join->right->height), join->pos);
		left = std::move(join);
	}
}

TableRefPtr Parser::parse_table_primary() {
	if (at(TokenKind::LParen)) return parse_parenthesized_from();
	if (!at_identifier()) fail_expected("a table name or a subquery in parentheses");
	auto ref = std::make_unique<BaseTableRef>(peek().offset);
	ref->parts.push_back(identifier(advance()));
	while (accept(TokenKind::Period)) {
		if (!at_identifier()) fail_expected("a name after '.'");
		ref->parts.push_back(identifier(advance()));
	}
	if (ref->parts.size() > 3) fail(ref->pos, "A table name has at most three parts (catalog.schema.table)");
	parse_tablesample(*ref);
	parse_alias(ref->alias);
	if (ref->sample_percent.empty()) parse_tablesample(*ref);
	return ref;
}

void Parser::parse_alias(std::optional<Identifier>& alias) {
	if (accept(Keyword::As)) {
		if (!at_identifier()) fail_expected("a name after AS");
		alias = identifier(advance());
	} else if (at_identifier() && !(at(TokenKind::Identifier) && iequals(text(peek()), "tablesample") &&
	                                peek(1).kind == TokenKind::LParen)) {
		alias = identifier(advance());
	}
}

void Parser::parse_tablesample(BaseTableRef& ref) {
	if (!at(TokenKind::Identifier) || !iequals(text(peek()), "tablesample") ||
	    peek(1).kind != TokenKind::LParen)
		return;
	advance();
	advance();
	const Token& n = peek();
	if (n.kind != TokenKind::Integer && n.kind != TokenKind::Decimal)
		fail_expected("a percentage in TABLESAMPLE");
	ref.sample_percent = text(n);
	advance();
	expect(TokenKind::RParen, "')' after the TABLESAMPLE percentage");
}

bool Parser::looks_like_query_after_paren() const {
	// peek() is the token after '('
	size_t j = 0;
	while (peek(j).kind == TokenKind::LParen)
		++j;
	return peek(j).is(Keyword::Select) || peek(j).is(Keyword::With);
}

TableRefPtr Parser::parse_parenthesized_from() {
	const Token& open = advance();
	Descend d(*this, open.offset);
	if (looks_like_query_after_paren()) {
		size_t save = i_;
		std::exception_ptr query_error;
		try {
			if (at(Keyword::With)) fail(peek().offset, "WITH is only allowed at the start of the main query");
			QueryPtr q = parse_query_expression();
			expect(TokenKind::RParen, "')' closing the subquery");
			auto ref = std::make_unique<DerivedTableRef>(open.offset, std::move(q));
			grow(ref->height, ref->query->height, ref->pos);
			std::optional<Identifier> alias;
			parse_alias(alias);
			if (!alias) fail(open.offset, "A subquery in FROM needs a name: write (SELECT ...) AS name");
			ref->alias = std::move(*alias);
			return ref;
		} catch (const Error&) {
			// "((SELECT ...) AS a JOIN b ON ...)" starts like a subquery but is a join
			if (toks_[save].kind != TokenKind::LParen) throw;
			query_error = std::current_exception();
		}
		i_ = save;
		try {
			TableRefPtr inner = parse_table_reference();
			expect(TokenKind::RParen, "')'");
			return inner;
		} catch (const Error&) {
			std::rethrow_exception(query_error);
		}
	}
	TableRefPtr inner = parse_table_reference();
	expect(TokenKind::RParen, "')' or a join");
	return inner;
}

} // namespace meles::adql
