// csvGrammar.  The hot loop finds field ends with a 64-byte SSE2 bitmap of the four
// structural bytes (delimiter, quote, CR, LF), so an unquoted field costs one bit scan;
// quoted fields take a memchr-based slow path and are unescaped in place.
#include "meles/rd/ingest/grammars/csv_grammar.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "ingest/grammars/text_input.hpp"
#include "meles/core/common/strings.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace meles::rd::ingest {

using detail::AttributeReader;
using detail::TextChunker;

namespace {

// First position >= pos holding a structural byte, block by block.
class StructIndex {
public:
	StructIndex(const char* buf, size_t size, char delim) : buf_(buf), size_(size), delim_(delim) {}

	size_t next(size_t pos) {
		if (pos >= size_) return size_;
		size_t block = pos & ~size_t{63};
		if (block != block_) load(block);
		uint64_t m = mask_ & (~uint64_t{0} << (pos & 63));
		while (m == 0) {
			block += 64;
			if (block >= size_) return size_;
			load(block);
			m = mask_;
		}
		size_t at = block + static_cast<size_t>(__builtin_ctzll(m));
		return at < size_ ? at : size_;
	}

private:
	void load(size_t block) {
		block_ = block;
		const char* p = buf_ + block;
		alignas(16) char tail[64];
		if (block + 64 > size_) {
			std::memset(tail, 0, sizeof tail);
			std::memcpy(tail, p, size_ - block);
			p = tail;
		}
#if defined(__SSE2__)
		const __m128i d = _mm_set1_epi8(delim_), q = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n'),
		              cr = _mm_set1_epi8('\r');
		uint64_t m = 0;
		for (int i = 0; i < 4; ++i) {
			__m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
			__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, q)),
			                           _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
			m |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(hit))) << (16 * i);
		}
		mask_ = m;
#else
		uint64_t m = 0;
		for (int i = 0; i < 64; ++i) {
			char c = p[i];
			if (c == delim_ || c == '"' || c == '\n' || c == '\r') m |= uint64_t{1} << i;
		}
		mask_ = m;
#endif
	}

	const char* buf_;
	size_t size_;
	char delim_;
	size_t block_ = ~size_t{0};
	uint64_t mask_ = 0;
};

