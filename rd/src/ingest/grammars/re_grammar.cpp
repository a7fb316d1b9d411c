// reGrammar over RE2.  The default separators ("\n" and "\s+") and literal separators
// take memchr/byte-loop fast paths; everything else goes through RE2.
#include "meles/rd/ingest/grammars/re_grammar.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "ingest/grammars/text_input.hpp"
#include "meles/core/common/strings.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>

namespace meles::rd::ingest {

using detail::AttributeReader;
using detail::TextChunker;

namespace {

inline bool is_py_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// If `pattern` matches exactly one fixed string, returns it.
std::optional<std::string> literal_of(std::string_view pattern) {
	std::string out;
	for (size_t i = 0; i < pattern.size(); ++i) {
		char c = pattern[i];
		if (c == '\\') {
			if (i + 1 >= pattern.size()) return std::nullopt;
			char e = pattern[++i];
			switch (e) {
			case 'n':
				out += '\n';
				break;
			case 't':
				out += '\t';
				break;
			case 'r':
				out += '\r';
				break;
			case 'f':
				out += '\f';
				break;
			case 'v':
				out += '\v';
				break;
			default:
				if (std::isalnum(static_cast<unsigned char>(e))) return std::nullopt; // \s, \d, \1 ...
				out += e;
			}
			continue;
		}
		if (std::strchr(".^$*+?{}[]|()", c)) return std::nullopt;
		out += c;
	}
	if (out.empty()) return std::nullopt;
	return out;
}

// Python spellings RE2 writes differently.
std::string to_re2(std::string_view pattern) {
	std::string out;
	for (size_t i = 0; i < pattern.size(); ++i) {
		if (pattern[i] == '\\' && i + 1 < pattern.size()) {
			char e = pattern[i + 1];
			out += '\\';
			out += e == 'Z' ? 'z' : e;
			++i;
			continue;
		}
		out += pattern[i];
	}
	return out;
}

std::unique_ptr<RE2> compile(const std::string& pattern, std::string_view what, const SourcePos& pos) {
	RE2::Options o;
	o.set_log_errors(false);
	o.set_encoding(RE2::Options::EncodingUTF8);
	auto re = std::make_unique<RE2>(to_re2(pattern), o);
	if (!re->ok()) {
		std::string msg =
		    concat("reGrammar ", what, ": bad regular expression '", pattern, "': ", re->error());
		if (pattern.find("(?=") != std::string::npos || pattern.find("(?!") != std::string::npos ||
		    pattern.find("(?<") != std::string::npos)
			msg += " (lookaround is not supported: Meles matches with RE2, which guarantees linear time)";
		throw Error(ErrorKind::Syntax, msg, pos);
	}
	return re;
}

} // namespace

struct ReGrammar::Compiled {
	std::optional<std::string> record_lit, field_lit;
	bool field_ws = false; // \s+
	std::unique_ptr<RE2> record_re, field_re, comment_re, stop_re, cleaner_re;
};

namespace {

class ReReader final : public RecordReader {
public:
	ReReader(std::shared_ptr<const SourceInfo> src, const ReGrammarOptions& opt,
	         std::shared_ptr<const ReGrammar::Compiled> re, const ReadOptions& ro)
	    : RecordReader(std::move(src)),
	      chunker_(*source_, detail::text_input_options(opt.text), ro.chunk_bytes), opt_(opt),
	      re_(std::move(re)), max_records_(std::max<size_t>(1, ro.max_records)),
	      bad_in_batch_(ro.bad_records_in_batch) {
		set_layout(FieldLayout::from_names(opt.names));
		chunker_.skip_lines(opt.text.top_ignored_lines, line_);
		set_consumed(chunker_.consumed_bytes());
	}

	bool next(RecordBatch& batch) override {
		batch.begin(source_, layout_, PositionUnit::Line);
		if (stopped_) return false;
		bool more = chunker_.next_batch(
		    batch, line_, [this](RecordBatch& b, const auto& chunk) { return parse(b, chunk); },
		    [this] { return stopped_; });
		set_consumed(chunker_.consumed_bytes());
		return more;
	}

private:
	// Finds the next record separator at or after `from`: [start, end).
	bool find_sep(const char* buf, size_t size, size_t from, size_t& start, size_t& end) const {
		if (re_->record_lit) {
			const std::string& lit = *re_->record_lit;
			std::string_view hay(buf + from, size - from);
			size_t p = lit.size() == 1 ? (std::memchr(hay.data(), lit[0], hay.size())
			                                  ? static_cast<size_t>(static_cast<const char*>(std::memchr(
			                                                            hay.data(), lit[0], hay.size())) -
			                                                        hay.data())
			                                  : std::string_view::npos)
			                           : hay.find(lit);
			if (p == std::string_view::npos) return false;
			start = from + p;
			end = start + lit.size();
			return true;
		}
		re2::StringPiece text(buf, size), m;
		size_t pos = from;
		while (pos <= size) {
			if (!re_->record_re->Match(text, pos, size, RE2::UNANCHORED, &m, 1)) return false;
			start = static_cast<size_t>(m.data() - buf);
			end = start + m.size();
			if (end > start) return true;
			pos = start + 1; // empty separators do not split
		}
		return false;
	}

