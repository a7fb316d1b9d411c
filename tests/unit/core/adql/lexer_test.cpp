#include "adql/lexer/lexer.hpp"

#include <doctest/doctest.h>

using namespace meles;
using namespace meles::adql;

namespace {
std::vector<Token> lex(std::string_view s) {
	std::vector<Token> t;
	tokenize(s, t);
	return t;
}
} // namespace

TEST_CASE("adql lexer: tokens, keywords and numbers") {
	auto t = lex("select Ra, 1.5e-3, .5, 7., 0x1F, 89x ILIKE \"a\"\"b\" || 'it''s' <> != <= >= -- note\n;");
	std::vector<TokenKind> kinds;
	for (auto& x : t)
		kinds.push_back(x.kind);
	CHECK(kinds == std::vector<TokenKind>{
	                   TokenKind::Keyword,    TokenKind::Identifier, TokenKind::Comma,     TokenKind::Real,
	                   TokenKind::Comma,      TokenKind::Decimal,    TokenKind::Comma,     TokenKind::Decimal,
	                   TokenKind::Comma,      TokenKind::Hex,        TokenKind::Comma,     TokenKind::Integer,
	                   TokenKind::Identifier, TokenKind::Keyword,    TokenKind::Delimited, TokenKind::Concat,
	                   TokenKind::String,     TokenKind::Ne,         TokenKind::Ne,        TokenKind::Le,
	                   TokenKind::Ge,         TokenKind::Semicolon,  TokenKind::End});
	CHECK(t[0].kw == Keyword::Select);
	CHECK(t[13].kw == Keyword::Ilike);
	CHECK(lookup_keyword("in_unit") == Keyword::InUnit);
	CHECK(lookup_keyword("current_timestamp") == Keyword::CurrentTimestamp);
	CHECK(lookup_keyword("dec") == Keyword::None);
	CHECK(lookup_keyword("tablesample") == Keyword::None);
	CHECK(keyword_text(Keyword::Select) == "SELECT");
}

TEST_CASE("adql lexer: literal values and positions") {
	CHECK(unquote_string("'it''s'") == "it's");
	CHECK(unquote_string("'a' -- c\n  'b'") == "ab"); // continuation across a newline
	CHECK(unquote_identifier("\"a\"\"b\"") == "a\"b");
	auto t = lex("'a'\n 'b' 'c'"); // continuation needs a newline: 'b' 'c' are two
	REQUIRE(t.size() == 3);
	CHECK(t[0].kind == TokenKind::String);
	CHECK(unquote_string(t[0].text("'a'\n 'b' 'c'")) == "ab");
	SourcePos p = source_pos("ab\ncdé\nxyz", 8); // 'x' after a two-byte é
	CHECK(p.line == 3);
	CHECK(p.column == 1);
	CHECK(source_pos("ab\ncdéf", 7).column == 4);
}

TEST_CASE("adql lexer: refuses what is not ADQL") {
	for (std::string_view bad : {"select 'open", "select \"open", "select #", "select $1", "select a::b",
	                             "select _x", "select \"\"", "select '\xC3'",
	                             "select a\xE2\x80\x8B"
	                             "b"}) {
		INFO(bad);
		CHECK_THROWS_AS(lex(bad), Error);
	}
	try {
		lex("select\n  %");
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.message() == "Unexpected character '%' at line 2, column 3");
		CHECK(e.kind() == ErrorKind::Syntax);
	}
}
