// Lexer and recursive-descent parser for Python expressions.
#include "expr/ast.hpp"
#include "expr/runtime.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

namespace meles::rd::expr::ast {

void line_col(std::string_view s, int offset, int& line, int& column) {
	line = 1;
	column = 1;
	for (int i = 0; i < offset && i < static_cast<int>(s.size()); ++i) {
		auto c = static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
		if (c == '\n') {
			++line;
			column = 1;
		} else if ((c & 0xC0) != 0x80) {
			++column;
		}
	}
}

namespace {

[[noreturn]] void syntax(int offset, std::string msg) {
	throw Failure{CompileFailure::Syntax, std::move(msg), "", offset};
}
[[noreturn]] void unsupported(int offset, std::string construct) {
	throw Failure{CompileFailure::Unsupported, "unsupported in rowmaker expressions: " + construct, construct,
	              offset};
}

enum class T { Name, Int, Float, Str, Field, Op, Newline, End };

struct Token {
	Token(T ty, int s, int e, std::string tx) : type(ty), start(s), end(e), text(std::move(tx)) {}
	T type;
	int start;
	int end;
	std::string text; // Name/Field: identifier; Op: operator; Str: prefix letters (lower case)
	int body_start = 0, body_end = 0; // Str: the text between the quotes
	Value number;                     // Int/Float
};

bool is_id_start(unsigned char c) {
	return std::isalpha(c) || c == '_' || c >= 0x80;
}
bool is_id_char(unsigned char c) {
	return std::isalnum(c) || c == '_' || c >= 0x80;
}

const char* const kKeywords[] = {"False",  "None",   "True",    "and",      "as",       "assert", "async",
                                 "await",  "break",  "class",   "continue", "def",      "del",    "elif",
                                 "else",   "except", "finally", "for",      "from",     "global", "if",
                                 "import", "in",     "is",      "lambda",   "nonlocal", "not",    "or",
                                 "pass",   "raise",  "return",  "try",      "while",    "with",   "yield"};
bool is_keyword(std::string_view s) {
	for (auto* k : kKeywords)
		if (s == k) return true;
	return false;
}

class Lexer {
public:
	explicit Lexer(std::string_view src) : s_(src) {}

	std::vector<Token> run() {
		std::vector<Token> out;
		int depth = 0;
		std::size_t i = 0;
		while (true) {
			// Blanks, comments, line continuations; newlines inside brackets.
			while (i < s_.size()) {
				char c = s_[i];
				if (c == ' ' || c == '\t' || c == '\f' || c == '\r')
					++i;
				else if (c == '#') {
					while (i < s_.size() && s_[i] != '\n')
						++i;
				} else if (c == '\\' && i + 1 < s_.size() &&
				           (s_[i + 1] == '\n' ||
				            (s_[i + 1] == '\r' && i + 2 < s_.size() && s_[i + 2] == '\n'))) {
					i += s_[i + 1] == '\n' ? 2 : 3;
				} else if (c == '\n' && depth > 0)
					++i;
				else
					break;
			}
			if (i >= s_.size()) break;
			int start = static_cast<int>(i);
			char c = s_[i];
			if (c == '\n') {
				++i;
				// Leniency beyond Python: a line that ends in an operator, a comma or a
				// keyword such as `and`/`else` continues on the next line, as map bodies in
				// XML are often wrapped that way.  Anything else is a statement break.
				if (!out.empty() && out.back().type != T::Newline && !continues(out.back()))
					out.push_back(Token{T::Newline, start, start + 1, "\n"});
				continue;
			}
			auto uc = static_cast<unsigned char>(c);
			// String prefixes: r, b, f, u and two-letter combinations.
			if (is_id_start(uc)) {
				std::size_t j = i;
				while (j < s_.size() && is_id_char(static_cast<unsigned char>(s_[j])))
					++j;
				std::string word(s_.substr(i, j - i));
				std::string low;
				for (char ch : word)
					low += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
				if (j < s_.size() && (s_[j] == '\'' || s_[j] == '"') && word.size() <= 2 &&
				    std::all_of(low.begin(), low.end(),
				                [](char ch) { return std::strchr("rbfu", ch) != nullptr; })) {
					out.push_back(string_token(start, j, low));
					i = static_cast<std::size_t>(out.back().end);
					continue;
				}
				out.push_back(Token{T::Name, start, static_cast<int>(j), word});
				i = j;
				continue;
			}
			if (c == '\'' || c == '"') {
				out.push_back(string_token(start, i, ""));
				i = static_cast<std::size_t>(out.back().end);
				continue;
			}
			if (std::isdigit(uc) ||
			    (c == '.' && i + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i + 1])))) {
				out.push_back(number_token(i));
				i = static_cast<std::size_t>(out.back().end);
				continue;
			}
			if (c == '@' && i + 1 < s_.size() && is_id_start(static_cast<unsigned char>(s_[i + 1]))) {
				std::size_t j = i + 1;
				while (j < s_.size() && is_id_char(static_cast<unsigned char>(s_[j])))
					++j;
				out.push_back(
				    Token{T::Field, start, static_cast<int>(j), std::string(s_.substr(i + 1, j - i - 1))});
				i = j;
				continue;
			}
			static const char* const ops3[] = {"**=", "//=", ">>=", "<<=", "..."};
			static const char* const ops2[] = {"**", "//", "==", "!=", "<=", ">=", "<<", ">>", "->", ":=",
			                                   "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="};
			std::string op;
			for (auto* o : ops3)
				if (s_.substr(i, 3) == o) op = o;
			if (op.empty())
				for (auto* o : ops2)
					if (s_.substr(i, 2) == o) op = o;
			if (op.empty()) {
				if (!std::strchr("+-*/%&|^~<>()[]{},:.;=@!", c) || c == '\0') {
					if (c == '$' || c == '?' || c == '`')
						syntax(start, std::string("invalid character '") + c + "'");
					syntax(start, "invalid character in expression");
				}
				op = std::string(1, c);
			}
			if (op == "(" || op == "[" || op == "{") ++depth;
			if ((op == ")" || op == "]" || op == "}") && depth > 0) --depth;
			out.push_back(Token{T::Op, start, start + static_cast<int>(op.size()), op});
			i += op.size();
		}
		while (!out.empty() && out.back().type == T::Newline)
			out.pop_back();
		// ... and so does a line followed by one starting with a keyword that cannot start
		// an expression (`else`, `and`, `or`, `if`, `for`, `in`, `is`).
		std::vector<Token> kept;
		for (std::size_t k = 0; k < out.size(); ++k) {
			if (out[k].type == T::Newline && k + 1 < out.size() && out[k + 1].type == T::Name) {
				const std::string& w = out[k + 1].text;
				if (w == "else" || w == "and" || w == "or" || w == "if" || w == "for" || w == "in" ||
				    w == "is")
					continue;
			}
			kept.push_back(std::move(out[k]));
		}
		out = std::move(kept);
		int n = static_cast<int>(s_.size());
		out.push_back(Token{T::End, n, n, ""});
		return out;
	}