	size_t parse(RecordBatch& batch, const TextChunker::Chunk& chunk) {
		char* buf = chunk.data;
		size_t pos = 0;
		size_t nrec = 0;
		while (nrec < max_records_ && pos < chunk.size) {
			size_t sstart = 0, send = 0;
			size_t rec_end;
			size_t next_pos;
			if (find_sep(buf, chunk.size, pos, sstart, send)) {
				rec_end = sstart;
				next_pos = send;
				// A separator match touching the buffer end may continue in the next read.
				if (send == chunk.size && !chunk.last && !re_->record_lit) break;
			} else {
				if (!chunk.last) break;
				rec_end = next_pos = chunk.size;
			}
			int64_t rec_line = line_;
			line_ += std::count(buf + pos, buf + next_pos, '\n');
			size_t rs = pos;
			size_t len = rec_end - pos;
			pos = next_pos;
			if (re_->comment_re) len = remove_comments(buf + rs, len);
			std::string_view rec(buf + rs, len);
			if (re_->stop_re && re_->stop_re->Match(re2::StringPiece(rec.data(), rec.size()), 0, rec.size(),
			                                        RE2::ANCHOR_START, nullptr, 0)) {
				stopped_ = true;
				return chunk.size; // the rest of the source is not read
			}
			size_t lead = 0;
			while (lead < rec.size() && is_py_space(rec[lead]))
				++lead;
			rec_line += std::count(rec.data(), rec.data() + lead, '\n');
			rec.remove_prefix(lead);
			while (!rec.empty() && is_py_space(rec.back()))
				rec.remove_suffix(1);
			if (rec.empty()) continue;
			if (re_->cleaner_re) {
				size_t before = batch.size();
				rec = clean(batch, rec, rec_line);
				if (batch.size() != before) { // a bad record
					++nrec;
					continue;
				}
			}
			if (rec.empty()) continue;
			split(batch, rec, rec_line);
			++nrec;
		}
		return pos;
	}

	size_t remove_comments(char* p, size_t n) {
		re2::StringPiece text(p, n), m;
		size_t r = 0, w = 0;
		while (r <= n && re_->comment_re->Match(text, r, n, RE2::UNANCHORED, &m, 1)) {
			size_t ms = static_cast<size_t>(m.data() - p), me = ms + m.size();
			std::memmove(p + w, p + r, ms - r);
			w += ms - r;
			r = me > ms ? me : ms + 1;
			if (me == ms) { // empty match: keep the character it stood before
				if (ms < n) p[w++] = p[ms];
			}
		}
		if (r < n) {
			std::memmove(p + w, p + r, n - r);
			w += n - r;
		}
		return w;
	}

	std::string_view clean(RecordBatch& batch, std::string_view rec, int64_t line) {
		int ngroups = re_->cleaner_re->NumberOfCapturingGroups();
		std::vector<re2::StringPiece> groups(static_cast<size_t>(ngroups) + 1);
		if (!re_->cleaner_re->Match(re2::StringPiece(rec.data(), rec.size()), 0, rec.size(),
		                            RE2::ANCHOR_START, groups.data(), ngroups + 1)) {
			std::string msg = concat("record does not match recordCleaner: '", rec.substr(0, 80),
			                         rec.size() > 80 ? "...'" : "'");
			if (!bad_in_batch_)
				throw Error(ErrorKind::Validation, msg,
				            SourcePos{source_->display, static_cast<int>(line), 0});
			batch.append_problem(line, std::move(msg));
			return {};
		}
		std::string joined;
		for (int g = 1; g <= ngroups; ++g) {
			if (g > 1) joined += ' ';
			joined.append(groups[g].data() ? groups[g].data() : "", groups[g].size());
		}
		return batch.store(joined);
	}

