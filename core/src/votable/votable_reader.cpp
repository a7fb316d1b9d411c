// Streaming VOTable parsing with expat: XML events drive a small state machine that collects
// the first TABLE's metadata, then decodes TABLEDATA cells or base64 BINARY/BINARY2 streams
// into RowBatches.  Memory: one batch, one TD's text, one partial binary row.
#include "meles/core/votable/votable_reader.hpp"

#include "formats/base64.hpp"
#include "formats/binary_rows.hpp"
#include "formats/byte_buffer.hpp"
#include "formats/unicode.hpp"
#include "meles/core/adql/identifiers.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <expat.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>

namespace meles::votable {

// Fills a RowBatch; lives here so the batch's storage stays private to readers.
class BatchBuilder {
public:
	explicit BatchBuilder(RowBatch& b) : b_(b) {}

	void reset(const std::vector<ValueKind>& kinds) {
		b_.kinds_ = kinds;
		clear(1);
	}
	void clear(std::uint64_t first_row) {
		b_.cells_.clear();
		b_.text_.clear();
		b_.ints_.clear();
		b_.doubles_.clear();
		b_.bools_.clear();
		b_.rows_ = 0;
		b_.first_row_ = first_row;
	}
	// Appends a row of null cells; the caller then fills them.
	void add_row() {
		b_.cells_.resize(b_.cells_.size() + b_.kinds_.size());
		row_ = b_.cells_.data() + b_.rows_ * b_.kinds_.size();
		for (std::size_t c = 0; c < b_.kinds_.size(); ++c) {
			row_[c].off = 0;
			row_[c].len = 0;
			row_[c].null = true;
		}
		++b_.rows_;
	}
	// Forgets the last row (a binary row found incomplete is re-read later).
	void drop_row() {
		--b_.rows_;
		b_.cells_.resize(b_.rows_ * b_.kinds_.size());
	}
	void set_int(std::size_t c, std::int64_t v) {
		row_[c].i = v;
		row_[c].null = false;
	}
	void set_double(std::size_t c, double v) {
		row_[c].d = v;
		row_[c].null = false;
	}
	std::string& text() { return b_.text_; }
	std::vector<std::int64_t>& ints() { return b_.ints_; }
	std::vector<double>& doubles() { return b_.doubles_; }
	std::vector<std::int8_t>& bools() { return b_.bools_; }
	// Marks cell c as holding arena elements [off, current end).
	void set_span(std::size_t c, std::size_t off, std::size_t end) {
		row_[c].off = off;
		row_[c].len = static_cast<std::uint32_t>(end - off);
		row_[c].null = false;
	}
	std::size_t rows() const { return b_.rows_; }
	std::size_t arena_bytes() const {
		return b_.text_.size() + 8 * (b_.ints_.size() + b_.doubles_.size()) + b_.bools_.size();
	}
	std::uint64_t first_row() const { return b_.first_row_; }

private:
	RowBatch& b_;
	RowBatch::Cell* row_ = nullptr;
};

namespace {

using formats::ByteBuffer;

constexpr char kNsSep = '\x01';

bool parse_datatype(std::string_view s, Datatype& out) {
	static constexpr std::pair<std::string_view, Datatype> kNames[] = {
	    {"boolean", Datatype::Boolean},
	    {"bit", Datatype::Bit},
	    {"unsignedByte", Datatype::UnsignedByte},
	    {"short", Datatype::Short},
	    {"int", Datatype::Int},
	    {"long", Datatype::Long},
	    {"char", Datatype::Char},
	    {"unicodeChar", Datatype::UnicodeChar},
	    {"float", Datatype::Float},
	    {"double", Datatype::Double},
	    {"floatComplex", Datatype::FloatComplex},
	    {"doubleComplex", Datatype::DoubleComplex},
	};
	for (auto& [n, d] : kNames)
		if (n == s) {
			out = d;
			return true;
		}
	return false;
}

const char* datatype_word(Datatype d) {
	switch (d) {
	case Datatype::Boolean:
		return "a boolean";
	case Datatype::Bit:
		return "a bit";
	case Datatype::UnsignedByte:
		return "an unsignedByte";
	case Datatype::Short:
		return "a short";
	case Datatype::Int:
		return "an int";
	case Datatype::Long:
		return "a long";
	case Datatype::Char:
		return "a char";
	case Datatype::UnicodeChar:
		return "a unicodeChar";
	case Datatype::Float:
		return "a float";
	case Datatype::Double:
		return "a double";
	case Datatype::FloatComplex:
		return "a floatComplex";
	case Datatype::DoubleComplex:
		return "a doubleComplex";
	}
	return "a value";
}

bool is_integer_type(Datatype d) {
	return d == Datatype::UnsignedByte || d == Datatype::Short || d == Datatype::Int || d == Datatype::Long;
}

bool is_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Integer in TABLEDATA syntax: optional sign and decimal digits, or 0x and hex digits (the bit
// pattern of the type, so 0xFFFF is -1 for a short).
bool parse_integer(std::string_view t, Datatype d, std::int64_t& v) {
	if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		std::uint64_t u = 0;
		auto [p, ec] = std::from_chars(t.data() + 2, t.data() + t.size(), u, 16);
		if (ec != std::errc() || p != t.data() + t.size()) return false;
		switch (d) {
		case Datatype::UnsignedByte:
			if (u > 0xFF) return false;
			v = static_cast<std::int64_t>(u);
			return true;
		case Datatype::Short:
			if (u > 0xFFFF) return false;
			v = static_cast<std::int16_t>(u);
			return true;
		case Datatype::Int:
			if (u > 0xFFFFFFFFu) return false;
			v = static_cast<std::int32_t>(u);
			return true;
		default:
			v = static_cast<std::int64_t>(u);
			return true;
		}
	}
	if (!t.empty() && t[0] == '+') t.remove_prefix(1);
	auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
	if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return false;
	switch (d) {
	case Datatype::UnsignedByte:
		return v >= 0 && v <= 255;
	case Datatype::Short:
		return v >= -32768 && v <= 32767;
	case Datatype::Int:
		return v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max();
	default:
		return true;
	}
}

bool parse_floating(std::string_view t, double& v) {
	if (!t.empty() && t[0] == '+') t.remove_prefix(1);
	if (t.empty()) return false;
	auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
	if (ec == std::errc::result_out_of_range) {
		// Underflow reads as zero, overflow as infinity, as the standard says.
		bool negative = t[0] == '-';
		auto e = t.find_first_of("eE");
		bool underflow = e != std::string_view::npos && e + 1 < t.size() && t[e + 1] == '-';
		v = underflow ? (negative ? -0.0 : 0.0) : (negative ? -HUGE_VAL : HUGE_VAL);
		return p == t.data() + t.size();
	}
	return ec == std::errc() && p == t.data() + t.size();
}

// 1: true, 0: false, -1: null, -2: not a boolean.
int parse_boolean(std::string_view t) {
	if (t.size() == 1) {
		switch (t[0]) {
		case 'T':
		case 't':
		case '1':
			return 1;
		case 'F':
		case 'f':
		case '0':
			return 0;
		case '?':
		case ' ':
			return -1;
		}
		return -2;
	}
	if (t.empty()) return -1;
	if (iequals(t, "true")) return 1;
	if (iequals(t, "false")) return 0;
	return -2;
}

// Text of a char column: VOTable up to 1.5 says ASCII, 1.6 UTF-8; old files carry Latin-1.
// Valid UTF-8 passes unchanged, anything else is read as Latin-1.
void append_char_text(std::string& out, const char* p, std::size_t n) {
	std::string_view s(p, n);
	bool ascii = true;
	for (char c : s)
		if (static_cast<unsigned char>(c) >= 0x80) {
			ascii = false;
			break;
		}
	if (ascii || formats::is_valid_utf8(s)) {
		out.append(s);
		return;
	}
	for (char c : s)
		formats::append_utf8(out, static_cast<unsigned char>(c));
}

struct Decode {
	Datatype type;
	ValueKind kind;
	bool variable;
	std::uint64_t fixed; // elements when fixed (complex: components)
	std::uint64_t step;  // elements per unit of the variable count
	std::uint8_t width;  // bytes per element (complex: per component); bit: 0
	bool has_null = false;
	std::int64_t null_value = 0;
	// TABLEDATA and BINARY write a null fixed-size array or DALI shape as all-NaN / all-magic
	// elements; such a cell reads as null.
	bool all_null_means_null = false;
};

// Follows the raw bytes through XML markup, so that no tag (with its attributes), comment,
// processing instruction or declaration grows beyond a limit before expat sees it.  expat
// before 2.6 (Debian 12's 2.5.0 up to +deb12u1) scans an unfinished token again from its start
// whenever more bytes arrive: a token of n bytes in pieces of k costs n²/k.  Character data
// and CDATA sections are not tokens of that kind and are not limited here.  The guard is
// approximate in ways that only ever make it more lenient, never refuse well-formed input
// whose markup stays within the limit.
class MarkupGuard {
public:
	explicit MarkupGuard(std::size_t limit) : limit_(limit) {}