private:
	static bool continues(const Token& t) {
		if (t.type == T::Op) return t.text != ")" && t.text != "]" && t.text != "}";
		if (t.type == T::Name)
			return t.text == "and" || t.text == "or" || t.text == "not" || t.text == "if" ||
			       t.text == "else" || t.text == "in" || t.text == "is" || t.text == "for";
		return false;
	}

	Token string_token(int start, std::size_t qpos, const std::string& prefix) {
		char q = s_[qpos];
		bool triple = s_.substr(qpos, 3) == std::string(3, q);
		std::size_t open = qpos + (triple ? 3 : 1);
		bool raw = prefix.find('r') != std::string::npos;
		std::size_t j = open;
		while (true) {
			if (j >= s_.size())
				syntax(start,
				       triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
			char c = s_[j];
			if (c == '\\') {
				j += 2;
				continue;
			}
			if (!triple && c == '\n') syntax(start, "unterminated string literal");
			if (c == q && (!triple || s_.substr(j, 3) == std::string(3, q))) break;
			++j;
		}
		(void)raw;
		Token t{T::Str, start, static_cast<int>(j + (triple ? 3 : 1)), prefix};
		t.body_start = static_cast<int>(open);
		t.body_end = static_cast<int>(j);
		return t;
	}

	Token number_token(std::size_t i) {
		int start = static_cast<int>(i);
		std::size_t j = i;
		auto digits = [&](auto pred) {
			while (j < s_.size() &&
			       (pred(static_cast<unsigned char>(s_[j])) ||
			        (s_[j] == '_' && j + 1 < s_.size() && pred(static_cast<unsigned char>(s_[j + 1])))))
				++j;
		};
		auto isdec = [](unsigned char c) { return std::isdigit(c) != 0; };
		if (s_[i] == '0' && i + 1 < s_.size() && std::strchr("xXoObB", s_[i + 1])) {
			char k = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[i + 1])));
			int base = k == 'x' ? 16 : k == 'o' ? 8 : 2;
			j = i + 2;
			if (j < s_.size() && s_[j] == '_') ++j;
			std::size_t b = j;
			digits([&](unsigned char c) {
				return base == 16  ? std::isxdigit(c) != 0
				       : base == 8 ? (c >= '0' && c <= '7')
				                   : (c == '0' || c == '1');
			});
			if (j == b) syntax(start, "invalid number literal");
			std::string clean;
			for (std::size_t k2 = b; k2 < j; ++k2)
				if (s_[k2] != '_') clean += s_[k2];
			std::uint64_t v = 0;
			auto r = std::from_chars(clean.data(), clean.data() + clean.size(), v, base);
			if (r.ec != std::errc() || v > 9223372036854775807ULL)
				syntax(start, "integer literal too large for 64 bits");
			check_suffix(start, j);
			Token t{T::Int, start, static_cast<int>(j), ""};
			t.number = Value::integer(static_cast<std::int64_t>(v));
			return t;
		}
		digits(isdec);
		bool is_float = false;
		if (j < s_.size() && s_[j] == '.') {
			is_float = true;
			++j;
			digits(isdec);
		}
		if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
			std::size_t k = j + 1;
			if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
			if (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) {
				is_float = true;
				j = k;
				digits(isdec);
			}
		}
		if (j < s_.size() && (s_[j] == 'j' || s_[j] == 'J')) unsupported(start, "complex numbers");
		check_suffix(start, j);
		std::string clean;
		for (std::size_t k = i; k < j; ++k)
			if (s_[k] != '_') clean += s_[k];
		Token t{is_float ? T::Float : T::Int, start, static_cast<int>(j), ""};
		if (is_float) {
			double d = 0;
			if (!rt::parse_py_float(clean, d)) syntax(start, "invalid number literal");
			t.number = Value::real(d);
		} else {
			if (clean.size() > 1 && clean[0] == '0' && clean.find_first_not_of('0') != std::string::npos)
				syntax(start, "leading zeros in decimal integer literals are not permitted");
			std::int64_t v;
			bool overflow;
			if (!rt::parse_py_int(clean, v, overflow)) syntax(start, "invalid number literal");
			if (overflow) syntax(start, "integer literal too large for 64 bits");
			t.number = Value::integer(v);
		}
		return t;
	}

	void check_suffix(int start, std::size_t j) {
		if (j < s_.size() && is_id_char(static_cast<unsigned char>(s_[j])))
			syntax(start, "invalid decimal literal");
	}

	std::string_view s_;
};

