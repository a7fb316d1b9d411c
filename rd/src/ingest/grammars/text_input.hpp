// text_input.hpp — byte input for the text grammars: file or filter pipeline, encoding
// conversion to UTF-8, and the chunk buffer that keeps partial records between batches.
//
// Filters (preFilter, gunzip) run as child processes reading the source file directly
// (without a shell when the command needs none); their exit status is checked at the end.
// Because the child shares our open file description, the file offset we see is the
// filter's read position, which gives honest progress even through zcat.
// Thread-safety: one TextInput per reader.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammars/text_source.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::ingest::detail {

enum class Encoding { Utf8, Ascii, Latin1, Cp1252 };

// Parses an enc= value the way Python names codecs (case and -/_ insensitive).
// Throws Error(Validation) at `pos` listing the supported encodings.
Encoding parse_encoding(std::string_view name, const SourcePos& pos);

struct TextInputOptions {
	Encoding encoding = Encoding::Utf8;
	bool gunzip = false;
	std::string pre_filter; // shell command; "" = none
};

class AttributeReader;

// Reads and checks topIgnoredLines, enc, gunzip and preFilter.
TextSourceOptions read_text_source(const AttributeReader& attributes);
TextInputOptions text_input_options(const TextSourceOptions& options);

// Splits `command` into argv when it uses no shell syntax beyond plain words and simple
// quotes; returns an empty vector when a shell is needed.
std::vector<std::string> split_command(std::string_view command);

class TextInput {
public:
	TextInput(const SourceInfo& source, const TextInputOptions& options);
	~TextInput();
	TextInput(const TextInput&) = delete;
	TextInput& operator=(const TextInput&) = delete;

	// Writes up to `cap` (>= 4) bytes of UTF-8 text to dst.  Returns 0 only at the end of
	// the input, after filters have exited successfully (else throws Error(Io)).
	size_t read(char* dst, size_t cap);
	bool at_end() const { return eof_; }
	uint64_t consumed() const;
	// Whether the output still has to be checked: UTF-8 input (validity) and ASCII (< 0x80).
	Encoding encoding() const { return enc_; }

private:
	size_t read_raw(char* dst, size_t cap);
	void start_filters(const TextInputOptions& options);
	void finish_filters();
	void kill_filters();

	const SourceInfo& source_;
	Encoding enc_;
	int file_fd_ = -1;
	int read_fd_ = -1; // file_fd_ or the last filter's stdout
	struct Child {
		int pid = -1;
		int err_fd = -1;
		std::string command;
	};
	std::vector<Child> children_;
	uint64_t raw_read_ = 0;
	bool filtered_ = false;
	bool eof_ = false;
	bool bom_checked_ = false;
	std::vector<char> scratch_;
	std::string pending_; // converted bytes that did not fit last time
};

// Offset of the first byte that is not valid UTF-8, or npos.
size_t find_invalid_utf8(const char* p, size_t n);
// Offset of the first byte >= 0x80, or npos.
size_t find_non_ascii(const char* p, size_t n);

// Holds the unparsed rest of the input between batches and refills a batch's char arena
// with it plus fresh input.
class TextChunker {
public:
	TextChunker(const SourceInfo& source, const TextInputOptions& options, size_t chunk_bytes);

	struct Chunk {
		char* data;
		size_t size;
		bool last; // no more input follows this chunk
	};
	// Puts the carried-over bytes and up to chunk_bytes of new input into batch's arena.
	Chunk fill(RecordBatch& batch);
	// The parser consumed `used` bytes of the last chunk: keep the rest for the next fill.
	// Checks the consumed text for encoding errors; `first_line` is the line number at the
	// chunk's start (for the message).
	void consumed(const Chunk& chunk, size_t used, int64_t first_line);
	// No complete record fitted: the next fill reads twice as much.
	void need_more() { target_ *= 2; }

	// Header access before the first batch: ensures at least `n` bytes (or all input) are
	// carried and returns them; drop_front removes parsed header bytes.
	std::string_view peek(size_t n);
	void drop_front(size_t n, int64_t first_line);
	bool exhausted() const { return input_.at_end() && carry_.empty(); }
	uint64_t consumed_bytes() const { return input_.consumed(); }
	const SourceInfo& source() const { return source_; }

	// Throws the encoding error for text [p, p+n) starting at `first_line`, if any.
	void check_encoding(const char* p, size_t n, int64_t first_line) const;
	// Drops `n` physical lines (topIgnoredLines), fewer when the input ends first; `line` is the
	// current line number and advances with them.
	void skip_lines(int64_t n, int64_t& line);

	// The text grammars' record loop, shared: parses chunks (`parse(batch, chunk)` returns the
	// bytes it used, advancing `line`) until the batch holds records or the input ends, reading
	// more when no complete record fitted; `stopped()` ends the input early (reGrammar's
	// stopPat).  Returns whether the batch holds records.
	template <class Parse, class Stopped>
	bool next_batch(RecordBatch& batch, const int64_t& line, Parse&& parse, Stopped&& stopped) {
		for (;;) {
			Chunk chunk = fill(batch);
			if (chunk.size == 0) return false;
			int64_t first_line = line;
			size_t used = parse(batch, chunk);
			consumed(chunk, used, first_line);
			if (!batch.empty()) return true;
			if (stopped()) return false;
			if (used == 0) {
				if (chunk.last) return false;
				need_more();
			}
		}
	}

private:
	const SourceInfo& source_;
	TextInput input_;
	size_t target_;
	std::string carry_;
};

} // namespace meles::rd::ingest::detail