	void scan(const char* p, std::size_t n) {
		const char* end = p + n;
		while (p < end) {
			switch (state_) {
			case S::Text: {
				auto* lt = static_cast<const char*>(std::memchr(p, '<', static_cast<std::size_t>(end - p)));
				if (!lt) return;
				p = lt + 1;
				state_ = S::Open;
				len_ = 1;
				continue;
			}
			case S::Open:
				if (*p == '!') {
					state_ = S::Bang;
					lead_.clear();
				} else if (*p == '?') {
					state_ = S::Pi;
					mark_ = 0;
				} else {
					state_ = S::Tag;
					continue; // the character is the tag's first
				}
				++p;
				++len_;
				continue;
			case S::Bang:
				// "<!--" comment, "<![CDATA[" character data, else a declaration (DOCTYPE).
				lead_ += *p++;
				++len_;
				if (lead_ == "--") {
					state_ = S::Comment;
					mark_ = 0;
				} else if (lead_ == "[CDATA[") {
					state_ = S::Cdata;
					mark_ = 0;
				} else if (!std::string_view("--").starts_with(lead_) &&
				           !std::string_view("[CDATA[").starts_with(lead_)) {
					state_ = S::Decl;
					depth_ = 0;
					mark_ = 0;
				}
				continue;
			case S::Tag:
				for (; p < end; ++p) {
					char c = *p;
					if (c == '>') {
						state_ = S::Text;
						++p;
						break;
					}
					if (c == '"' || c == '\'') {
						quote_ = c;
						state_ = S::Quote;
						++len_;
						++p;
						break;
					}
					++len_;
				}
				break;
			case S::Quote: {
				auto* q = static_cast<const char*>(std::memchr(p, quote_, static_cast<std::size_t>(end - p)));
				const char* stop = q ? q + 1 : end;
				len_ += static_cast<std::size_t>(stop - p);
				p = stop;
				if (q) state_ = S::Tag;
				break;
			}
			case S::Comment: // ends with "-->"
				for (; p < end; ++p, ++len_) {
					if (*p == '>' && mark_ >= 2) {
						state_ = S::Text;
						++p;
						break;
					}
					mark_ = *p == '-' ? mark_ + 1 : 0;
				}
				break;
			case S::Pi: // ends with "?>"
				for (; p < end; ++p, ++len_) {
					if (*p == '>' && mark_) {
						state_ = S::Text;
						++p;
						break;
					}
					mark_ = *p == '?';
				}
				break;
			case S::Cdata: // ends with "]]>"; its content is character data
				for (; p < end; ++p) {
					if (*p == '>' && mark_ >= 2) {
						state_ = S::Text;
						++p;
						break;
					}
					mark_ = *p == ']' ? mark_ + 1 : 0;
				}
				len_ = 0;
				break;
			case S::Decl:
				// A DOCTYPE may hold an internal subset in [...] with quoted literals and comments.
				for (; p < end; ++p, ++len_) {
					char c = *p;
					if (c == '"' || c == '\'') {
						quote_ = c;
						state_ = S::DeclQuote;
						++p;
						++len_;
						break;
					}
					if (c == '-' && mark_ == 3) {
						state_ = S::DeclComment; // "<!--" inside the subset
						mark_ = 0;
						++p;
						++len_;
						break;
					}
					mark_ = c == '<' ? 1 : (c == '!' && mark_ == 1) ? 2 : (c == '-' && mark_ == 2) ? 3 : 0;
					if (c == '[') ++depth_;
					if (c == ']' && depth_ > 0) --depth_;
					if (c == '>' && depth_ == 0) {
						state_ = S::Text;
						++p;
						++len_;
						break;
					}
				}
				break;
			case S::DeclQuote: {
				auto* q = static_cast<const char*>(std::memchr(p, quote_, static_cast<std::size_t>(end - p)));
				const char* stop = q ? q + 1 : end;
				len_ += static_cast<std::size_t>(stop - p);
				p = stop;
				if (q) {
					state_ = S::Decl;
					mark_ = 0;
				}
				break;
			}
			case S::DeclComment:
				for (; p < end; ++p, ++len_) {
					if (*p == '>' && mark_ >= 2) {
						state_ = S::Decl;
						mark_ = 0;
						++p;
						++len_;
						break;
					}
					mark_ = *p == '-' ? mark_ + 1 : 0;
				}
				break;
			}
			if (state_ != S::Text && len_ > limit_) too_long();
		}
	}

private:
	enum class S { Text, Open, Bang, Tag, Quote, Comment, Pi, Cdata, Decl, DeclQuote, DeclComment };