// Decodes a string literal body (escapes unless raw).
std::string unescape(std::string_view body, bool raw, bool bytes, int offset) {
	if (raw) return std::string(body);
	std::string out;
	for (std::size_t i = 0; i < body.size(); ++i) {
		char c = body[i];
		if (c != '\\' || i + 1 >= body.size()) {
			if (bytes && static_cast<unsigned char>(c) >= 0x80)
				syntax(offset, "bytes can only contain ASCII literal characters");
			out += c;
			continue;
		}
		char n = body[++i];
		switch (n) {
		case '\n':
			break;
		case '\\':
			out += '\\';
			break;
		case '\'':
			out += '\'';
			break;
		case '"':
			out += '"';
			break;
		case 'a':
			out += '\a';
			break;
		case 'b':
			out += '\b';
			break;
		case 'f':
			out += '\f';
			break;
		case 'n':
			out += '\n';
			break;
		case 'r':
			out += '\r';
			break;
		case 't':
			out += '\t';
			break;
		case 'v':
			out += '\v';
			break;
		case 'x': {
			if (i + 2 >= body.size() || !std::isxdigit(static_cast<unsigned char>(body[i + 1])) ||
			    !std::isxdigit(static_cast<unsigned char>(body[i + 2])))
				syntax(offset, "truncated \\xXX escape");
			unsigned v = static_cast<unsigned>(std::stoul(std::string(body.substr(i + 1, 2)), nullptr, 16));
			if (bytes)
				out += static_cast<char>(v);
			else
				rt::append_utf8(out, v);
			i += 2;
			break;
		}
		case 'u':
		case 'U': {
			if (bytes) {
				out += '\\';
				out += n;
				break;
			}
			std::size_t len = n == 'u' ? 4 : 8;
			std::string hex(body.substr(i + 1, len));
			if (hex.size() != len || !std::all_of(hex.begin(), hex.end(), [](char h) {
				    return std::isxdigit(static_cast<unsigned char>(h)) != 0;
			    }))
				syntax(offset, "truncated \\uXXXX escape");
			rt::append_utf8(out, static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16)));
			i += len;
			break;
		}
		case 'N':
			unsupported(offset, "\\N{...} escapes");
		default:
			if (n >= '0' && n <= '7') {
				unsigned v = static_cast<unsigned>(n - '0');
				for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
					v = v * 8 + static_cast<unsigned>(body[++i] - '0');
				if (bytes)
					out += static_cast<char>(v & 0xFF);
				else
					rt::append_utf8(out, v);
			} else {
				// Unknown escapes stay as written (Python warns but keeps them).
				out += '\\';
				out += n;
			}
		}
	}
	return out;
}

class Parser {
public:
	Parser(std::string_view src, std::vector<Token> toks) : src_(src), t_(std::move(toks)) {}

	Ptr parse_all() {
		if (peek().type == T::End) syntax(0, "empty expression");
		check_statement();
		Ptr e = parse_testlist();
		const Token& t = peek();
		if (t.type == T::End) return e;
		if (t.type == T::Op && t.text == "=") unsupported(t.start, "assignment");
		if (t.type == T::Op && t.text.size() >= 2 && t.text.back() == '=' && t.text != "==" &&
		    t.text != "!=" && t.text != "<=" && t.text != ">=")
			unsupported(t.start, "augmented assignment");
		if (t.type == T::Op && t.text == ":") unsupported(t.start, "annotation");
		if (t.type == T::Newline || (t.type == T::Op && t.text == ";"))
			unsupported(t.start, "multiple statements");
		if (t.type == T::Name && t.text == "for")
			unsupported(t.start, "generator expression without parentheses");
		syntax(t.start, "invalid syntax near " + describe(t));
	}

