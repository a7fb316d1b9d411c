#include "adql/lexer/lexer.hpp"

#include <charconv>

namespace meles::adql {

namespace {

enum CharClass : uint8_t { kOther = 0, kSpace = 1, kLetter = 2, kDigit = 4, kUnderscore = 8 };

struct CharTable {
	uint8_t cls[256] = {};
	constexpr CharTable() {
		for (int c = 'a'; c <= 'z'; ++c)
			cls[c] = kLetter;
		for (int c = 'A'; c <= 'Z'; ++c)
			cls[c] = kLetter;
		for (int c = '0'; c <= '9'; ++c)
			cls[c] = kDigit;
		cls[static_cast<unsigned char>('_')] = kUnderscore;
		for (char c : {' ', '\t', '\n', '\r', '\f', '\v'})
			cls[static_cast<unsigned char>(c)] = kSpace;
	}
};
constexpr CharTable kChars;

inline uint8_t cls(char c) {
	return kChars.cls[static_cast<unsigned char>(c)];
}
inline bool is_ident_char(char c) {
	return cls(c) & (kLetter | kDigit | kUnderscore);
}
inline bool is_digit(char c) {
	return cls(c) == kDigit;
}
inline bool is_hex(char c) {
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Length of a valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_length(std::string_view s, size_t i) {
	unsigned char c = static_cast<unsigned char>(s[i]);
	size_t n;
	uint32_t cp;
	if (c < 0x80) return 1;
	if ((c & 0xE0) == 0xC0)
		n = 2, cp = c & 0x1F;
	else if ((c & 0xF0) == 0xE0)
		n = 3, cp = c & 0x0F;
	else if ((c & 0xF8) == 0xF0)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (i + n > s.size()) return 0;
	for (size_t k = 1; k < n; ++k) {
		unsigned char d = static_cast<unsigned char>(s[i + k]);
		if ((d & 0xC0) != 0x80) return 0;
		cp = (cp << 6) | (d & 0x3F);
	}
	// Reject overlong forms and surrogates so PostgreSQL never sees invalid text.
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

class Lexer {
public:
	Lexer(std::string_view src, std::vector<Token>& out) : s_(src), out_(out) {}

	void run() {
		if (s_.size() > 0xFFFFFFF0u) throw Error(ErrorKind::Syntax, "The query is too long");
		out_.reserve(out_.size() + s_.size() / 4 + 4);
		for (;;) {
			skip_blank();
			if (i_ >= s_.size()) break;
			lex_one();
		}
		// "found end of query" points right after the last token, not past trailing blanks
		uint32_t end = out_.empty() ? 0 : out_.back().offset + out_.back().length;
		out_.push_back(Token{TokenKind::End, Keyword::None, end, 0});
	}

private:
	std::string_view s_;
	std::vector<Token>& out_;
	size_t i_ = 0;

	[[noreturn]] void fail(size_t at, std::string msg) {
		throw_at(ErrorKind::Syntax, s_, static_cast<uint32_t>(at), std::move(msg));
	}

	// Skips whitespace and comments; returns true if a newline was crossed.
	bool skip_blank() {
		bool newline = false;
		while (i_ < s_.size()) {
			char c = s_[i_];
			if (cls(c) == kSpace) {
				newline |= c == '\n';
				++i_;
			} else if (c == '-' && i_ + 1 < s_.size() && s_[i_ + 1] == '-') {
				while (i_ < s_.size() && s_[i_] != '\n') {
					if (s_[i_] == '\0') fail(i_, "NUL characters are not allowed in queries");
					++i_;
				}
				newline = true; // a comment ends with its line (or the query)
			} else if (c == '\0') {
				fail(i_, "NUL characters are not allowed in queries");
			} else {
				break;
			}
		}
		return newline;
	}

	void push(TokenKind k, size_t start, size_t end, Keyword kw = Keyword::None) {
		out_.push_back(Token{k, kw, static_cast<uint32_t>(start), static_cast<uint32_t>(end - start)});
	}

	void lex_one() {
		size_t start = i_;
		char c = s_[i_];
		uint8_t cl = cls(c);
		if (cl == kLetter) {
			while (i_ < s_.size() && is_ident_char(s_[i_]))
				++i_;
			std::string_view word = s_.substr(start, i_ - start);
			Keyword kw = lookup_keyword(word);
			push(kw == Keyword::None ? TokenKind::Identifier : TokenKind::Keyword, start, i_, kw);
			return;
		}
		if (cl == kDigit || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) {
			lex_number();
			return;
		}
		switch (c) {
		case '\'':
			lex_string();
			return;
		case '"':
			lex_delimited();
			return;
		case '(':
			++i_;
			push(TokenKind::LParen, start, i_);
			return;
		case ')':
			++i_;
			push(TokenKind::RParen, start, i_);
			return;
		case ',':
			++i_;
			push(TokenKind::Comma, start, i_);
			return;
		case '.':
			++i_;
			push(TokenKind::Period, start, i_);
			return;
		case ';':
			++i_;
			push(TokenKind::Semicolon, start, i_);
			return;
		case '*':
			++i_;
			push(TokenKind::Star, start, i_);
			return;
		case '+':
			++i_;
			push(TokenKind::Plus, start, i_);
			return;
		case '-':
			++i_;
			push(TokenKind::Minus, start, i_);
			return;
		case '/':
			++i_;
			push(TokenKind::Slash, start, i_);
			return;
		case '&':
			++i_;
			push(TokenKind::Amp, start, i_);
			return;
		case '^':
			++i_;
			push(TokenKind::Caret, start, i_);
			return;
		case '~':
			++i_;
			push(TokenKind::Tilde, start, i_);
			return;
		case '=':
			++i_;
			push(TokenKind::Eq, start, i_);
			return;
		case '|':
			if (next_is('|')) {
				i_ += 2;
				push(TokenKind::Concat, start, i_);
			} else {
				++i_;
				push(TokenKind::Pipe, start, i_);
			}
			return;
		case '<':
			if (next_is('='))
				i_ += 2, push(TokenKind::Le, start, i_);
			else if (next_is('>'))
				i_ += 2, push(TokenKind::Ne, start, i_);
			else
				++i_, push(TokenKind::Lt, start, i_);
			return;
		case '>':
			if (next_is('='))
				i_ += 2, push(TokenKind::Ge, start, i_);
			else
				++i_, push(TokenKind::Gt, start, i_);
			return;
		case '!':
			if (next_is('=')) {
				i_ += 2;
				push(TokenKind::Ne, start, i_);
				return;
			}
			break;
		case '_': {
			size_t e = i_;
			while (e < s_.size() && is_ident_char(s_[e]))
				++e;
			fail(start, concat("Identifiers must start with a letter; write \"", s_.substr(start, e - start),
			                   "\" in double quotes to use this name"));
		}
		default:
			break;
		}
		size_t n = utf8_length(s_, i_);
		if (n == 0) fail(start, "Invalid UTF-8 in the query");
		fail(start, concat("Unexpected character '", s_.substr(start, n), "'"));
	}

	bool next_is(char c) const { return i_ + 1 < s_.size() && s_[i_ + 1] == c; }

	void lex_number() {
		size_t start = i_;
		if (s_[i_] == '0' && i_ + 2 < s_.size() && (s_[i_ + 1] == 'x' || s_[i_ + 1] == 'X') &&
		    is_hex(s_[i_ + 2])) {
			i_ += 2;
			while (i_ < s_.size() && is_hex(s_[i_]))
				++i_;
			push(TokenKind::Hex, start, i_);
			return;
		}
		TokenKind kind = TokenKind::Integer;
		while (i_ < s_.size() && is_digit(s_[i_]))
			++i_;
		if (i_ < s_.size() && s_[i_] == '.') {
			kind = TokenKind::Decimal;
			++i_;
			while (i_ < s_.size() && is_digit(s_[i_]))
				++i_;
		}
		if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
			size_t j = i_ + 1;
			if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
			if (j < s_.size() && is_digit(s_[j])) {
				while (j < s_.size() && is_digit(s_[j]))
					++j;
				i_ = j;
				kind = TokenKind::Real;
			}
		}
		check_number_range(start, i_, kind);
		push(kind, start, i_);
	}

	// PostgreSQL reads such literals as NUMERIC (any size) and fails only when converting
	// them to double precision, with a message quoting hundreds of digits.  ADQL's approximate
	// numbers are doubles, so a literal a double cannot hold (it would become infinity, or
	// zero although not written as zero) is refused here, with its position.  Denormal values
	// pass, as PostgreSQL's float8 input accepts them.
	void check_number_range(size_t start, size_t end, TokenKind kind) {
		// Up to 300 digits without an exponent fit (DBL_MAX is about 1.8e308).
		if (kind != TokenKind::Real && end - start <= 300) return;
		auto text = s_.substr(start, end - start);
		double v = 0;
		auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
		if (ec != std::errc::result_out_of_range) return;
		std::string shown(text.size() > 24 ? concat(text.substr(0, 12), "...", text.substr(text.size() - 8))
		                                   : text);
		fail(start,
		     concat("The number ", shown,
		            " is outside the range of double precision numbers (magnitudes from about 2.2e-308 "
		            "to 1.8e308, and 0)"));
	}

	void check_utf8(size_t from, size_t to) {
		for (size_t k = from; k < to;) {
			unsigned char ch = static_cast<unsigned char>(s_[k]);
			if (ch == 0) fail(k, "NUL characters are not allowed in queries");
			if (ch < 0x80) {
				++k;
				continue;
			}
			size_t n = utf8_length(s_, k);
			if (n == 0) fail(k, "Invalid UTF-8 in the query");
			k += n;
		}
	}

	// Scans one quoted piece starting at i_ (which is at the quote); returns past its end.
	size_t scan_quoted(char q, const char* what) {
		size_t start = i_;
		size_t k = i_ + 1;
		for (;;) {
			if (k >= s_.size())
				fail(start, concat("Unterminated ", what, " (missing closing ", std::string(1, q), ")"));
			if (s_[k] == q) {
				if (k + 1 < s_.size() && s_[k + 1] == q) {
					k += 2;
					continue;
				}
				break;
			}
			++k;
		}
		check_utf8(start + 1, k);
		return k + 1;
	}

	void lex_string() {
		size_t start = i_;
		i_ = scan_quoted('\'', "string literal");
		// SQL: literals separated only by blanks/comments that include a newline are one literal.
		for (;;) {
			size_t save = i_;
			bool newline = skip_blank();
			if (newline && i_ < s_.size() && s_[i_] == '\'') {
				i_ = scan_quoted('\'', "string literal");
			} else {
				i_ = save;
				break;
			}
		}
		push(TokenKind::String, start, i_);
	}

	void lex_delimited() {
		size_t start = i_;
		i_ = scan_quoted('"', "delimited identifier");
		if (i_ - start == 2) fail(start, "Empty delimited identifier \"\"");
		if (i_ - start - 2 > 63) fail(start, "Identifier longer than 63 bytes");
		push(TokenKind::Delimited, start, i_);
	}
};

} // namespace

void tokenize(std::string_view source, std::vector<Token>& out) {
	Lexer(source, out).run();
}

SourcePos source_pos(std::string_view source, uint32_t offset) {
	SourcePos p;
	p.line = 1;
	size_t line_start = 0;
	size_t end = std::min<size_t>(offset, source.size());
	for (size_t i = 0; i < end; ++i)
		if (source[i] == '\n') {
			++p.line;
			line_start = i + 1;
		}
	int col = 1;
	for (size_t i = line_start; i < end; ++i)
		if ((static_cast<unsigned char>(source[i]) & 0xC0) != 0x80) ++col;
	p.column = col;
	return p;
}

void throw_at(ErrorKind kind, std::string_view source, uint32_t offset, std::string message,
              std::string_view suffix) {
	SourcePos p = source_pos(source, offset);
	message += concat(" at line ", std::to_string(p.line), ", column ", std::to_string(p.column));
	message += suffix;
	throw Error(kind, std::move(message), std::move(p));
}

std::string unquote_identifier(std::string_view t) {
	std::string out;
	out.reserve(t.size());
	for (size_t i = 1; i + 1 < t.size(); ++i) {
		out += t[i];
		if (t[i] == '"') ++i; // "" -> "
	}
	return out;
}

std::string unquote_string(std::string_view t) {
	std::string out;
	out.reserve(t.size());
	size_t i = 0;
	while (i < t.size()) {
		if (t[i] != '\'') {
			// between continuation pieces: blanks and comments
			if (t[i] == '-' && i + 1 < t.size() && t[i + 1] == '-') {
				while (i < t.size() && t[i] != '\n')
					++i;
			} else {
				++i;
			}
			continue;
		}
		++i; // opening quote
		for (;;) {
			if (t[i] == '\'') {
				if (i + 1 < t.size() && t[i + 1] == '\'') {
					out += '\'';
					i += 2;
					continue;
				}
				++i;
				break;
			}
			out += t[i++];
		}
	}
	return out;
}

std::string describe_token(std::string_view source, const Token& token) {
	if (token.kind == TokenKind::End) return "end of query";
	std::string_view t = token.text(source);
	if (t.size() > 40) {
		size_t cut = 37;
		while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80)
			--cut;
		return concat("'", t.substr(0, cut), "...'");
	}
	return concat("'", t, "'");
}

} // namespace meles::adql