	[[noreturn]] void too_long() const {
		const char* what = "tag";
		switch (state_) {
		case S::Comment:
			what = "comment";
			break;
		case S::Pi:
			what = "processing instruction";
			break;
		case S::Decl:
		case S::DeclQuote:
		case S::DeclComment:
			what = "declaration";
			break;
		default:
			break;
		}
		throw Error(ErrorKind::Limit,
		            concat("the upload has a ", what, " longer than ", std::to_string(limit_), " bytes",
		                   state_ == S::Tag || state_ == S::Quote ? " with its attributes" : "",
		                   " (the limit for one tag, comment or declaration)"));
	}

	std::size_t limit_;
	S state_ = S::Text;
	std::size_t len_ = 0;
	std::string lead_;
	char quote_ = '"';
	int mark_ = 0;
	int depth_ = 0;
};

} // namespace

struct VOTableReader::Impl {
	Impl(VOTableConsumer& c, ReaderOptions o)
	    : consumer(c), opts(o), builder(batch), guard(o.max_markup_bytes) {
		parser = XML_ParserCreateNS(nullptr, kNsSep);
		if (!parser) throw Error(ErrorKind::Internal, "cannot create an XML parser");
		XML_SetUserData(parser, this);
		XML_SetElementHandler(parser, &Impl::on_start, &Impl::on_end);
		XML_SetCharacterDataHandler(parser, &Impl::on_text);
		// Nothing outside the document is ever read: no external DTD or parameter entities,
		// no entity declarations at all (VOTables need none, and expansion multiplies the
		// input), and a reference expat cannot resolve is an error, not an empty string.
		XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
		XML_SetEntityDeclHandler(parser, &Impl::on_entity_decl);
		XML_SetSkippedEntityHandler(parser, &Impl::on_skipped_entity);
		XML_SetExternalEntityRefHandler(parser, &Impl::on_external_entity);
	}
	~Impl() { XML_ParserFree(parser); }

	// ---- expat glue: exceptions must not cross the C library, so they are parked here. ----
	static void XMLCALL on_start(void* ud, const XML_Char* name, const XML_Char** atts) {
		auto* self = static_cast<Impl*>(ud);
		try {
			self->start(name, atts);
		} catch (...) {
			self->park();
		}
	}
	static void XMLCALL on_end(void* ud, const XML_Char* name) {
		auto* self = static_cast<Impl*>(ud);
		try {
			self->end(name);
		} catch (...) {
			self->park();
		}
	}
	static void XMLCALL on_text(void* ud, const XML_Char* s, int len) {
		auto* self = static_cast<Impl*>(ud);
		try {
			self->text(std::string_view(s, static_cast<std::size_t>(len)));
		} catch (...) {
			self->park();
		}
	}
	static void XMLCALL on_entity_decl(void* ud, const XML_Char* name, int, const XML_Char*, int,
	                                   const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*) {
		auto* self = static_cast<Impl*>(ud);
		try {
			throw Error(ErrorKind::Validation, concat("the upload declares the entity '", excerpt(name),
			                                          "'; entity declarations are not accepted in uploads"));
		} catch (...) {
			self->park();
		}
	}
	static void XMLCALL on_skipped_entity(void* ud, const XML_Char* name, int parameter) {
		auto* self = static_cast<Impl*>(ud);
		try {
			throw Error(ErrorKind::Validation,
			            concat("the upload refers to the entity ", parameter ? "%" : "&", excerpt(name),
			                   ";, which is not defined (VOTables use no entities but the predefined ones, "
			                   "&lt; &gt; &amp; &quot; &apos;, and character references)"));
		} catch (...) {
			self->park();
		}
	}
	// Unreachable while declarations are refused; should that change, nothing is fetched.
	static int XMLCALL on_external_entity(XML_Parser p, const XML_Char*, const XML_Char*,
	                                      const XML_Char* system_id, const XML_Char*) {
		auto* self = static_cast<Impl*>(XML_GetUserData(p));
		try {
			throw Error(ErrorKind::Validation, concat("the upload refers to an external entity (",
			                                          excerpt(system_id ? system_id : ""),
			                                          "); external entities are never fetched"));
		} catch (...) {
			if (!self->pending) self->pending = std::current_exception();
		}
		return XML_STATUS_ERROR;
	}
	void park() {
		if (!pending) pending = std::current_exception();
		XML_StopParser(parser, XML_FALSE);
	}

	// Bytes from the caller: checked by the markup guard at once, parsed in steps of at least
	// kParseStep bytes (see MarkupGuard for why small steps cost).
	static constexpr std::size_t kParseStep = 256 * 1024;
	void feed(std::string_view bytes) {
		if (failed) throw Error(ErrorKind::Internal, "VOTable reader used after an error");
		try {
			guard.scan(bytes.data(), bytes.size());
		} catch (...) {
			failed = true;
			throw;
		}
		if (held.empty() && bytes.size() >= kParseStep) return parse(bytes.data(), bytes.size(), false);
		if (held.capacity() < kParseStep) held.reserve(kParseStep + (64 << 10));
		held.append(bytes);
		if (held.size() >= kParseStep) {
			parse(held.data(), held.size(), false);
			held.clear();
		}
	}

	void parse(const char* data, std::size_t n, bool final) {
		if (failed) throw Error(ErrorKind::Internal, "VOTable reader used after an error");
		while (true) {
			int chunk = static_cast<int>(std::min<std::size_t>(n, 1 << 30));
			bool last = final && static_cast<std::size_t>(chunk) == n;
			if (XML_Parse(parser, data, chunk, last) == XML_STATUS_ERROR) {
				failed = true;
				if (pending) std::rethrow_exception(pending);
				throw Error(
				    ErrorKind::Syntax,
				    concat("the upload is not well-formed XML: ", XML_ErrorString(XML_GetErrorCode(parser)),
				           " (line ", std::to_string(XML_GetCurrentLineNumber(parser)), ", column ",
				           std::to_string(XML_GetCurrentColumnNumber(parser) + 1), ")"));
			}
			data += chunk;
			n -= static_cast<std::size_t>(chunk);
			if (n == 0) break;
		}
	}

	// ---- element handling ----
	static std::string_view attr(const XML_Char** atts, std::string_view name) {
		for (int i = 0; atts[i]; i += 2)
			if (name == atts[i]) return atts[i + 1];
		return {};
	}
	static bool has_attr(const XML_Char** atts, std::string_view name) {
		for (int i = 0; atts[i]; i += 2)
			if (name == atts[i]) return true;
		return false;
	}

	// Local name of a VOTable element, or "" for elements of other namespaces (MIVOT, ...).
	static std::string_view local(const XML_Char* name) {
		std::string_view n(name);
		auto sep = n.find(kNsSep);
		if (sep == std::string_view::npos) return n;
		if (n.substr(0, sep).rfind("http://www.ivoa.net/xml/VOTable/", 0) != 0) return {};
		return n.substr(sep + 1);
	}