	// For f-string fields: parses an expression that must span the whole token list.
	Ptr parse_sub() {
		Ptr e = parse_testlist();
		if (peek().type != T::End)
			syntax(peek().start, "f-string: invalid expression near " + describe(peek()));
		return e;
	}

private:
	const Token& peek(int k = 0) const {
		return t_[std::min(p_ + static_cast<std::size_t>(k), t_.size() - 1)];
	}
	const Token& next() {
		const Token& t = t_[p_];
		if (p_ + 1 < t_.size()) ++p_;
		return t;
	}
	bool is_op(const char* op, int k = 0) const { return peek(k).type == T::Op && peek(k).text == op; }
	bool is_kw(const char* kw, int k = 0) const { return peek(k).type == T::Name && peek(k).text == kw; }
	bool accept_op(const char* op) {
		if (!is_op(op)) return false;
		next();
		return true;
	}
	bool accept_kw(const char* kw) {
		if (!is_kw(kw)) return false;
		next();
		return true;
	}
	void expect_op(const char* op, const char* context) {
		if (!accept_op(op)) {
			const Token& t = peek();
			if (t.type == T::End)
				syntax(t.start,
				       std::string("unexpected end of expression: expected '") + op + "' " + context);
			syntax(t.start, std::string("expected '") + op + "' " + context + ", found " + describe(t));
		}
	}
	std::string describe(const Token& t) const {
		switch (t.type) {
		case T::End:
			return "end of expression";
		case T::Newline:
			return "line break";
		case T::Str:
			return "string";
		case T::Int:
		case T::Float:
			return "number '" +
			       std::string(src_.substr(static_cast<std::size_t>(t.start),
			                               static_cast<std::size_t>(t.end - t.start))) +
			       "'";
		case T::Field:
			return "'@" + t.text + "'";
		default:
			return "'" + t.text + "'";
		}
	}

	void check_statement() {
		const Token& t = peek();
		if (t.type != T::Name) return;
		static const char* const stmts[] = {"import", "from",  "def",    "class",    "return", "del",
		                                    "pass",   "raise", "global", "nonlocal", "assert", "with",
		                                    "try",    "while", "for",    "if",       "break",  "continue",
		                                    "async",  "elif",  "else",   "except",   "finally"};
		for (auto* s : stmts)
			if (t.text == s) {
				if (std::string_view(s) == "if" || std::string_view(s) == "for" ||
				    std::string_view(s) == "while")
					unsupported(t.start, std::string(s) + " statement");
				unsupported(t.start, s);
			}
	}

	Ptr node(K k, int pos) { return std::make_unique<Node>(k, pos); }

	Ptr parse_testlist() {
		int pos = peek().start;
		Ptr first = parse_test();
		if (!is_op(",")) return first;
		Ptr tup = node(K::Tuple, pos);
		tup->kids.push_back(std::move(first));
		while (accept_op(",")) {
			if (at_expr_end()) break;
			tup->kids.push_back(parse_test());
		}
		return tup;
	}

	bool at_expr_end() const {
		const Token& t = peek();
		if (t.type == T::End || t.type == T::Newline) return true;
		return t.type == T::Op && (t.text == ")" || t.text == "]" || t.text == "}" || t.text == "=" ||
		                           t.text == ":" || t.text == ";");
	}

	// Nesting is bounded so that hostile or broken RDs cannot overflow the stack.
	struct DepthGuard {
		DepthGuard(Parser& p, int offset) : p_(p) {
			if (++p_.depth_ > kMaxDepth) syntax(offset, "expression nested too deeply");
		}
		~DepthGuard() { --p_.depth_; }
		Parser& p_;
	};
	static constexpr int kMaxDepth = 200;

	Ptr parse_test() {
		DepthGuard guard(*this, peek().start);
		const Token& t = peek();
		if (t.type == T::Name && t.text == "lambda") unsupported(t.start, "lambda");
		if (t.type == T::Name && t.text == "yield") unsupported(t.start, "yield");
		Ptr body = parse_or();
		if (is_op(":=")) unsupported(peek().start, "assignment expression (:=)");
		if (!is_kw("if")) return body;
		int pos = next().start;
		Ptr cond = parse_or();
		if (!accept_kw("else")) syntax(peek().start, "expected 'else' after 'if' expression");
		Ptr other = parse_test();
		Ptr n = node(K::IfExp, pos);
		n->kids.push_back(std::move(cond));
		n->kids.push_back(std::move(body));
		n->kids.push_back(std::move(other));
		return n;
	}

	Ptr parse_or() {
		int pos = peek().start;
		Ptr first = parse_and();
		if (!is_kw("or")) return first;
		Ptr n = node(K::Or, pos);
		n->kids.push_back(std::move(first));
		while (accept_kw("or"))
			n->kids.push_back(parse_and());
		return n;
	}