inline bool is_py_space(char c) {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline Value make_text(const char* p, size_t n, bool strip) {
	if (strip) {
		while (n && is_py_space(*p))
			++p, --n;
		while (n && is_py_space(p[n - 1]))
			--n;
	}
	return Value::text(p, n);
}

// A quoted field whose text must be rebuilt (doubled quotes, CR, or text after the
// closing quote); done once the record is known to be complete.
struct Pending {
	size_t slot;
	size_t begin; // first byte after the opening quote
	size_t end;   // end of the whole field (delimiter, line end or buffer end)
};

// Result of scanning a quoted field without touching the buffer.
struct QuotedScan {
	bool complete = false;
	bool simple = false;  // "text" directly followed by delimiter/line end, no "" or CR inside
	size_t close = 0;     // position of the closing quote (simple case)
	size_t end = 0;       // position of the delimiter / line end / size
	int64_t newlines = 0; // line ends inside the quotes
};

QuotedScan scan_quoted(const char* buf, size_t size, size_t open, char delim, bool last) {
	QuotedScan r;
	size_t p = open + 1;
	bool clean = true;
	for (;;) {
		const void* q = std::memchr(buf + p, '"', size - p);
		size_t qpos = q ? static_cast<size_t>(static_cast<const char*>(q) - buf) : size;
		for (size_t i = p; i < qpos; ++i) {
			if (buf[i] == '\n') {
				++r.newlines;
			} else if (buf[i] == '\r') {
				clean = false;
				if (i + 1 >= qpos || buf[i + 1] != '\n') ++r.newlines;
			}
		}
		if (!q) {
			if (!last) return r; // incomplete
			throw std::runtime_error("unterminated");
		}
		if (qpos + 1 < size && buf[qpos + 1] == '"') {
			clean = false;
			p = qpos + 2;
			continue;
		}
		if (qpos + 1 >= size && !last) return r; // cannot tell "" from " yet
		r.close = qpos;
		break;
	}
	size_t e = r.close + 1;
	while (e < size && buf[e] != delim && buf[e] != '\n' && buf[e] != '\r')
		++e;
	if (e >= size && !last) return r;
	r.end = e;
	r.simple = clean && e == r.close + 1;
	r.complete = true;
	return r;
}

// Rebuilds a quoted field in place: "" -> ", CR LF and lone CR -> LF (Python reads text
// files with universal newlines), text after the closing quote appended (non-strict csv).
size_t unescape_in_place(char* buf, size_t begin, size_t end) {
	size_t w = begin - 1; // overwrite the opening quote
	size_t start = w;
	size_t r = begin;
	bool quoted = true;
	while (r < end) {
		char c = buf[r];
		if (quoted && c == '"') {
			if (r + 1 < end && buf[r + 1] == '"') {
				buf[w++] = '"';
				r += 2;
				continue;
			}
			quoted = false;
			++r;
			continue;
		}
		if (c == '\r') {
			buf[w++] = '\n';
			r += (r + 1 < end && buf[r + 1] == '\n') ? 2 : 1;
			continue;
		}
		buf[w++] = c;
		++r;
	}
	return w - start;
}

// Simple (non-hot) parse of one record for the header line.  Returns false when the
// record is incomplete.
bool parse_header_record(std::string_view s, bool last, char delim, std::vector<std::string>& fields,
                         size_t& consumed, int64_t& lines) {
	fields.clear();
	lines = 0;
	size_t p = 0;
	std::string cur;
	for (;;) {
		cur.clear();
		if (p < s.size() && s[p] == '"') {
			QuotedScan q;
			try {
				q = scan_quoted(s.data(), s.size(), p, delim, last);
			} catch (const std::runtime_error&) {
				q.complete = false;
				if (last) return false;
			}
			if (!q.complete) return false;
			std::string tmp(s.substr(p, q.end - p));
			size_t n = unescape_in_place(tmp.data(), 1, tmp.size());
			cur.assign(tmp.data(), n);
			lines += q.newlines;
			p = q.end;
		} else {
			size_t e = p;
			while (e < s.size() && s[e] != delim && s[e] != '\n' && s[e] != '\r')
				++e;
			if (e >= s.size() && !last) return false;
			cur.assign(s.substr(p, e - p));
			p = e;
		}
		fields.push_back(cur);
		if (p < s.size() && s[p] == delim) {
			++p;
			continue;
		}
		if (p < s.size()) {
			if (s[p] == '\r') {
				if (p + 1 >= s.size() && !last) return false;
				p += (p + 1 < s.size() && s[p + 1] == '\n') ? 2 : 1;
			} else {
				++p;
			}
			++lines;
		}
		consumed = p;
		return true;
	}
}

class CsvReader final : public RecordReader {
public:
	CsvReader(std::shared_ptr<const SourceInfo> src, const CsvGrammarOptions& opt, const ReadOptions& ro)
	    : RecordReader(std::move(src)),
	      chunker_(*source_, detail::text_input_options(opt.text), ro.chunk_bytes), delim_(opt.delimiter),
	      strip_(opt.strip), max_records_(std::max<size_t>(1, ro.max_records)),
	      bad_in_batch_(ro.bad_records_in_batch) {
		chunker_.skip_lines(opt.text.top_ignored_lines, line_);
		if (opt.names) {
			set_layout(FieldLayout::from_names(*opt.names, SourcePos{source_->display, 0, 0}));
		} else {
			read_header();
		}
		set_consumed(chunker_.consumed_bytes());
	}

	bool next(RecordBatch& batch) override {
		batch.begin(source_, layout_, PositionUnit::Line);
		if (no_fields_) return false;
		bool more = chunker_.next_batch(
		    batch, line_, [this](RecordBatch& b, const auto& chunk) { return parse(b, chunk); },
		    [] { return false; });
		set_consumed(chunker_.consumed_bytes());
		return more;
	}

private:
	[[noreturn]] void fail(int64_t line, std::string msg) const {
		throw Error(ErrorKind::Validation, std::move(msg),
		            SourcePos{source_->display, static_cast<int>(line), 0});
	}

	void read_header() {
		size_t want = 4096;
		std::vector<std::string> fields;
		for (;;) {
			std::string_view s = chunker_.peek(want);
			bool last = s.size() < want;
			// Blank lines before the header carry no names.
			size_t blank = 0;
			int64_t blank_lines = 0;
			while (blank < s.size() && (s[blank] == '\n' || s[blank] == '\r')) {
				if (s[blank] == '\n' || blank + 1 >= s.size() || s[blank + 1] != '\n') ++blank_lines;
				++blank;
			}
			if (blank == s.size() && last) {
				// Empty source: no header, no records (DaCHS imports nothing from it either).
				chunker_.drop_front(blank, line_);
				no_fields_ = true;
				return;
			}
			size_t consumed = 0;
			int64_t lines = 0;
			if (parse_header_record(s.substr(blank), last, delim_, fields, consumed, lines)) {
				int64_t header_line = line_ + blank_lines;
				chunker_.drop_front(blank + consumed, line_);
				line_ = header_line + lines;
				std::vector<std::string> names;
				for (auto& f : fields)
					names.emplace_back(trim(f));
				set_layout(FieldLayout::from_names(
				    names, SourcePos{source_->display, static_cast<int>(header_line), 0}));
				return;
			}
			if (last) fail(line_ + blank_lines, "unterminated quoted field in the header line");
			want *= 2;
		}
	}

	// End of the physical line starting at `from` (after its line break), or npos.
	static size_t line_end(const char* buf, size_t size, size_t from) {
		for (size_t i = from; i < size; ++i) {
			if (buf[i] == '\n') return i + 1;
			if (buf[i] == '\r') return (i + 1 < size && buf[i + 1] == '\n') ? i + 2 : i + 1;
		}
		return std::string_view::npos;
	}

	size_t parse(RecordBatch& batch, const TextChunker::Chunk& chunk) {
		char* buf = chunk.data;
		const size_t size = chunk.size;
		const bool last = chunk.last;
		const size_t width = layout_->size();
		const char delim = delim_;
		const bool strip = strip_;
		StructIndex idx(buf, size, delim);
		size_t pos = 0;
		int64_t line = line_;
		size_t nrec = 0;
		pending_.clear();
		while (nrec < max_records_ && pos < size) {
			const size_t rec_start = pos;
			const int64_t rec_line = line;
			char c = buf[pos];
			if (c == '\n') {
				++pos;
				++line;
				continue;
			}
			if (c == '\r') {
				if (pos + 1 < size) {
					pos += buf[pos + 1] == '\n' ? 2 : 1;
				} else if (last) {
					++pos;
				} else {
					break;
				}
				++line;
				continue;
			}
			Value* vals = batch.append(rec_line);
			size_t nf = 0;
			bool incomplete = false;
			std::string unterminated;
			// The first quoted field running over a line end: the usual cause of a wrong
			// field count is a quote that was never closed on its own line.
			size_t span_field = 0;
			int64_t span_from = 0, span_to = 0;
			pending_.clear();
			for (;;) {
				if (pos < size && buf[pos] == '"') {
					QuotedScan q;
					try {
						q = scan_quoted(buf, size, pos, delim, last);
					} catch (const std::runtime_error&) {
						unterminated = concat("unterminated quoted field: field ", std::to_string(nf + 1),
						                      " opens a quote that is never closed");
						break;
					}
					if (!q.complete) {
						if (rec_start == 0 && size >= kMaxRecordBytes) {
							unterminated = concat("unterminated quoted field: field ", std::to_string(nf + 1),
							                      " opens a quote that is not closed within ",
							                      std::to_string(kMaxRecordBytes >> 20), " MiB");
							break;
						}
						incomplete = true;
						break;
					}
					if (q.newlines && !span_field) {
						span_field = nf + 1;
						span_from = line;
						span_to = line + q.newlines;
					}
					if (nf < width) {
						if (q.simple)
							vals[nf] = make_text(buf + pos + 1, q.close - pos - 1, strip);
						else
							pending_.push_back(Pending{nf, pos + 1, q.end});
					}
					++nf;
					line += q.newlines;
					pos = q.end;
				} else {
					size_t e = idx.next(pos);
					while (e < size && buf[e] == '"')
						e = idx.next(e + 1);
					if (e >= size && !last) {
						incomplete = true;
						break;
					}
					if (nf < width) vals[nf] = make_text(buf + pos, e - pos, strip);
					++nf;
					pos = e;
				}
				// pos is at a delimiter, a line end, or the end of the data.
				if (pos >= size) break;
				char t = buf[pos];
				if (t == delim) {
					++pos;
					continue;
				}
				if (t == '\r') {
					if (pos + 1 < size) {
						pos += buf[pos + 1] == '\n' ? 2 : 1;
					} else if (last) {
						++pos;
					} else {
						incomplete = true;
						break;
					}
				} else {
					++pos;
				}
				++line;
				break;
			}
			if (incomplete) {
				// Bounded memory: a record never grows the chunk beyond this.
				if (rec_start == 0 && size >= kMaxRecordBytes)
					fail(rec_line, concat("a record longer than ", std::to_string(kMaxRecordBytes >> 20),
					                      " MiB (no line end found)"));
				batch.pop_back();
				pos = rec_start;
				line = rec_line;
				break;
			}
			std::string problem = std::move(unterminated);
			if (problem.empty() && nf != width) {
				problem = concat("expected ", std::to_string(width), " fields, found ", std::to_string(nf));
				if (span_field)
					problem += concat(" (field ", std::to_string(span_field), " opens a quote on line ",
					                  std::to_string(span_from), " that closes only on line ",
					                  std::to_string(span_to), ": is a closing quote missing?)");
			}
			if (!problem.empty()) {
				if (!bad_in_batch_) fail(rec_line, std::move(problem));
				// Skip the record's first line only: when a quote was left open, what follows
				// on the next lines is most likely good records.
				size_t next = line_end(buf, size, rec_start);
				if (next == std::string_view::npos) {
					if (!last && size < kMaxRecordBytes) {
						batch.pop_back();
						pos = rec_start;
						line = rec_line;
						break;
					}
					if (!last) fail(rec_line, std::move(problem));
					next = size;
				}
				batch.pop_back();
				batch.append_problem(rec_line, std::move(problem));
				pos = next;
				line = rec_line + 1;
				++nrec;
				continue;
			}
			for (auto& p : pending_) {
				size_t n = unescape_in_place(buf, p.begin, p.end);
				vals[p.slot] = make_text(buf + p.begin - 1, n, strip);
			}
			++nrec;
		}
		line_ = line;
		return pos;
	}

	static constexpr size_t kMaxRecordBytes = size_t{32} << 20;

	TextChunker chunker_;
	char delim_;
	bool strip_;
	size_t max_records_;
	bool bad_in_batch_;
	int64_t line_ = 1;
	bool no_fields_ = false;
	std::vector<Pending> pending_;
};

} // namespace