	// Name without its namespace URI ("uri\x01local" → "local").
	static std::string_view unqualified(std::string_view n) { return n.substr(n.find(kNsSep) + 1); }

	void check_names(const XML_Char* raw_name, const XML_Char** atts) const {
		std::string_view el = unqualified(raw_name);
		auto long_name = [&](std::string_view n) {
			return Error(ErrorKind::Limit,
			             concat("the upload has an element or attribute name longer than ",
			                    std::to_string(opts.max_name_bytes), " bytes ('", excerpt(n), "')"));
		};
		if (el.size() > opts.max_name_bytes) throw long_name(el);
		for (int i = 0; atts[i]; i += 2) {
			std::string_view a = unqualified(atts[i]);
			if (a.size() > opts.max_name_bytes) throw long_name(a);
			if (a != "value" && std::strlen(atts[i + 1]) > opts.max_attribute_bytes)
				throw Error(ErrorKind::Limit, concat("the attribute ", a, " of a ", el, " is longer than ",
				                                     std::to_string(opts.max_attribute_bytes), " bytes ('",
				                                     excerpt(atts[i + 1]), "')"));
		}
	}

	void start(const XML_Char* raw_name, const XML_Char** atts) {
		if (++depth > opts.max_depth)
			throw Error(ErrorKind::Limit,
			            concat("the upload nests elements deeper than ", std::to_string(opts.max_depth),
			                   " levels (VOTables need about 10)"));
		check_names(raw_name, atts);
		if (foreign_depth) {
			++foreign_depth;
			return;
		}
		std::string_view name = local(raw_name);
		if (depth == 1) {
			if (name != "VOTABLE")
				throw Error(ErrorKind::Validation, concat("not a VOTable: the document's root element is '",
				                                          excerpt(unqualified(raw_name)), "'"));
			schema.version = std::string(attr(atts, "version"));
			seen_root = true;
			return;
		}
		if (name.empty()) {
			foreign_depth = 1;
			return;
		}
		collect = nullptr;
		if (state == State::InData) return start_data_element(name, atts);
		if (name == "RESOURCE") {
			resource_names.emplace_back(attr(atts, "name"));
		} else if (name == "TABLE") {
			if (state == State::Before) {
				state = State::InTable;
				table_depth = depth;
				schema.table_name = std::string(attr(atts, "name"));
				schema.resource_name = resource_names.empty() ? "" : resource_names.back();
			}
		} else if (name == "FIELD") {
			if (state == State::InTable && depth == table_depth + 1) {
				in_field = true;
				field = FieldInfo{};
				read_field_attrs(field, atts);
			}
		} else if (name == "PARAM") {
			if (state != State::After) {
				in_param = true;
				param = ParamInfo{};
				read_field_attrs(param.field, atts);
				param.value = std::string(attr(atts, "value"));
			}
		} else if (name == "VALUES") {
			if (in_field)
				field.null_text = std::string(attr(atts, "null"));
			else if (in_param)
				param.field.null_text = std::string(attr(atts, "null"));
		} else if (name == "DESCRIPTION") {
			if (in_field)
				collect_into(field.meta.description);
			else if (in_param)
				collect_into(param.field.meta.description);
			else if (state == State::InTable && depth == table_depth + 1)
				collect_into(schema.description);
		} else if (name == "INFO") {
			if (state != State::After || trailing_open) {
				info = TableInfo{std::string(attr(atts, "name")), std::string(attr(atts, "value")), {}};
				in_info = true;
				collect_into(info.content);
			}
		} else if (name == "DATA") {
			if (state == State::InTable) {
				state = State::InData;
				data_depth = depth;
			}
		}
	}

	void end(const XML_Char* raw_name) {
		--depth;
		if (foreign_depth) {
			--foreign_depth;
			return;
		}
		std::string_view name = local(raw_name);
		collect = nullptr;
		if (state == State::InData) {
			if (depth + 1 == data_depth) {
				end_data();
				state = State::InTable;
				data_done = true;
			} else {
				end_data_element(name);
			}
			return;
		}
		if (name == "RESOURCE") {
			if (!resource_names.empty()) resource_names.pop_back();
		} else if (name == "TABLE") {
			if (state == State::InTable && depth + 1 == table_depth) {
				if (!schema_delivered) deliver_schema();
				state = State::After;
				trailing_open = true;
			}
		} else if (name == "FIELD") {
			if (in_field) {
				in_field = false;
				if (schema.fields.size() >= opts.max_fields)
					throw Error(ErrorKind::Limit,
					            concat("the TABLE has more than ", std::to_string(opts.max_fields),
					                   " FIELDs, the limit here"));
				schema.fields.push_back(std::move(field));
			}
		} else if (name == "PARAM") {
			if (in_param) {
				in_param = false;
				finish_field(param.field, "PARAM");
				count_param_or_info();
				schema.params.push_back(std::move(param));
			}
		} else if (name == "INFO") {
			if (in_info) {
				in_info = false;
				count_param_or_info();
				if (state == State::Before || (state == State::InTable && !data_done))
					schema.infos.push_back(std::move(info));
				else
					trailing.push_back(std::move(info));
			}
		}
	}

	void text(std::string_view s) {
		if (stream_active) return stream_text(s);
		if (collect) {
			if (collect == &td) {
				if (collect->size() + s.size() > opts.max_cell_bytes) too_big();
			} else if (collect->size() + s.size() > opts.max_text_bytes) {
				throw Error(ErrorKind::Limit, concat("a DESCRIPTION or INFO of the upload is longer than ",
				                                     std::to_string(opts.max_text_bytes), " bytes"));
			}
			collect->append(s);
		}
	}
	void collect_into(std::string& s) {
		s.clear();
		collect = &s;
	}
	void count_param_or_info() {
		if (schema.params.size() + schema.infos.size() + trailing.size() >= opts.max_params_infos)
			throw Error(ErrorKind::Limit,
			            concat("the VOTable has more than ", std::to_string(opts.max_params_infos),
			                   " PARAMs and INFOs, the limit here"));
	}

	static void read_field_attrs(FieldInfo& f, const XML_Char** atts) {
		f.meta.name = std::string(attr(atts, "name"));
		f.id = std::string(attr(atts, "ID"));
		f.ref = std::string(attr(atts, "ref"));
		f.datatype_name = std::string(attr(atts, "datatype"));
		f.arraysize = std::string(trim(attr(atts, "arraysize")));
		f.xtype = std::string(attr(atts, "xtype"));
		f.meta.unit = std::string(attr(atts, "unit"));
		f.meta.ucd = std::string(attr(atts, "ucd"));
		f.meta.utype = std::string(attr(atts, "utype"));
		f.meta.xtype = f.xtype;
		if (!has_attr(atts, "datatype")) f.datatype_name.clear();
	}