	Ptr parse_and() {
		int pos = peek().start;
		Ptr first = parse_not();
		if (!is_kw("and")) return first;
		Ptr n = node(K::And, pos);
		n->kids.push_back(std::move(first));
		while (accept_kw("and"))
			n->kids.push_back(parse_not());
		return n;
	}

	Ptr parse_not() {
		if (is_kw("not")) {
			int pos = next().start;
			Ptr n = node(K::Not, pos);
			n->kids.push_back(parse_not());
			return n;
		}
		return parse_comparison();
	}

	bool comparison_op(Cmp& c) {
		const Token& t = peek();
		if (t.type == T::Op) {
			if (t.text == "<")
				c = Cmp::Lt;
			else if (t.text == "<=")
				c = Cmp::Le;
			else if (t.text == ">")
				c = Cmp::Gt;
			else if (t.text == ">=")
				c = Cmp::Ge;
			else if (t.text == "==")
				c = Cmp::Eq;
			else if (t.text == "!=")
				c = Cmp::Ne;
			else
				return false;
			next();
			return true;
		}
		if (t.type != T::Name) return false;
		if (t.text == "in") {
			next();
			c = Cmp::In;
			return true;
		}
		if (t.text == "not" && is_kw("in", 1)) {
			next();
			next();
			c = Cmp::NotIn;
			return true;
		}
		if (t.text == "is") {
			next();
			c = accept_kw("not") ? Cmp::IsNot : Cmp::Is;
			return true;
		}
		return false;
	}

	Ptr parse_comparison() {
		int pos = peek().start;
		Ptr first = parse_binary(0);
		Cmp c;
		if (!comparison_op(c)) return first;
		Ptr n = node(K::Compare, pos);
		n->kids.push_back(std::move(first));
		do {
			n->cmps.push_back(c);
			n->kids.push_back(parse_binary(0));
		} while (comparison_op(c));
		return n;
	}

	// Binary operator levels: | ^ & shifts +- */%//
	int binop_level(const Token& t, rt::BinOp& op) const {
		if (t.type != T::Op) return -1;
		const std::string& s = t.text;
		if (s == "|") return op = rt::BinOp::BitOr, 0;
		if (s == "^") return op = rt::BinOp::BitXor, 1;
		if (s == "&") return op = rt::BinOp::BitAnd, 2;
		if (s == "<<") return op = rt::BinOp::LShift, 3;
		if (s == ">>") return op = rt::BinOp::RShift, 3;
		if (s == "+") return op = rt::BinOp::Add, 4;
		if (s == "-") return op = rt::BinOp::Sub, 4;
		if (s == "*") return op = rt::BinOp::Mul, 5;
		if (s == "/") return op = rt::BinOp::Div, 5;
		if (s == "//") return op = rt::BinOp::FloorDiv, 5;
		if (s == "%") return op = rt::BinOp::Mod, 5;
		if (s == "@") return op = rt::BinOp::Mul, 5;
		return -1;
	}

	Ptr parse_binary(int level) {
		if (level > 5) return parse_factor();
		Ptr left = parse_binary(level + 1);
		while (true) {
			rt::BinOp op = rt::BinOp::Add;
			if (binop_level(peek(), op) != level) return left;
			const Token& t = next();
			if (t.text == "@") unsupported(t.start, "matrix multiplication (@)");
			Ptr n = node(K::BinOp, t.start);
			n->op = static_cast<int>(op);
			n->kids.push_back(std::move(left));
			n->kids.push_back(parse_binary(level + 1));
			left = std::move(n);
		}
	}

	Ptr parse_factor() {
		DepthGuard guard(*this, peek().start);
		const Token& t = peek();
		if (t.type == T::Op && (t.text == "-" || t.text == "+" || t.text == "~")) {
			next();
			Ptr n = node(K::UnaryOp, t.start);
			n->op = static_cast<int>(t.text == "-"   ? rt::UnOp::Neg
			                         : t.text == "+" ? rt::UnOp::Pos
			                                         : rt::UnOp::Invert);
			n->kids.push_back(parse_factor());
			return n;
		}
		return parse_power();
	}

	Ptr parse_power() {
		if (is_kw("await")) unsupported(peek().start, "await");
		Ptr base = parse_primary();
		if (!is_op("**")) return base;
		int pos = next().start;
		Ptr n = node(K::BinOp, pos);
		n->op = static_cast<int>(rt::BinOp::Pow);
		n->kids.push_back(std::move(base));
		n->kids.push_back(parse_factor()); // right-associative, binds tighter than unary on the left
		return n;
	}

	Ptr parse_primary() {
		Ptr e = parse_atom();
		while (true) {
			if (is_op("(")) {
				next();
				Ptr call = node(K::Call, e->pos);
				call->kids.push_back(std::move(e));
				parse_call_args(*call);
				e = std::move(call);
			} else if (is_op("[")) {
				next();
				int pos = e->pos;
				e = parse_subscript(std::move(e), pos);
			} else if (is_op(".")) {
				next();
				const Token& t = peek();
				if (t.type != T::Name || is_keyword(t.text))
					syntax(t.start, "expected an attribute name after '.'");
				next();
				Ptr a = node(K::Attr, t.start);
				a->name = t.text;
				a->kids.push_back(std::move(e));
				e = std::move(a);
			} else {
				return e;
			}
		}
	}

