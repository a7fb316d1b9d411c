// Query-level rules: <select_expression>, set operations with INTERSECT binding tighter than
// UNION/EXCEPT (ADQL 2.1 §4.6.5), <select_query>, the select list, ORDER BY and OFFSET.
#include "adql/lexer/lexer.hpp"
#include "adql/parser/parser.hpp"
#include "meles/core/common/strings.hpp"

namespace meles::adql {

QueryPtr Parser::parse_query_expression() {
	uint32_t pos = peek().offset;
	QueryPtr body = parse_set_expression();
	if (!at(Keyword::Order) && !at(Keyword::Offset)) return body;
	auto node = std::make_unique<OrderedNode>(pos, std::move(body));
	grow(node->height, node->body->height, pos);
	if (accept(Keyword::Order)) {
		expect(Keyword::By);
		parse_order_by(*node);
		for (auto& item : node->order_by)
			grow(node->height, item.expr->height, pos);
	}
	if (accept(Keyword::Offset)) node->offset = unsigned_integer("OFFSET");
	return node;
}

QueryPtr Parser::parse_set_expression() {
	QueryPtr left = parse_set_term();
	while (at(Keyword::Union) || at(Keyword::Except)) {
		const Token& t = advance();
		SetOpKind op = t.is(Keyword::Union) ? SetOpKind::Union : SetOpKind::Except;
		bool all = accept(Keyword::All);
		if (!all) accept(Keyword::Distinct);
		QueryPtr right = parse_set_term();
		auto node = std::make_unique<SetOpNode>(t.offset, op, all, std::move(left), std::move(right));
		grow(node->height, std::max(node->left->height, node->right->height), t.offset);
		left = std::move(node);
	}
	return left;
}

QueryPtr Parser::parse_set_term() {
	QueryPtr left = parse_set_primary();
	while (at(Keyword::Intersect)) {
		const Token& t = advance();
		bool all = accept(Keyword::All);
		if (!all) accept(Keyword::Distinct);
		QueryPtr right = parse_set_primary();
		auto node = std::make_unique<SetOpNode>(t.offset, SetOpKind::Intersect, all, std::move(left),
		                                        std::move(right));
		grow(node->height, std::max(node->left->height, node->right->height), t.offset);
		left = std::move(node);
	}
	return left;
}

QueryPtr Parser::parse_set_primary() {
	if (at(Keyword::Select)) return parse_select();
	if (at(TokenKind::LParen)) {
		const Token& open = advance();
		Descend d(*this, open.offset);
		if (at(Keyword::With)) fail(peek().offset, "WITH is only allowed at the start of the main query");
		QueryPtr q = parse_query_expression();
		expect(TokenKind::RParen, "')'");
		return q;
	}
	if (at(Keyword::With)) fail(peek().offset, "WITH is only allowed at the start of the main query");
	fail_expected("SELECT");
}

std::unique_ptr<SelectNode> Parser::parse_select() {
	const Token& sel_tok = expect(Keyword::Select);
	auto sel = std::make_unique<SelectNode>(sel_tok.offset);
	if (accept(Keyword::Distinct))
		sel->distinct = true;
	else
		accept(Keyword::All);
	if (accept(Keyword::Top)) sel->top = unsigned_integer("TOP");
	parse_select_list(*sel);
	if (!at(Keyword::From)) {
		if (at(TokenKind::End) || at(TokenKind::RParen)) fail_expected("FROM");
		fail_expected("',' or FROM after the select list");
	}
	advance();
	parse_from(*sel);
	if (accept(Keyword::Where)) sel->where = parse_condition("WHERE");
	if (accept(Keyword::Group)) {
		expect(Keyword::By);
		do {
			sel->group_by.push_back(parse_value("GROUP BY"));
		} while (accept(TokenKind::Comma));
	}
	if (accept(Keyword::Having)) sel->having = parse_condition("HAVING");
	if (at(TokenKind::Identifier) && iequals(text(peek()), "limit"))
		fail(peek().offset, "ADQL has no LIMIT clause; write SELECT TOP n ... instead");
	if (at(TokenKind::Identifier) || at(TokenKind::Delimited))
		fail_expected("WHERE, GROUP BY, HAVING, ORDER BY, OFFSET, a join or end of query");

	for (auto& item : sel->items)
		if (item.expr) grow(sel->height, item.expr->height, sel->pos);
	for (auto& t : sel->from)
		grow(sel->height, t->height, sel->pos);
	if (sel->where) grow(sel->height, sel->where->height, sel->pos);
	for (auto& g : sel->group_by)
		grow(sel->height, g->height, sel->pos);
	if (sel->having) grow(sel->height, sel->having->height, sel->pos);
	return sel;
}

void Parser::parse_select_list(SelectNode& sel) {
	do {
		SelectItem item;
		item.pos = peek().offset;
		if (accept(TokenKind::Star)) {
			item.star = true;
			sel.items.push_back(std::move(item));
			continue;
		}
		// t.* / s.t.*: names separated by periods, ending in a star
		size_t j = 0;
		while ((peek(j).kind == TokenKind::Identifier || peek(j).kind == TokenKind::Delimited) &&
		       peek(j + 1).kind == TokenKind::Period)
			j += 2;
		if (j > 0 && peek(j).kind == TokenKind::Star) {
			if (j / 2 > 3) fail(item.pos, "Qualified * has too many name parts");
			for (size_t k = 0; k < j; k += 2)
				item.star_qualifier.push_back(identifier(peek(k)));
			i_ += j + 1;
			item.star = true;
			sel.items.push_back(std::move(item));
			continue;
		}
		item.expr = parse_value("the select list");
		if (accept(Keyword::As)) {
			if (!at_identifier()) fail_expected("a column name after AS");
			item.alias = identifier(advance());
		} else if (at_identifier()) {
			item.alias = identifier(advance());
		}
		sel.items.push_back(std::move(item));
	} while (accept(TokenKind::Comma));
}

void Parser::parse_order_by(OrderedNode& node) {
	do {
		OrderItem item;
		item.expr = parse_value("ORDER BY");
		if (accept(Keyword::Desc))
			item.descending = true;
		else
			accept(Keyword::Asc);
		node.order_by.push_back(std::move(item));
	} while (accept(TokenKind::Comma));
}

} // namespace meles::adql
