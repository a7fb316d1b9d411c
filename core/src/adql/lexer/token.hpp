// adql/lexer/token.hpp — one lexical token of an ADQL query: kind plus a span of the source.
// Tokens do not own text; they point into the query string the lexer was given.
// Thread-safety: plain value type.
#pragma once

#include "adql/lexer/keywords.hpp"

#include <cstdint>
#include <string_view>

namespace meles::adql {

enum class TokenKind : uint8_t {
	End,
	Identifier, // regular identifier (not a reserved word)
	Delimited,  // "delimited identifier" (span includes the quotes)
	Keyword,    // reserved word, see Token::kw
	String,     // 'literal' (span from the first to the last quote, continuations included)
	Integer,    // 123
	Decimal,    // 1.5, .5, 5.
	Real,       // 1e5, 1.5E-3
	Hex,        // 0x1F (extension)
	LParen,
	RParen,
	Comma,
	Period,
	Semicolon,
	Star,
	Plus,
	Minus,
	Slash,
	Concat, // ||
	Eq,
	Ne, // <> or !=
	Lt,
	Gt,
	Le,
	Ge,
	Amp,   // & (bitwise and, extension)
	Pipe,  // | (bitwise or, extension)
	Caret, // ^ (bitwise xor, extension)
	Tilde, // ~ (bitwise not, extension)
};

struct Token {
	TokenKind kind = TokenKind::End;
	Keyword kw = Keyword::None;
	uint32_t offset = 0;
	uint32_t length = 0;

	bool is(TokenKind k) const { return kind == k; }
	bool is(Keyword k) const { return kind == TokenKind::Keyword && kw == k; }
	std::string_view text(std::string_view source) const { return source.substr(offset, length); }
};

} // namespace meles::adql