	void parse_call_args(Node& call) {
		bool seen_kw = false;
		std::vector<Ptr> kwvals;
		while (!is_op(")")) {
			const Token& t = peek();
			if (t.type == T::Op && t.text == "*") unsupported(t.start, "*args in calls");
			if (t.type == T::Op && t.text == "**") unsupported(t.start, "**kwargs in calls");
			if (t.type == T::Name && is_op("=", 1) && !is_keyword(t.text)) {
				next();
				next();
				for (const auto& k : call.kwnames)
					if (k == t.text) syntax(t.start, "keyword argument repeated: " + t.text);
				call.kwnames.push_back(t.text);
				kwvals.push_back(parse_test());
				seen_kw = true;
			} else {
				if (seen_kw) syntax(t.start, "positional argument follows keyword argument");
				int pos = t.start;
				Ptr arg = parse_test();
				if (is_kw("for")) {
					Ptr g = node(K::GenExp, pos);
					g->kids.push_back(std::move(arg));
					parse_generators(*g);
					arg = std::move(g);
				}
				call.kids.push_back(std::move(arg));
			}
			if (!accept_op(",")) break;
		}
		expect_op(")", "to close the call");
		for (auto& v : kwvals)
			call.kids.push_back(std::move(v));
	}

	Ptr parse_slice_part() {
		if (is_op(":") || is_op("]") || is_op(",")) return nullptr;
		return parse_test();
	}

	Ptr parse_subscript(Ptr obj, int pos) {
		Ptr lo = parse_slice_part();
		if (is_op(":")) {
			next();
			Ptr hi = parse_slice_part();
			Ptr step;
			if (accept_op(":")) step = parse_slice_part();
			if (is_op(",")) unsupported(peek().start, "multi-dimensional slicing");
			expect_op("]", "to close the subscript");
			Ptr n = node(K::Slice, pos);
			n->kids.push_back(std::move(obj));
			n->kids.push_back(std::move(lo));
			n->kids.push_back(std::move(hi));
			n->kids.push_back(std::move(step));
			return n;
		}
		if (!lo) syntax(peek().start, "expected an index");
		if (is_op(",")) {
			Ptr tup = node(K::Tuple, lo->pos);
			tup->kids.push_back(std::move(lo));
			while (accept_op(",")) {
				if (is_op("]")) break;
				tup->kids.push_back(parse_test());
			}
			lo = std::move(tup);
		}
		expect_op("]", "to close the subscript");
		Ptr n = node(K::Subscript, pos);
		n->kids.push_back(std::move(obj));
		n->kids.push_back(std::move(lo));
		return n;
	}

	void parse_generators(Node& comp) {
		while (is_kw("for")) {
			Generator g;
			g.pos = next().start;
			bool paren = accept_op("(");
			do {
				const Token& t = peek();
				if (t.type != T::Name || is_keyword(t.text)) syntax(t.start, "expected a name after 'for'");
				next();
				g.targets.push_back(t.text);
			} while (accept_op(",") && !is_kw("in"));
			if (paren) expect_op(")", "after the loop variables");
			g.unpack = paren || g.targets.size() > 1;
			if (!accept_kw("in")) syntax(peek().start, "expected 'in' in comprehension");
			g.iter = parse_or();
			while (is_kw("if")) {
				next();
				g.conditions.push_back(parse_or());
			}
			comp.gens.push_back(std::move(g));
		}
		if (is_kw("async")) unsupported(peek().start, "async comprehension");
	}

