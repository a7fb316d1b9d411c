#include "adql/parser/parser.hpp"

#include "adql/lexer/lexer.hpp"

#include <charconv>

namespace meles::adql {

Parser::Parser(std::string_view source, const ParseOptions* options) : src_(source), options_(options) {
	tokenize(source, toks_);
}

Parser::Descend::Descend(Parser& parser, uint32_t offset) : p(parser) {
	if (++p.height_ > kMaxNesting) {
		--p.height_;
		p.fail(offset, "The query nests parentheses, subqueries or function calls too deeply");
	}
}

bool Parser::accept(TokenKind k) {
	if (!at(k)) return false;
	advance();
	return true;
}

bool Parser::accept(Keyword k) {
	if (!at(k)) return false;
	advance();
	return true;
}

const Token& Parser::expect(TokenKind k, std::string_view what) {
	if (!at(k)) fail_expected(what);
	return advance();
}

const Token& Parser::expect(Keyword k) {
	if (!at(k)) fail_expected(keyword_text(k));
	return advance();
}

void Parser::fail_expected(std::string_view what) const {
	const Token& t = peek();
	fail(t.offset, concat("Expected ", what, ", found ", describe_token(src_, t)));
}

void Parser::fail(uint32_t offset, std::string message, ErrorKind kind) const {
	throw_at(kind, src_, offset, std::move(message));
}

Identifier Parser::identifier(const Token& t) const {
	Identifier id;
	id.pos = t.offset;
	if (t.kind == TokenKind::Delimited) {
		id.name = unquote_identifier(text(t));
		id.delimited = true;
	} else {
		id.name = std::string(text(t));
		if (id.name.size() > 63) fail(t.offset, "Identifier longer than 63 characters");
	}
	return id;
}

int64_t Parser::unsigned_integer(std::string_view after) {
	const Token& t = peek();
	if (t.kind != TokenKind::Integer) fail_expected(concat("an unsigned integer after ", after));
	std::string_view s = text(t);
	int64_t v = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size())
		fail(t.offset, concat("The number after ", after, " is too large"));
	advance();
	return v;
}

void Parser::grow(uint32_t& height, uint32_t child, uint32_t offset) const {
	if (child + 1 > height) height = child + 1;
	if (height > kMaxHeight)
		fail(offset, "The query is too deeply nested (more than 1000 levels of operators or joins)");
}

Statement Parser::parse_statement() {
	Statement st;
	if (at(TokenKind::End)) fail(peek().offset, "The query is empty");
	if (accept(Keyword::Create)) {
		expect(Keyword::Table);
		if (!at_identifier()) fail_expected("a table name after CREATE TABLE");
		Identifier first = identifier(advance());
		if (accept(TokenKind::Period)) {
			if (!at_identifier()) fail_expected("a table name");
			st.target_schema = std::move(first);
			st.target_name = identifier(advance());
		} else {
			st.target_name = std::move(first);
		}
		if (at(TokenKind::Period)) fail(peek().offset, "CREATE TABLE takes a name of the form schema.table");
		if (!at(Keyword::As)) fail_expected("AS after the table name");
		advance();
		st.kind = StatementKind::CreateTableAs;
	}
	if (at(Keyword::With)) parse_with(st);
	if (!at(Keyword::Select) && !at(TokenKind::LParen))
		fail_expected(st.with.empty() ? "SELECT" : "SELECT after the WITH clause");
	st.query = parse_query_expression();
	accept(TokenKind::Semicolon);
	if (!at(TokenKind::End)) fail_expected("end of query");
	return st;
}

void Parser::parse_with(Statement& st) {
	advance(); // WITH
	do {
		if (!at_identifier()) fail_expected("a name for the common table expression");
		CommonTable ct;
		ct.name = identifier(advance());
		for (const auto& other : st.with)
			if (names_match(other.name, ct.name.name, ct.name.delimited))
				fail(ct.name.pos, concat("The WITH clause defines '", ct.name.name, "' twice"),
				     ErrorKind::Name);
		expect(Keyword::As);
		const Token& open = expect(TokenKind::LParen, "'(' after AS");
		Descend d(*this, open.offset);
		if (at(Keyword::With)) fail(peek().offset, "WITH is only allowed at the start of the main query");
		ct.query = parse_query_expression();
		expect(TokenKind::RParen, "')' closing the common table expression");
		st.with.push_back(std::move(ct));
	} while (accept(TokenKind::Comma));
}

} // namespace meles::adql