CsvGrammarOptions CsvGrammarOptions::from_element(const GrammarElement& el) {
	AttributeReader a(el, grammar_record("csvGrammar"));
	CsvGrammarOptions o;
	o.names = a.list("names");
	if (o.names && o.names->empty())
		a.fail("names", "is empty; omit it to take the names from the header line");
	if (auto d = a.string("delimiter")) {
		std::string v = *d;
		if (v == "\\t" || v == "tab") v = "\t";
		if (v.size() != 1) a.fail("delimiter", concat("must be a single character, not '", *d, "'"));
		if (v[0] == '"' || v[0] == '\n' || v[0] == '\r' || v[0] == '\0')
			a.fail("delimiter", "cannot be a quote or a line end");
		o.delimiter = v[0];
	}
	o.strip = a.boolean("strip", false);
	o.text = detail::read_text_source(a);
	return o;
}

CsvGrammar::CsvGrammar(CsvGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(std::move(options)) {
	detail::parse_encoding(options_.text.enc, pos_);
}

std::unique_ptr<Grammar> CsvGrammar::create(const GrammarElement& el) {
	return std::make_unique<CsvGrammar>(CsvGrammarOptions::from_element(el), el.pos);
}

std::unique_ptr<RecordReader> CsvGrammar::open(const SourceInfo& source, const ReadOptions& options) const {
	return std::make_unique<CsvReader>(std::make_shared<const SourceInfo>(source), options_, options);
}

} // namespace meles::rd::ingest