	Ptr parse_atom() {
		const Token& t = peek();
		switch (t.type) {
		case T::Int:
		case T::Float: {
			next();
			Ptr n = node(K::Const, t.start);
			n->value = t.number;
			return n;
		}
		case T::Str:
			return parse_strings();
		case T::Field: {
			next();
			Ptr n = node(K::Field, t.start);
			n->name = t.text;
			return n;
		}
		case T::Name: {
			if (t.text == "None" || t.text == "True" || t.text == "False") {
				next();
				Ptr n = node(K::Const, t.start);
				n->value = t.text == "None" ? Value() : Value::boolean(t.text == "True");
				return n;
			}
			if (t.text == "lambda") unsupported(t.start, "lambda");
			if (t.text == "yield") unsupported(t.start, "yield");
			if (t.text == "await") unsupported(t.start, "await");
			if (is_keyword(t.text)) syntax(t.start, "invalid syntax: unexpected keyword '" + t.text + "'");
			next();
			Ptr n = node(K::Name, t.start);
			n->name = t.text;
			return n;
		}
		case T::Op:
			break;
		case T::Newline:
			syntax(t.start, "unexpected line break (a map body must be a single expression)");
		case T::End:
			syntax(t.start, "unexpected end of expression");
		}
		if (t.text == "(") {
			next();
			if (accept_op(")")) return node(K::Tuple, t.start);
			if (is_kw("yield")) unsupported(peek().start, "yield");
			Ptr first = parse_test();
			if (is_kw("for")) {
				Ptr g = node(K::GenExp, t.start);
				g->kids.push_back(std::move(first));
				parse_generators(*g);
				expect_op(")", "to close the generator expression");
				return g;
			}
			if (!is_op(",")) {
				expect_op(")", "to close the parenthesis");
				return first;
			}
			Ptr tup = node(K::Tuple, t.start);
			tup->kids.push_back(std::move(first));
			while (accept_op(",")) {
				if (is_op(")")) break;
				tup->kids.push_back(parse_test());
			}
			expect_op(")", "to close the tuple");
			return tup;
		}
		if (t.text == "[") {
			next();
			Ptr lst = node(K::List, t.start);
			if (accept_op("]")) return lst;
			Ptr first = parse_test();
			if (is_kw("for")) {
				Ptr c = node(K::ListComp, t.start);
				c->kids.push_back(std::move(first));
				parse_generators(*c);
				expect_op("]", "to close the list comprehension");
				return c;
			}
			lst->kids.push_back(std::move(first));
			while (accept_op(",")) {
				if (is_op("]")) break;
				lst->kids.push_back(parse_test());
			}
			expect_op("]", "to close the list");
			return lst;
		}
		if (t.text == "{") {
			next();
			if (accept_op("}")) return node(K::Dict, t.start);
			if (is_op("**")) unsupported(peek().start, "dict unpacking (**)");
			Ptr first = parse_test();
			if (accept_op(":")) {
				Ptr value = parse_test();
				if (is_kw("for")) {
					Ptr c = node(K::DictComp, t.start);
					c->kids.push_back(std::move(first));
					c->kids.push_back(std::move(value));
					parse_generators(*c);
					expect_op("}", "to close the dict comprehension");
					return c;
				}
				Ptr d = node(K::Dict, t.start);
				d->kids.push_back(std::move(first));
				d->kids.push_back(std::move(value));
				while (accept_op(",")) {
					if (is_op("}")) break;
					if (is_op("**")) unsupported(peek().start, "dict unpacking (**)");
					d->kids.push_back(parse_test());
					expect_op(":", "between dict key and value");
					d->kids.push_back(parse_test());
				}
				expect_op("}", "to close the dict");
				return d;
			}
			if (is_kw("for")) {
				Ptr c = node(K::SetComp, t.start);
				c->kids.push_back(std::move(first));
				parse_generators(*c);
				expect_op("}", "to close the set comprehension");
				return c;
			}
			Ptr s = node(K::Set, t.start);
			s->kids.push_back(std::move(first));
			while (accept_op(",")) {
				if (is_op("}")) break;
				s->kids.push_back(parse_test());
			}
			expect_op("}", "to close the set");
			return s;
		}
		if (t.text == "...") {
			next();
			unsupported(t.start, "Ellipsis");
		}
		if (t.text == "*") unsupported(t.start, "starred expression");
		syntax(t.start, "invalid syntax near " + describe(t));
	}

	// Adjacent string literals concatenate; any f-string among them makes the result one.
	Ptr parse_strings() {
		int pos = peek().start;
		bool any_f = false, any_bytes = false, any_str = false;
		std::vector<FPart> parts;
		std::string pending;
		while (peek().type == T::Str) {
			const Token& t = next();
			bool raw = t.text.find('r') != std::string::npos;
			bool bytes = t.text.find('b') != std::string::npos;
			bool f = t.text.find('f') != std::string::npos;
			if (bytes && f) syntax(t.start, "invalid string prefix");
			if (t.text.find('u') != std::string::npos && (raw || bytes || f))
				syntax(t.start, "invalid string prefix");
			(bytes ? any_bytes : any_str) = true;
			if (any_bytes && any_str) syntax(t.start, "cannot mix bytes and nonbytes literals");
			std::string_view body = src_.substr(static_cast<std::size_t>(t.body_start),
			                                    static_cast<std::size_t>(t.body_end - t.body_start));
			if (!f) {
				pending += unescape(body, raw, bytes, t.start);
				continue;
			}
			any_f = true;
			parse_fstring(body, t.body_start, raw, parts, pending);
		}
		if (!any_f) {
			Ptr n = node(K::Const, pos);
			n->value = any_bytes ? Value::bytes(std::move(pending)) : Value::str(std::move(pending));
			return n;
		}
		if (!pending.empty()) parts.push_back(FPart{std::move(pending), nullptr, 0, nullptr});
		Ptr n = node(K::FString, pos);
		n->fparts = std::move(parts);
		return n;
	}