	// Works out element counts, value kind, null value and storage type of a FIELD or PARAM.
	void finish_field(FieldInfo& f, const char* what) {
		std::string label = concat(what, " '", excerpt(f.meta.name), "'");
		if (f.meta.name.empty()) throw Error(ErrorKind::Validation, concat("a ", what, " has no name"));
		if (f.datatype_name.empty()) throw Error(ErrorKind::Validation, concat(label, " has no datatype"));
		if (!parse_datatype(f.datatype_name, f.datatype))
			throw Error(ErrorKind::Validation,
			            concat(label, " has an unknown datatype '", excerpt(f.datatype_name), "'"));
		// ADQL's rule (reserved words too), so that every consumer -- TAP_UPLOAD, user tables,
		// ingestion -- stores and shows the name the same way.
		f.meta.delimited = !adql::is_regular_identifier(f.meta.name);
		std::string as = f.arraysize;
		f.scalar = as.empty() || as == "1";
		f.elements = 1;
		f.variable = false;
		if (!f.scalar) {
			auto dims = split(as, 'x');
			for (std::size_t i = 0; i < dims.size(); ++i) {
				std::string_view d = trim(dims[i]);
				bool last = i + 1 == dims.size();
				if (last && !d.empty() && d.back() == '*') {
					f.variable = true;
					d.remove_suffix(1); // "n*" only bounds the length
					if (!d.empty()) {
						std::uint64_t bound = 0;
						auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), bound);
						if (ec != std::errc() || p != d.data() + d.size())
							throw Error(ErrorKind::Validation,
							            concat(label, " has a bad arraysize '", excerpt(as), "'"));
					}
					break;
				}
				std::uint64_t n = 0;
				auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), n);
				if (ec != std::errc() || p != d.data() + d.size() || n == 0 || n > (1u << 30))
					throw Error(ErrorKind::Validation,
					            concat(label, " has a bad arraysize '", excerpt(as), "'"));
				f.elements *= n;
				if (f.elements > (1u << 30))
					throw Error(ErrorKind::Validation,
					            concat(label, " has an arraysize too large: '", excerpt(as), "'"));
			}
		}
		bool complex = f.datatype == Datatype::FloatComplex || f.datatype == Datatype::DoubleComplex;
		if (complex) f.elements *= 2;
		switch (f.datatype) {
		case Datatype::Boolean:
		case Datatype::Bit:
			f.kind = f.scalar ? ValueKind::Bool : ValueKind::BoolArray;
			break;
		case Datatype::UnsignedByte:
		case Datatype::Short:
		case Datatype::Int:
		case Datatype::Long:
			f.kind = f.scalar ? ValueKind::Int : ValueKind::IntArray;
			break;
		case Datatype::Float:
		case Datatype::Double:
			f.kind = f.scalar ? ValueKind::Double : ValueKind::DoubleArray;
			break;
		case Datatype::FloatComplex:
		case Datatype::DoubleComplex:
			f.kind = ValueKind::DoubleArray;
			break;
		case Datatype::Char:
		case Datatype::UnicodeChar:
			f.kind = ValueKind::Text;
			break;
		}
		if (!f.null_text.empty() && is_integer_type(f.datatype)) {
			std::int64_t v = 0;
			if (!parse_integer(trim(f.null_text), f.datatype, v))
				throw Error(ErrorKind::Validation, concat(label, ": VALUES null='", excerpt(f.null_text),
				                                          "' is not ", datatype_word(f.datatype)));
			f.null_int = v;
			f.meta.null_literal = f.null_text;
		}
		try {
			f.meta.type = sql_type_from_votable(f.datatype_name, f.arraysize, f.xtype);
		} catch (const Error& e) {
			f.storage_problem = concat("column '", excerpt(f.meta.name), "': ", e.message());
		}
	}

	void deliver_schema() {
		if (schema_delivered)
			throw Error(ErrorKind::Validation, "the table has more than one DATA serialization");
		schema_delivered = true;
		// Without columns a row has no bytes: nothing could ever advance through the data.
		if (schema.fields.empty())
			throw Error(ErrorKind::Validation, "the TABLE has no FIELD: a table needs at least one column");
		decode.clear();
		std::vector<ValueKind> kinds;
		for (auto& f : schema.fields) {
			finish_field(f, "FIELD");
			Decode d;
			d.type = f.datatype;
			d.kind = f.kind;
			d.variable = f.variable;
			d.fixed = f.elements;
			d.step = f.variable ? f.elements : 0;
			switch (f.datatype) {
			case Datatype::Bit:
				d.width = 0;
				break;
			case Datatype::Boolean:
			case Datatype::UnsignedByte:
			case Datatype::Char:
				d.width = 1;
				break;
			case Datatype::Short:
			case Datatype::UnicodeChar:
				d.width = 2;
				break;
			case Datatype::Int:
			case Datatype::Float:
			case Datatype::FloatComplex:
				d.width = 4;
				break;
			default:
				d.width = 8;
			}
			if (f.null_int) {
				d.has_null = true;
				d.null_value = *f.null_int;
			}
			// elements <= 2^31 (complex), so this cannot overflow.
			std::uint64_t fixed_bytes = d.width ? f.elements * d.width : (f.elements + 7) / 8;
			if (!f.variable && fixed_bytes > opts.max_cell_bytes)
				throw Error(ErrorKind::Limit,
				            concat("FIELD '", excerpt(f.meta.name), "' holds ", std::to_string(fixed_bytes),
				                   " bytes per row, more than the ", std::to_string(opts.max_cell_bytes),
				                   "-byte limit for one cell"));
			bool array = f.kind == ValueKind::BoolArray || f.kind == ValueKind::IntArray ||
			             f.kind == ValueKind::DoubleArray;
			d.all_null_means_null =
			    array && (!f.variable || f.xtype == "point" || f.xtype == "circle" || f.xtype == "polygon");
			decode.push_back(d);
			kinds.push_back(f.kind);
		}
		builder.reset(kinds);
		consumer.on_schema(schema);
	}

	// ---- DATA ----
	void start_data_element(std::string_view name, const XML_Char** atts) {
		if (name == "TABLEDATA") {
			schema.format = DataFormat::Tabledata;
			deliver_schema();
			in_tabledata = true;
		} else if (name == "BINARY" || name == "BINARY2") {
			schema.format = name == "BINARY" ? DataFormat::Binary : DataFormat::Binary2;
			deliver_schema();
			bitmap_bytes = schema.format == DataFormat::Binary2 ? (decode.size() + 7) / 8 : 0;
		} else if (name == "FITS") {
			throw Error(
			    ErrorKind::Validation,
			    "VOTables with FITS-serialized DATA are not supported; use TABLEDATA, BINARY or BINARY2");
		} else if (name == "STREAM") {
			if (schema.format != DataFormat::Binary && schema.format != DataFormat::Binary2) return;
			if (has_attr(atts, "href"))
				throw Error(ErrorKind::Validation,
				            concat("the table's data is in an external STREAM (href=\"",
				                   excerpt(attr(atts, "href")),
				                   "\"); only inline base64 STREAMs are accepted"));
			std::string_view enc = attr(atts, "encoding");
			if (enc == "gzip")
				throw Error(ErrorKind::Validation,
				            "gzip-encoded STREAMs are not supported; send the data with encoding=\"base64\"");
			if (enc != "base64")
				throw Error(ErrorKind::Validation, concat("STREAM encoding \"", excerpt(enc),
				                                          "\" is not supported; inline data must be base64"));
			stream_active = true;
		} else if (name == "TR" && in_tabledata) {
			check_row_limit();
			builder.add_row();
			td_index = 0;
			row_arena_start = builder.arena_bytes();
		} else if (name == "TD" && in_tabledata) {
			td.clear();
			collect = &td;
		} else if (name == "INFO") {
			info = TableInfo{std::string(attr(atts, "name")), std::string(attr(atts, "value")), {}};
			in_info = true;
			collect_into(info.content);
		}
	}

	void end_data_element(std::string_view name) {
		if (name == "TD" && in_tabledata) {
			if (td_index >= decode.size())
				throw Error(ErrorKind::Syntax, concat("row ", std::to_string(row_number()), " has more than ",
				                                      std::to_string(decode.size()), " cells"));
			tabledata_cell(td_index, td);
			++td_index;
			if (builder.arena_bytes() - row_arena_start > opts.max_row_bytes) row_too_big();
		} else if (name == "TR" && in_tabledata) {
			if (td_index != decode.size())
				throw Error(ErrorKind::Syntax,
				            concat("row ", std::to_string(row_number()), " has ", std::to_string(td_index),
				                   " cells, but the table has ", std::to_string(decode.size()), " columns"));
			++rows_done;
			maybe_deliver();
		} else if (name == "TABLEDATA") {
			in_tabledata = false;
		} else if (name == "STREAM" && stream_active) {
			stream_active = false;
			if (!b64.complete())
				throw Error(ErrorKind::Syntax, "the base64 STREAM ends in the middle of a 4-character group");
			parse_binary_rows();
			if (bin_pos != bin.size())
				throw Error(ErrorKind::Syntax,
				            concat("the ", schema.format == DataFormat::Binary2 ? "BINARY2" : "BINARY",
				                   " stream ends inside row ", std::to_string(rows_done + 1)));
		} else if (name == "INFO" && in_info) {
			in_info = false;
			trailing.push_back(std::move(info));
		}
	}

	void end_data() {
		if (!schema_delivered) deliver_schema();
		if (builder.rows()) deliver();
	}

	std::uint64_t row_number() const { return rows_done + 1; }

	void check_row_limit() {
		if (opts.max_rows && rows_done >= opts.max_rows)
			throw Error(ErrorKind::Limit, concat("the uploaded table has more than ",
			                                     std::to_string(opts.max_rows), " rows, the limit here"));
	}

	void maybe_deliver() {
		if (builder.rows() >= opts.batch_rows || builder.arena_bytes() >= opts.batch_bytes) deliver();
	}
	void deliver() {
		consumer.on_rows(batch);
		builder.clear(rows_done + 1);
	}

	[[noreturn]] void cell_error(std::size_t col, std::string_view msg) {
		throw Error(ErrorKind::Syntax, concat("row ", std::to_string(row_number()), ", column '",
		                                      excerpt(schema.fields[col].meta.name), "': ", msg));
	}
	[[noreturn]] void bad_value(std::size_t col, std::string_view text, const char* what) {
		std::string shown(text.substr(0, 60));
		if (text.size() > 60) shown += "...";
		cell_error(col, concat("'", shown, "' is not ", what));
	}
	[[noreturn]] void row_too_big() {
		throw Error(ErrorKind::Limit,
		            concat("row ", std::to_string(row_number()), " is larger than ",
		                   std::to_string(opts.max_row_bytes), " bytes, the limit for one row"));
	}
	[[noreturn]] void too_big() {
		throw Error(ErrorKind::Limit, concat("row ", std::to_string(row_number()), ": a cell is larger than ",
		                                     std::to_string(opts.max_cell_bytes), " bytes"));
	}

	// One TD's text into cell c.
	void tabledata_cell(std::size_t c, const std::string& raw) {
		const Decode& d = decode[c];
		if (d.kind == ValueKind::Text) {
			if (raw.empty()) return; // empty TD: null
			auto& t = builder.text();
			std::size_t off = t.size();
			t.append(raw);
			builder.set_span(c, off, t.size());
			return;
		}
		std::string_view s = trim(raw);
		if (s.empty()) return;
		switch (d.kind) {
		case ValueKind::Bool: {
			int b = parse_boolean(s);
			if (d.type == Datatype::Bit && b >= 0 && s.size() == 1 && s[0] != '0' && s[0] != '1') b = -2;
			if (b == -2) bad_value(c, s, datatype_word(d.type));
			if (b >= 0) builder.set_int(c, b);
			return;
		}
		case ValueKind::Int: {
			std::int64_t v;
			if (!parse_integer(s, d.type, v)) bad_value(c, s, datatype_word(d.type));
			if (!(d.has_null && v == d.null_value)) builder.set_int(c, v);
			return;
		}
		case ValueKind::Double: {
			double v;
			if (!parse_floating(s, v)) bad_value(c, s, datatype_word(d.type));
			if (!std::isnan(v)) builder.set_double(c, d.type == Datatype::Float ? static_cast<float>(v) : v);
			return;
		}
		default:
			return tabledata_array(c, d, s);
		}
	}

	void tabledata_array(std::size_t c, const Decode& d, std::string_view s) {
		std::size_t count = 0;
		std::size_t off;
		if (d.kind == ValueKind::BoolArray) {
			auto& v = builder.bools();
			off = v.size();
			for_each_token(s, [&](std::string_view tok) {
				int b = parse_boolean(tok);
				if (b == -2 || (d.type == Datatype::Bit && tok.size() > 1)) {
					// Bits and booleans may also be written without separators ("0110", "TTF").
					for (char ch : tok) {
						int x = parse_boolean(std::string_view(&ch, 1));
						if (x == -2 || (d.type == Datatype::Bit && ch != '0' && ch != '1'))
							bad_value(c, tok, datatype_word(d.type));
						v.push_back(static_cast<std::int8_t>(x));
						++count;
					}
					return;
				}
				v.push_back(static_cast<std::int8_t>(b));
				++count;
			});
			check_count(c, d, count);
			builder.set_span(c, off, v.size());
		} else if (d.kind == ValueKind::IntArray) {
			auto& v = builder.ints();
			off = v.size();
			for_each_token(s, [&](std::string_view tok) {
				std::int64_t x;
				if (!parse_integer(tok, d.type, x)) bad_value(c, tok, datatype_word(d.type));
				v.push_back(x);
				++count;
			});
			check_count(c, d, count);
			bool all_null = d.has_null && count > 0;
			for (std::size_t i = off; i < v.size() && all_null; ++i)
				all_null = v[i] == d.null_value;
			if (d.all_null_means_null && all_null) {
				v.resize(off);
				return;
			}
			builder.set_span(c, off, v.size());
		} else {
			auto& v = builder.doubles();
			off = v.size();
			bool single = d.type == Datatype::Float || d.type == Datatype::FloatComplex;
			for_each_token(s, [&](std::string_view tok) {
				double x;
				if (!parse_floating(tok, x)) bad_value(c, tok, datatype_word(d.type));
				v.push_back(single ? static_cast<float>(x) : x);
				++count;
			});
			check_count(c, d, count);
			bool all_nan = count > 0;
			for (std::size_t i = off; i < v.size() && all_nan; ++i)
				all_nan = std::isnan(v[i]);
			if (d.all_null_means_null && all_nan) {
				v.resize(off);
				return;
			}
			builder.set_span(c, off, v.size());
		}
	}

	template <typename F> static void for_each_token(std::string_view s, F f) {
		std::size_t i = 0;
		while (i < s.size()) {
			while (i < s.size() && is_space(s[i]))
				++i;
			std::size_t j = i;
			while (j < s.size() && !is_space(s[j]))
				++j;
			if (j > i) f(s.substr(i, j - i));
			i = j;
		}
	}

	void check_count(std::size_t c, const Decode& d, std::size_t n) {
		if (d.variable ? (d.step > 1 && n % d.step) : n != d.fixed)
			cell_error(c, concat("has ", std::to_string(n), " values, but arraysize=\"",
			                     excerpt(schema.fields[c].arraysize), "\"",
			                     (d.type == Datatype::FloatComplex || d.type == Datatype::DoubleComplex)
			                         ? " (complex numbers take two values each)"
			                         : ""));
	}

	// ---- BINARY / BINARY2 ----
	void stream_text(std::string_view s) {
		if (!b64.feed(s, bin))
			throw Error(ErrorKind::Syntax, "the STREAM contains characters that are not base64");
		// expat hands over the text line by line; decoding rows in 64 kB steps avoids re-scanning
		// the same incomplete row for every 57-byte line.
		if (bin.size() - bin_pos >= (1u << 16)) parse_binary_rows();
	}

	// Bytes of one cell at p (avail bytes there), or false when they are not all there yet.
	bool cell_size(std::size_t c, const Decode& d, const char* p, std::size_t avail, std::size_t& size) {
		std::uint64_t n = d.fixed;
		std::size_t head = 0;
		if (d.variable) {
			if (avail < 4) return false;
			std::uint32_t count = formats::load_be32(p);
			n = std::uint64_t(count) * d.step; // < 2^32 * 2^31: fits
			head = 4;
			// Compared as elements: n * width could wrap around (to 0, say) in 64 bits.
			bool too_many = d.width ? n > opts.max_cell_bytes / d.width : (n + 7) / 8 > opts.max_cell_bytes;
			if (too_many)
				cell_error(c, concat("holds ", std::to_string(n), " elements, more than the ",
				                     std::to_string(opts.max_cell_bytes), "-byte limit for one cell"));
		}
		std::uint64_t bytes = d.width ? n * d.width : (n + 7) / 8;
		size = head + static_cast<std::size_t>(bytes);
		return size <= avail;
	}

	void parse_binary_rows() {
		const std::size_t nc = decode.size();
		while (true) {
			const char* row = bin.data() + bin_pos;
			std::size_t avail = bin.size() - bin_pos;
			if (avail == 0 || avail < bitmap_bytes) break;
			// Work out the row length first, so that a row is decoded only when complete.
			std::size_t off = bitmap_bytes;
			bool complete = true;
			for (std::size_t c = 0; c < nc; ++c) {
				std::size_t sz;
				if (!cell_size(c, decode[c], row + off, avail - off, sz)) {
					complete = false;
					break;
				}
				off += sz;
			}
			if (!complete || off > opts.max_row_bytes) {
				// The partial row waits for more bytes; it may not grow without bound.
				if (avail > opts.max_row_bytes || off > opts.max_row_bytes) row_too_big();
				break;
			}
			// Every column takes at least one byte (a variable one its 4-byte count), so each
			// row advances; should that ever not hold, stop rather than loop forever.
			if (off == 0) throw Error(ErrorKind::Internal, "a BINARY row of no bytes");
			check_row_limit();
			builder.add_row();
			const char* p = row + bitmap_bytes;
			for (std::size_t c = 0; c < nc; ++c) {
				bool flagged = bitmap_bytes && ((row[c / 8] >> (7 - c % 8)) & 1);
				p = binary_cell(c, decode[c], p, flagged);
			}
			bin_pos += off;
			++rows_done;
			maybe_deliver();
		}
		// Keep only the unparsed tail (at most one partial row).
		if (bin_pos > (1u << 16) || bin_pos == bin.size()) {
			bin.consume(bin_pos);
			bin_pos = 0;
		}
	}

	const char* binary_cell(std::size_t c, const Decode& d, const char* p, bool flagged) {
		std::uint64_t n = d.fixed;
		if (d.variable) {
			n = std::uint64_t(formats::load_be32(p)) * d.step;
			p += 4;
		}
		std::size_t bytes = d.width ? n * d.width : (n + 7) / 8;
		const char* next = p + bytes;
		if (flagged) return next;
		bool binary1 = bitmap_bytes == 0;
		switch (d.kind) {
		case ValueKind::Bool: {
			if (d.type == Datatype::Bit) {
				builder.set_int(c, (static_cast<unsigned char>(*p) >> 7) & 1);
			} else {
				char ch = *p;
				int b = ch == '\0' ? -1 : parse_boolean(std::string_view(&ch, 1));
				if (b == -2) bad_value(c, std::string_view(&ch, 1), "a boolean");
				if (b >= 0) builder.set_int(c, b);
			}
			break;
		}
		case ValueKind::Int: {
			std::int64_t v = read_int(d.type, p);
			if (!(d.has_null && v == d.null_value)) builder.set_int(c, v);
			break;
		}
		case ValueKind::Double: {
			double v = d.type == Datatype::Float ? std::bit_cast<float>(formats::load_be32(p))
			                                     : std::bit_cast<double>(formats::load_be64(p));
			if (!std::isnan(v)) builder.set_double(c, v);
			break;
		}
		case ValueKind::Text: {
			if (binary1 && n == 0) break;
			auto& t = builder.text();
			std::size_t off = t.size();
			if (d.type == Datatype::Char) {
				std::size_t len = bytes;
				const void* nul = std::memchr(p, 0, len);
				if (!d.variable && nul)
					len = static_cast<std::size_t>(static_cast<const char*>(nul) - p);
				else
					while (len && p[len - 1] == '\0')
						--len; // padding of multi-dimensional strings
				append_char_text(t, p, len);
			} else {
				std::size_t units = n;
				while (units && formats::load_be16(p + 2 * (units - 1)) == 0)
					--units;
				for (std::size_t i = 0; i < units; ++i) {
					char32_t u = formats::load_be16(p + 2 * i);
					if (u >= 0xD800 && u < 0xDC00 && i + 1 < units) {
						char32_t lo = formats::load_be16(p + 2 * (i + 1));
						if (lo >= 0xDC00 && lo < 0xE000) {
							u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
							++i;
						}
					}
					if (u >= 0xD800 && u < 0xE000) u = 0xFFFD;
					formats::append_utf8(t, u);
				}
			}
			if (binary1 && t.size() == off) break; // BINARY has no other way to say null
			builder.set_span(c, off, t.size());
			break;
		}
		case ValueKind::BoolArray: {
			if (binary1 && d.variable && n == 0) break;
			if (binary1 && d.all_null_means_null && d.type == Datatype::Boolean && all_bytes_null_bool(p, n))
				break;
			auto& v = builder.bools();
			std::size_t off = v.size();
			for (std::size_t i = 0; i < n; ++i) {
				if (d.type == Datatype::Bit) {
					v.push_back(
					    static_cast<std::int8_t>((static_cast<unsigned char>(p[i / 8]) >> (7 - i % 8)) & 1));
				} else {
					char ch = p[i];
					int b = ch == '\0' ? -1 : parse_boolean(std::string_view(&ch, 1));
					if (b == -2) bad_value(c, std::string_view(&ch, 1), "a boolean");
					v.push_back(static_cast<std::int8_t>(b));
				}
			}
			builder.set_span(c, off, v.size());
			break;
		}
		case ValueKind::IntArray: {
			if (binary1 && d.variable && n == 0) break;
			auto& v = builder.ints();
			std::size_t off = v.size();
			bool all_null = d.has_null && n > 0;
			for (std::size_t i = 0; i < n; ++i) {
				v.push_back(read_int(d.type, p + i * d.width));
				all_null = all_null && v.back() == d.null_value;
			}
			// BINARY cannot flag a whole array; a fixed array of magic nulls is taken as null.
			if (binary1 && d.all_null_means_null && all_null) {
				v.resize(off);
				break;
			}
			builder.set_span(c, off, v.size());
			break;
		}
		case ValueKind::DoubleArray: {
			if (binary1 && d.variable && n == 0) break;
			auto& v = builder.doubles();
			std::size_t off = v.size();
			bool all_nan = n > 0;
			if (d.width == 4)
				for (std::size_t i = 0; i < n; ++i)
					v.push_back(std::bit_cast<float>(formats::load_be32(p + 4 * i)));
			else
				for (std::size_t i = 0; i < n; ++i)
					v.push_back(std::bit_cast<double>(formats::load_be64(p + 8 * i)));
			for (std::size_t i = off; i < v.size() && all_nan; ++i)
				all_nan = std::isnan(v[i]);
			// Likewise a fixed array of NaNs (how BINARY writers fill a null array).
			if (binary1 && d.all_null_means_null && all_nan) {
				v.resize(off);
				break;
			}
			builder.set_span(c, off, v.size());
			break;
		}
		}
		return next;
	}

	static bool all_bytes_null_bool(const char* p, std::size_t n) {
		for (std::size_t i = 0; i < n; ++i)
			if (p[i] != '?' && p[i] != '\0' && p[i] != ' ') return false;
		return n > 0;
	}

	static std::int64_t read_int(Datatype t, const char* p) {
		switch (t) {
		case Datatype::UnsignedByte:
			return static_cast<unsigned char>(*p);
		case Datatype::Short:
			return static_cast<std::int16_t>(formats::load_be16(p));
		case Datatype::Int:
			return static_cast<std::int32_t>(formats::load_be32(p));
		default:
			return static_cast<std::int64_t>(formats::load_be64(p));
		}
	}

	void finish() {
		if (failed) throw Error(ErrorKind::Internal, "VOTable reader used after an error");
		std::string rest = std::move(held);
		held = std::string();
		parse(rest.data(), rest.size(), true);
		if (!seen_root) throw Error(ErrorKind::Validation, "the upload is empty");
		if (!schema_delivered) throw Error(ErrorKind::Validation, "the VOTable contains no TABLE");
		consumer.on_end(rows_done, trailing);
	}

	enum class State { Before, InTable, InData, After };

	VOTableConsumer& consumer;
	ReaderOptions opts;
	XML_Parser parser = nullptr;
	std::exception_ptr pending;
	bool failed = false;

	RowBatch batch;
	BatchBuilder builder;
	TableSchema schema;
	std::vector<Decode> decode;
	std::vector<TableInfo> trailing;
	std::vector<std::string> resource_names;

	State state = State::Before;
	int depth = 0;
	int foreign_depth = 0;
	int table_depth = 0;
	int data_depth = 0;
	bool seen_root = false;
	bool schema_delivered = false;
	bool data_done = false;
	bool trailing_open = false;

	std::string* collect = nullptr;
	bool in_field = false, in_param = false, in_info = false;
	FieldInfo field;
	ParamInfo param;
	TableInfo info;

	bool in_tabledata = false;
	std::string td;
	std::size_t td_index = 0;
	std::size_t row_arena_start = 0;

	MarkupGuard guard;
	std::string held; // bytes fed but not parsed yet (less than kParseStep)

	bool stream_active = false;
	formats::Base64Decoder b64;
	ByteBuffer bin{1 << 16};
	std::size_t bin_pos = 0;
	std::size_t bitmap_bytes = 0;

	std::uint64_t rows_done = 0;
};

VOTableReader::VOTableReader(VOTableConsumer& consumer, ReaderOptions options)
    : impl_(std::make_unique<Impl>(consumer, options)) {}
VOTableReader::~VOTableReader() = default;

void VOTableReader::feed(std::string_view bytes) {
	impl_->feed(bytes);
}
void VOTableReader::finish() {
	impl_->finish();
}
std::uint64_t VOTableReader::rows() const {
	return impl_->rows_done;
}

void read_votable(std::istream& in, VOTableConsumer& consumer, ReaderOptions options) {
	VOTableReader reader(consumer, options);
	std::string buf(1 << 16, '\0');
	while (in) {
		in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
		auto n = static_cast<std::size_t>(in.gcount());
		if (n) reader.feed({buf.data(), n});
	}
	if (in.bad()) throw Error(ErrorKind::Io, "reading the VOTable failed");
	reader.finish();
}

} // namespace meles::votable
