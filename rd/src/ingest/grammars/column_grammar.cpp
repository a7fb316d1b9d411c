#include "meles/rd/ingest/grammars/column_grammar.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "ingest/grammars/text_input.hpp"
#include "meles/core/common/strings.hpp"

#include <charconv>
#include <cstring>
#include <limits>

namespace meles::rd::ingest {

using detail::AttributeReader;
using detail::TextChunker;

namespace {

constexpr size_t kToEnd = std::numeric_limits<size_t>::max();

inline bool is_py_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool is_ident_start(char c) {
	return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class ColumnReader final : public RecordReader {
public:
	ColumnReader(std::shared_ptr<const SourceInfo> src, const ColumnGrammarOptions& opt,
	             const ReadOptions& ro)
	    : RecordReader(std::move(src)),
	      chunker_(*source_, detail::text_input_options(opt.text), ro.chunk_bytes), opt_(opt),
	      max_records_(std::max<size_t>(1, ro.max_records)) {
		std::vector<std::string> names;
		for (auto& c : opt.columns)
			names.push_back(c.name);
		set_layout(FieldLayout::from_names(names));
		chunker_.skip_lines(opt.text.top_ignored_lines, line_);
		set_consumed(chunker_.consumed_bytes());
	}

	bool next(RecordBatch& batch) override {
		batch.begin(source_, layout_, PositionUnit::Line);
		bool more = chunker_.next_batch(
		    batch, line_, [this](RecordBatch& b, const auto& chunk) { return parse(b, chunk); },
		    [] { return false; });
		set_consumed(chunker_.consumed_bytes());
		return more;
	}

private:
	size_t parse(RecordBatch& batch, const TextChunker::Chunk& chunk) {
		const char* buf = chunk.data;
		size_t pos = 0;
		size_t nrec = 0;
		const bool ascii = detail::find_non_ascii(buf, chunk.size) == std::string::npos;
		const size_t ncols = opt_.columns.size();
		while (nrec < max_records_ && pos < chunk.size) {
			const void* nl = std::memchr(buf + pos, '\n', chunk.size - pos);
			size_t end;
			size_t next_pos;
			if (nl) {
				end = static_cast<size_t>(static_cast<const char*>(nl) - buf);
				next_pos = end + 1;
			} else {
				if (!chunk.last) break;
				end = chunk.size;
				next_pos = chunk.size;
			}
			int64_t line = line_++;
			size_t len = end - pos;
			if (len && buf[pos + len - 1] == '\r') --len;
			std::string_view text(buf + pos, len);
			pos = next_pos;
			if (opt_.comment_introducer && text.starts_with(*opt_.comment_introducer)) continue;
			if (trim(text).empty()) continue;
			Value* vals = batch.append(line);
			if (!ascii && detail::find_non_ascii(text.data(), text.size()) != std::string::npos) {
				// Ranges count characters, as DaCHS (Python str slicing) does.
				offsets_.clear();
				for (size_t i = 0; i < text.size(); ++i)
					if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets_.push_back(i);
				offsets_.push_back(text.size());
				size_t nchars = offsets_.size() - 1;
				for (size_t c = 0; c < ncols; ++c) {
					const ColumnRange& r = opt_.columns[c];
					size_t s = std::min(r.start, nchars), e = std::min(r.end, nchars);
					if (e < s) e = s;
					vals[c] = value(text.substr(offsets_[s], offsets_[e] - offsets_[s]));
				}
			} else {
				for (size_t c = 0; c < ncols; ++c) {
					const ColumnRange& r = opt_.columns[c];
					size_t s = std::min(r.start, text.size()), e = std::min(r.end, text.size());
					if (e < s) e = s;
					vals[c] = value(text.substr(s, e - s));
				}
			}
			++nrec;
		}
		return pos;
	}

	Value value(std::string_view v) const {
		if (opt_.strip) {
			while (!v.empty() && is_py_space(v.front()))
				v.remove_prefix(1);
			while (!v.empty() && is_py_space(v.back()))
				v.remove_suffix(1);
		}
		return Value::text(v);
	}

	TextChunker chunker_;
	ColumnGrammarOptions opt_;
	size_t max_records_;
	int64_t line_ = 1;
	std::vector<size_t> offsets_;
};

} // namespace

ColumnRange ColumnGrammarOptions::parse_range(std::string_view name, std::string_view range,
                                              const SourcePos& pos) {
	auto bad = [&](std::string why) -> ColumnRange {
		throw Error(ErrorKind::Syntax,
		            concat("bad column range '", range, "' for ", name, ": ", why,
		                   " (expected start-end, start, start- or -end; 1-based, inclusive)"),
		            pos);
	};
	std::string_view s = trim(range);
	auto parse_int = [&](std::string_view t, size_t& out) {
		t = trim(t);
		if (t.empty()) return false;
		auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
		if (ec != std::errc() || p != t.data() + t.size()) bad("not a number");
		return true;
	};
	ColumnRange r;
	r.name = std::string(name);
	size_t dash = s.find('-');
	size_t a = 0, b = 0;
	if (dash == std::string_view::npos) {
		if (!parse_int(s, a)) bad("empty");
		b = a;
	} else {
		bool has_a = parse_int(s.substr(0, dash), a);
		bool has_b = parse_int(s.substr(dash + 1), b);
		if (!has_a && !has_b) bad("empty");
		if (!has_a) a = 1;
		if (!has_b) b = 0;
		if (has_b && b < a) bad("end before start");
	}
	if (a < 1) bad("columns count from 1");
	r.start = a - 1;
	r.end = b == 0 ? kToEnd : b;
	return r;
}

std::vector<ColumnRange> ColumnGrammarOptions::parse_col_defs(std::string_view text, const SourcePos& pos) {
	std::vector<ColumnRange> out;
	size_t i = 0;
	auto skip_ws = [&] {
		while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
			++i;
	};
	auto fail = [&](std::string why) {
		throw Error(ErrorKind::Syntax,
		            concat("colDefs: ", why, " at character ", std::to_string(i + 1),
		                   " (expected whitespace-separated name:range items like 'ra:1-10 flag:12')"),
		            pos);
	};
	for (;;) {
		skip_ws();
		if (i >= text.size()) break;
		if (!is_ident_start(text[i])) fail("a column name must start with a letter or _");
		size_t ns = i;
		while (i < text.size() && is_ident_char(text[i]))
			++i;
		std::string_view name = text.substr(ns, i - ns);
		skip_ws();
		if (i >= text.size() || text[i] != ':') fail(concat("':' expected after '", name, "'"));
		++i;
		skip_ws();
		size_t rs = i;
		auto digits = [&] {
			size_t d = i;
			while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
				++i;
			return i > d;
		};
		bool first = digits();
		size_t save = i;
		skip_ws();
		if (i < text.size() && text[i] == '-') {
			++i;
			skip_ws();
			size_t before = i;
			if (!digits()) i = before;
		} else {
			i = save;
			if (!first) fail(concat("range expected for '", name, "'"));
		}
		std::string range;
		for (size_t k = rs; k < i; ++k)
			if (!std::isspace(static_cast<unsigned char>(text[k]))) range += text[k];
		out.push_back(parse_range(name, range, pos));
	}
	return out;
}

ColumnGrammarOptions ColumnGrammarOptions::from_element(const GrammarElement& el) {
	AttributeReader a(el, grammar_record("columnGrammar"));
	ColumnGrammarOptions o;
	if (auto d = a.string("colDefs")) o.columns = parse_col_defs(*d, a.pos("colDefs"));
	for (const GrammarElement* c : a.children("col")) {
		const auto* key = c->attribute("key");
		if (!key) key = c->attribute("name");
		for (auto& at : c->attributes)
			if (at.name != "key" && at.name != "name")
				throw Error(ErrorKind::Name, concat("unknown attribute '", at.name, "' on col; it takes key"),
				            at.pos);
		if (!key) throw Error(ErrorKind::Validation, "col needs a key attribute naming the field", c->pos);
		o.columns.push_back(parse_range(key->value, c->text, c->pos));
	}
	if (o.columns.empty())
		throw Error(ErrorKind::Validation, "columnGrammar defines no columns; give colDefs or col children",
		            el.pos);
	{
		std::vector<std::string> names;
		for (auto& c : o.columns)
			names.push_back(c.name);
		FieldLayout::from_names(names, el.pos); // duplicate check
	}
	if (auto ci = a.string("commentIntroducer")) {
		if (ci->empty()) a.fail("commentIntroducer", "is empty");
		o.comment_introducer = *ci;
	}
	o.strip = a.boolean("strip", true);
	o.text = detail::read_text_source(a);
	return o;
}

ColumnGrammar::ColumnGrammar(ColumnGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(std::move(options)) {
	detail::parse_encoding(options_.text.enc, pos_);
}

std::unique_ptr<Grammar> ColumnGrammar::create(const GrammarElement& el) {
	return std::make_unique<ColumnGrammar>(ColumnGrammarOptions::from_element(el), el.pos);
}

std::optional<std::vector<std::string>> ColumnGrammar::declared_fields() const {
	std::vector<std::string> out;
	for (auto& c : options_.columns)
		out.push_back(c.name);
	return out;
}

std::unique_ptr<RecordReader> ColumnGrammar::open(const SourceInfo& source,
                                                  const ReadOptions& options) const {
	return std::make_unique<ColumnReader>(std::make_shared<const SourceInfo>(source), options_, options);
}

} // namespace meles::rd::ingest