	void parse_fstring(std::string_view body, int base, bool raw, std::vector<FPart>& parts,
	                   std::string& pending) {
		std::size_t i = 0;
		std::string lit;
		auto flush_lit = [&]() {
			pending += unescape(lit, raw, false, base);
			lit.clear();
		};
		while (i < body.size()) {
			char c = body[i];
			if (c == '{' && i + 1 < body.size() && body[i + 1] == '{') {
				lit += '{';
				i += 2;
				continue;
			}
			if (c == '}') {
				if (i + 1 < body.size() && body[i + 1] == '}') {
					lit += '}';
					i += 2;
					continue;
				}
				syntax(base + static_cast<int>(i), "f-string: single '}' is not allowed");
			}
			if (c == '\\' && !raw && i + 1 < body.size()) {
				lit += body.substr(i, 2);
				i += 2;
				continue;
			}
			if (c != '{') {
				lit += c;
				++i;
				continue;
			}
			flush_lit();
			FPart part;
			part.literal = std::move(pending);
			pending.clear();
			parse_field(body, base, raw, i, part);
			parts.push_back(std::move(part));
		}
		flush_lit();
	}

	// body[i] == '{'; on return i is past the closing '}'.
	void parse_field(std::string_view body, int base, bool raw, std::size_t& i, FPart& part) {
		std::size_t start = ++i;
		int depth = 0;
		char quote = 0;
		std::size_t expr_end = std::string_view::npos;
		for (; i < body.size(); ++i) {
			char c = body[i];
			if (quote) {
				if (c == quote) quote = 0;
				continue;
			}
			if (c == '\'' || c == '"')
				quote = c;
			else if (c == '(' || c == '[' || c == '{')
				++depth;
			else if ((c == ')' || c == ']' || c == '}') && depth > 0)
				--depth;
			else if (depth == 0 &&
			         (c == '}' || c == ':' || (c == '!' && (i + 1 >= body.size() || body[i + 1] != '=')))) {
				expr_end = i;
				break;
			}
			if (c == '=' && depth == 0 && i + 1 < body.size() &&
			    (body[i + 1] == '}' || body[i + 1] == '!' || body[i + 1] == ':') && i > start &&
			    body[i - 1] != '=' && body[i - 1] != '!' && body[i - 1] != '<' && body[i - 1] != '>')
				unsupported(base + static_cast<int>(i), "self-documenting f-string fields (=)");
		}
		if (expr_end == std::string_view::npos)
			syntax(base + static_cast<int>(start) - 1, "f-string: expecting '}'");
		std::string_view expr_text = body.substr(start, expr_end - start);
		if (expr_text.find_first_not_of(" \t\n") == std::string_view::npos)
			syntax(base + static_cast<int>(start), "f-string: empty expression not allowed");
		if (expr_text.find('\\') != std::string_view::npos)
			syntax(base + static_cast<int>(start), "f-string expression part cannot include a backslash");
		part.expr = parse_fragment(base + static_cast<int>(start), expr_text);
		if (body[i] == '!') {
			if (i + 1 >= body.size() || !std::strchr("rsa", body[i + 1]))
				syntax(base + static_cast<int>(i),
				       "f-string: invalid conversion character: expected 's', 'r', or 'a'");
			part.conversion = body[i + 1];
			i += 2;
		}
		if (i < body.size() && body[i] == ':') {
			++i;
			// The spec runs to the matching '}' and may contain nested fields.
			std::size_t spec_start = i;
			int d = 0;
			for (; i < body.size(); ++i) {
				if (body[i] == '{')
					++d;
				else if (body[i] == '}') {
					if (d == 0) break;
					--d;
				}
			}
			std::vector<FPart> spec_parts;
			std::string spec_pending;
			parse_fstring(body.substr(spec_start, i - spec_start), base + static_cast<int>(spec_start), raw,
			              spec_parts, spec_pending);
			if (!spec_pending.empty())
				spec_parts.push_back(FPart{std::move(spec_pending), nullptr, 0, nullptr});
			part.spec = std::make_unique<Node>(K::FString, base + static_cast<int>(spec_start));
			part.spec->fparts = std::move(spec_parts);
		}
		if (i >= body.size() || body[i] != '}')
			syntax(base + static_cast<int>(start) - 1, "f-string: expecting '}'");
		++i;
	}

	Ptr parse_fragment(int offset, std::string_view text) {
		// Lex the fragment in place so positions refer to the whole source.
		std::string padded(static_cast<std::size_t>(offset), ' ');
		padded += text;
		std::string_view kept = padded_source(padded);
		std::vector<Token> toks = Lexer(kept).run();
		Parser sub(kept, std::move(toks));
		return sub.parse_sub();
	}

	std::string_view padded_source(const std::string& padded) {
		keep_.push_back(std::make_unique<std::string>(padded));
		return *keep_.back();
	}

	std::string_view src_;
	std::vector<Token> t_;
	std::size_t p_ = 0;
	int depth_ = 0;
	std::vector<std::unique_ptr<std::string>> keep_;
};

} // namespace

Ptr parse(std::string_view source) {
	std::vector<Token> toks = Lexer(source).run();
	Parser p(source, std::move(toks));
	return p.parse_all();
}

} // namespace meles::rd::expr::ast