	void split(RecordBatch& batch, std::string_view rec, int64_t line) {
		fields_.clear();
		if (re_->field_ws) {
			size_t i = 0;
			while (i < rec.size()) {
				size_t s = i;
				while (i < rec.size() && !is_py_space(rec[i]))
					++i;
				fields_.push_back(rec.substr(s, i - s));
				while (i < rec.size() && is_py_space(rec[i]))
					++i;
			}
		} else if (re_->field_lit) {
			const std::string& lit = *re_->field_lit;
			size_t s = 0;
			for (;;) {
				size_t p = rec.find(lit, s);
				if (p == std::string_view::npos) {
					fields_.push_back(rec.substr(s));
					break;
				}
				fields_.push_back(rec.substr(s, p - s));
				s = p + lit.size();
			}
		} else {
			re2::StringPiece text(rec.data(), rec.size()), m;
			size_t s = 0, from = 0;
			while (from <= rec.size() &&
			       re_->field_re->Match(text, from, rec.size(), RE2::UNANCHORED, &m, 1)) {
				size_t ms = static_cast<size_t>(m.data() - rec.data());
				if (m.size() == 0) {
					from = ms + 1;
					continue;
				}
				fields_.push_back(rec.substr(s, ms - s));
				s = from = ms + m.size();
			}
			fields_.push_back(rec.substr(s));
		}
		size_t width = layout_->size();
		if (!opt_.lax && fields_.size() != width) {
			std::string msg =
			    concat("expected ", std::to_string(width), " fields, found ", std::to_string(fields_.size()),
			           " (reGrammar needs one field per name unless lax=\"True\")");
			if (!bad_in_batch_)
				throw Error(ErrorKind::Validation, msg,
				            SourcePos{source_->display, static_cast<int>(line), 0});
			batch.append_problem(line, std::move(msg));
			return;
		}
		Value* vals = batch.append(line);
		size_t n = std::min(width, fields_.size());
		for (size_t i = 0; i < n; ++i)
			vals[i] = Value::text(fields_[i]);
	}

	TextChunker chunker_;
	ReGrammarOptions opt_;
	std::shared_ptr<const ReGrammar::Compiled> re_;
	size_t max_records_;
	bool bad_in_batch_;
	int64_t line_ = 1;
	bool stopped_ = false;
	std::vector<std::string_view> fields_;
};

} // namespace

ReGrammarOptions ReGrammarOptions::from_element(const GrammarElement& el) {
	AttributeReader a(el, grammar_record("reGrammar"));
	ReGrammarOptions o;
	auto names = a.list("names");
	if (!names || names->empty())
		a.fail("names", "is required: reGrammar records have no header naming the fields");
	o.names = *names;
	if (auto v = a.string("recordSep")) {
		if (v->empty()) a.fail("recordSep", "is empty");
		o.record_sep = *v;
	}
	if (auto v = a.string("fieldSep")) {
		if (v->empty()) a.fail("fieldSep", "is empty");
		o.field_sep = *v;
	}
	o.comment_pat = a.string("commentPat");
	o.stop_pat = a.string("stopPat");
	o.record_cleaner = a.string("recordCleaner");
	o.record_sep_pos = a.pos("recordSep");
	o.field_sep_pos = a.pos("fieldSep");
	o.comment_pat_pos = a.pos("commentPat");
	o.stop_pat_pos = a.pos("stopPat");
	o.record_cleaner_pos = a.pos("recordCleaner");
	o.lax = a.boolean("lax", false);
	o.text = detail::read_text_source(a);
	return o;
}

ReGrammar::ReGrammar(ReGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(std::move(options)) {
	detail::parse_encoding(options_.text.enc, pos_);
	if (options_.names.empty()) throw Error(ErrorKind::Validation, "reGrammar needs names", pos_);
	FieldLayout::from_names(options_.names, pos_);
	auto c = std::make_shared<Compiled>();
	c->record_lit = literal_of(options_.record_sep);
	if (!c->record_lit) c->record_re = compile(options_.record_sep, "recordSep", options_.record_sep_pos);
	if (options_.field_sep == "\\s+") {
		c->field_ws = true;
	} else {
		c->field_lit = literal_of(options_.field_sep);
		if (!c->field_lit) c->field_re = compile(options_.field_sep, "fieldSep", options_.field_sep_pos);
	}
	if (options_.comment_pat)
		c->comment_re = compile(*options_.comment_pat, "commentPat", options_.comment_pat_pos);
	if (options_.stop_pat) c->stop_re = compile(*options_.stop_pat, "stopPat", options_.stop_pat_pos);
	if (options_.record_cleaner)
		c->cleaner_re = compile(*options_.record_cleaner, "recordCleaner", options_.record_cleaner_pos);
	compiled_ = std::move(c);
}

ReGrammar::~ReGrammar() = default;

std::unique_ptr<Grammar> ReGrammar::create(const GrammarElement& el) {
	return std::make_unique<ReGrammar>(ReGrammarOptions::from_element(el), el.pos);
}

std::unique_ptr<RecordReader> ReGrammar::open(const SourceInfo& source, const ReadOptions& options) const {
	return std::make_unique<ReReader>(std::make_shared<const SourceInfo>(source), options_, compiled_,
	                                  options);
}

} // namespace meles::rd::ingest
