// adql/lexer/lexer.hpp — splits an ADQL query into tokens in one pass (no regular
// expressions): comments and whitespace dropped, reserved words recognised, literals and
// delimited identifiers checked for termination and valid UTF-8.
// Also home of the offset -> (line, column) conversion every error message uses.
// Thread-safety: pure functions.
#pragma once

#include "adql/lexer/token.hpp"
#include "meles/core/common/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace meles::adql {

// Appends the tokens of `source` to `out`, always ending with an End token.
// Throws Error(Syntax) for unterminated literals, stray characters and invalid UTF-8.
void tokenize(std::string_view source, std::vector<Token>& out);

// 1-based line and column (in characters) of a byte offset.
SourcePos source_pos(std::string_view source, uint32_t offset);

// Throws Error(kind, message + " at line L, column C", pos).
[[noreturn]] void throw_at(ErrorKind kind, std::string_view source, uint32_t offset, std::string message,
                           std::string_view suffix = {});

// The text of a delimited identifier token ("a""b" -> a"b).
std::string unquote_identifier(std::string_view token_text);
// The value of a string literal token, with '' unescaped and continuations joined.
std::string unquote_string(std::string_view token_text);

// How a token is shown in messages: 'text' (shortened), or "end of query".
std::string describe_token(std::string_view source, const Token& token);

} // namespace meles::adql
