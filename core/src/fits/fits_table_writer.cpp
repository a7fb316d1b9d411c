// FITS binary tables from spooled BINARY2-layout rows.
#include "meles/core/fits/fits_table_writer.hpp"

#include "formats/binary_rows.hpp"
#include "formats/column_plan.hpp"
#include "formats/row_writer.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/log/logger.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace meles::fits {

using formats::ByteBuffer;
using formats::ColumnPlan;
using formats::Elem;
using formats::EndStatus;

namespace {

constexpr std::size_t kBlock = 2880;
constexpr std::size_t kSpoolChunk = 1 << 20;

// An unlinked temporary file: gone from the directory at once, freed when closed.
class TempFile {
public:
	explicit TempFile(const std::filesystem::path& dir) {
		std::string tmpl = (dir / "meles-fits-XXXXXX").string();
		fd_ = ::mkstemp(tmpl.data());
		if (fd_ < 0) {
			// The operator needs the directory; a client must not see it.
			log::error(
			    concat("cannot create a FITS spool file in ", dir.string(), ": ", std::strerror(errno)));
			throw Error(ErrorKind::Io, "cannot write the FITS output on the server (see the server log)");
		}
		::unlink(tmpl.c_str());
	}
	~TempFile() {
		if (fd_ >= 0) ::close(fd_);
	}
	TempFile(const TempFile&) = delete;
	TempFile& operator=(const TempFile&) = delete;

	void write(const char* p, std::size_t n) {
		while (n) {
			ssize_t k = ::write(fd_, p, n);
			if (k < 0) {
				if (errno == EINTR) continue;
				throw Error(ErrorKind::Io,
				            concat("writing the FITS spool file failed: ", std::strerror(errno)));
			}
			p += k;
			n -= static_cast<std::size_t>(k);
			size_ += static_cast<std::uint64_t>(k);
		}
	}
	void rewind() {
		if (::lseek(fd_, 0, SEEK_SET) < 0)
			throw Error(ErrorKind::Io,
			            concat("rewinding the FITS spool file failed: ", std::strerror(errno)));
	}
	// Reads up to n bytes; 0 at the end.
	std::size_t read(char* p, std::size_t n) {
		while (true) {
			ssize_t k = ::read(fd_, p, n);
			if (k >= 0) return static_cast<std::size_t>(k);
			if (errno != EINTR)
				throw Error(ErrorKind::Io,
				            concat("reading the FITS spool file failed: ", std::strerror(errno)));
		}
	}
	std::uint64_t size() const { return size_; }

private:
	int fd_ = -1;
	std::uint64_t size_ = 0;
};

// Header cards: 80 columns, keyword in 1-8, "= " in 9-10, fixed-format values right-aligned
// to column 30, strings quoted from column 11.
class Header {
public:
	void logical(std::string_view kw, bool v, std::string_view comment = {}) {
		value(kw, std::string(19, ' ') + (v ? "T" : "F"), comment);
	}
	void integer(std::string_view kw, std::int64_t v, std::string_view comment = {}) {
		std::string s = std::to_string(v);
		value(kw, std::string(s.size() < 20 ? 20 - s.size() : 0, ' ') + s, comment);
	}
	void string(std::string_view kw, std::string_view v, std::string_view comment = {}) {
		std::string q = "'";
		for (char c : v) {
			if (q.size() >= 68) break; // one card holds at most 68 characters of string
			char a = (c >= 0x20 && c < 0x7F) ? c : '?';
			q += a;
			if (a == '\'') q += '\'';
		}
		while (q.size() < 9)
			q += ' ';
		q += '\'';
		value(kw, q, comment);
	}
	void comment(std::string_view text) {
		// Long texts become several COMMENT cards.
		do {
			std::string card = "COMMENT ";
			std::string_view part = text.substr(0, 72);
			for (char c : part)
				card += (c >= 0x20 && c < 0x7F) ? c : '?';
			put(card);
			text.remove_prefix(part.size());
		} while (!text.empty());
	}
	void end() {
		put("END");
		while (cards_.size() % kBlock)
			cards_ += ' ';
	}
	const std::string& bytes() const { return cards_; }

private:
	void value(std::string_view kw, const std::string& v, std::string_view comment) {
		std::string card(kw);
		card.resize(8, ' ');
		card += "= ";
		card += v;
		if (!comment.empty() && card.size() + 3 < 80) {
			card += " / ";
			for (char c : comment)
				card += (c >= 0x20 && c < 0x7F) ? c : '?';
		}
		put(card);
	}
	void put(std::string card) {
		card.resize(80, ' ');
		cards_ += card;
	}

	std::string cards_;
};

struct FitsColumn {
	char letter;             // TFORM type code
	std::uint64_t repeat;    // elements (A: characters) in the row, or 1 for a descriptor
	bool descriptor = false; // variable-length array on the heap
	std::uint64_t max_count = 0;
	std::size_t row_bytes = 0;
};

char letter_of(Elem e) {
	switch (e) {
	case Elem::Bool:
		return 'L';
	case Elem::UByte:
		return 'B';
	case Elem::Short:
		return 'I';
	case Elem::Int:
		return 'J';
	case Elem::Long:
		return 'K';
	case Elem::Float:
		return 'E';
	case Elem::Double:
		return 'D';
	case Elem::Char:
	case Elem::UnicodeChar:
		return 'A';
	}
	return 'A';
}

class FitsTableWriter final : public formats::RowWriter<formats::BinaryRows> {
public:
	FitsTableWriter(ByteSink& sink, std::filesystem::path dir) : sink_(sink), dir_(std::move(dir)) {}

	void begin(const formats::TableHeader& h) override {
		if (h.columns.size() > 999)
			throw Error(ErrorKind::Limit, concat("FITS tables hold at most 999 columns; this one has ",
			                                     std::to_string(h.columns.size())));
		header_ = h;
		plans_ = formats::plan_columns(h.columns);
		// FITS has no UTF-16 strings: spool unicode text as UTF-8 bytes.
		for (auto& p : plans_)
			if (p.elem == Elem::UnicodeChar) {
				p.elem = Elem::Char;
				p.width = 1;
				if (!p.variable) p.count *= 3;
			}
		spool_ = std::make_unique<TempFile>(dir_);
		enc_ = std::make_unique<formats::BinaryRows>(plans_, true, raw_);
		enc_->track_max_counts(&max_counts_);
	}
	void begin_row() override {
		enc_->begin_row();
		in_row_ = true;
	}
	void end_row() override {
		enc_->end_row();
		in_row_ = false;
		++rows_;
		if (raw_.size() >= kSpoolChunk) spill();
	}
	void raw_be(formats::RawType t, const char* bytes) override { enc_->raw_be(t, bytes); }
	void flush() override {}

	void finish(EndStatus status, std::string_view message) override {
		if (finished_) return;
		finished_ = true;
		if (status == EndStatus::Error) return; // nothing sent yet: the caller reports the error
		if (!enc_) throw Error(ErrorKind::Internal, "FITS writer finished before begin()");
		if (in_row_) enc_->drop_row();
		spill();
		layout();
		write_headers(status, message);
		write_data();
	}

private:
	void spill() {
		spool_->write(raw_.data(), raw_.size());
		raw_.clear();
	}

	void layout() {
		std::uint64_t heap = enc_->variable_array_bytes();
		use_q_ = heap >= (std::uint64_t(1) << 31);
		row_bytes_ = 0;
		cols_.clear();
		for (std::size_t i = 0; i < plans_.size(); ++i) {
			const ColumnPlan& p = plans_[i];
			FitsColumn f;
			f.letter = letter_of(p.elem);
			if (p.is_text()) {
				f.repeat = p.variable ? std::max<std::uint64_t>(max_counts_[i], 1) : p.count;
				f.row_bytes = f.repeat;
			} else if (p.variable) {
				f.descriptor = true;
				f.repeat = 1;
				f.max_count = max_counts_[i];
				f.row_bytes = use_q_ ? 16 : 8;
			} else {
				f.repeat = p.count;
				f.row_bytes = p.count * p.width;
			}
			row_bytes_ += f.row_bytes;
			cols_.push_back(f);
		}
	}

	void write_headers(EndStatus status, std::string_view message) {
		Header primary;
		primary.logical("SIMPLE", true, "conforms to FITS standard");
		primary.integer("BITPIX", 8);
		primary.integer("NAXIS", 0);
		primary.logical("EXTEND", true);
		primary.end();
		sink_.write(primary.bytes());

		Header h;
		h.string("XTENSION", "BINTABLE", "binary table extension");
		h.integer("BITPIX", 8);
		h.integer("NAXIS", 2);
		h.integer("NAXIS1", static_cast<std::int64_t>(row_bytes_), "bytes per row");
		h.integer("NAXIS2", static_cast<std::int64_t>(rows_), "rows");
		h.integer("PCOUNT", static_cast<std::int64_t>(enc_->variable_array_bytes()), "heap bytes");
		h.integer("GCOUNT", 1);
		h.integer("TFIELDS", static_cast<std::int64_t>(cols_.size()));
		if (!header_.table_name.empty()) h.string("EXTNAME", header_.table_name);
		for (std::size_t i = 0; i < cols_.size(); ++i) {
			const ColumnMeta& m = header_.columns[i];
			const ColumnPlan& p = plans_[i];
			const FitsColumn& f = cols_[i];
			std::string n = std::to_string(i + 1);
			h.string("TTYPE" + n, m.name);
			std::string tform;
			if (f.descriptor)
				tform = concat("1", use_q_ ? "Q" : "P", std::string(1, f.letter), "(",
				               std::to_string(f.max_count), ")");
			else
				tform = std::to_string(f.repeat) + f.letter;
			h.string("TFORM" + n, tform);
			if (!m.unit.empty()) h.string("TUNIT" + n, m.unit);
			if (p.has_null_value) h.integer("TNULL" + n, p.null_value);
			if (!m.ucd.empty()) h.string("TUCD" + n, m.ucd);
			if (!m.utype.empty()) h.string("TUTYP" + n, m.utype);
			if (!m.description.empty()) h.string("TCOMM" + n, m.description);
			if (!p.xtype.empty()) h.string("TXTYP" + n, p.xtype);
		}
		if (!header_.description.empty()) h.comment(header_.description);
		for (auto& i : header_.infos)
			h.comment(concat(i.name, ": ", i.value, i.content.empty() ? "" : " ", i.content));
		if (status == EndStatus::Overflow)
			h.comment(concat("QUERY_STATUS OVERFLOW: the result was truncated", message.empty() ? "" : ": ",
			                 message));
		h.end();
		sink_.write(h.bytes());
	}

	// Reads the spool row by row, writing the fixed part of every row to the sink and
	// variable-length arrays to a heap file that follows the table.
	void write_data() {
		std::unique_ptr<TempFile> heap_file;
		if (enc_->variable_array_bytes()) heap_file = std::make_unique<TempFile>(dir_);
		spool_->rewind();
		ByteBuffer in(kSpoolChunk);
		ByteBuffer out(kSpoolChunk + 4096);
		ByteBuffer heap(kSpoolChunk / 4);
		std::uint64_t heap_offset = 0;
		std::size_t pos = 0;
		bool eof = false;
		std::uint64_t done = 0;
		const std::size_t bitmap = (plans_.size() + 7) / 8;
		while (done < rows_) {
			std::size_t need = 0;
			if (eof || !row_length(in.data() + pos, in.size() - pos, bitmap, need)) {
				if (eof) throw Error(ErrorKind::Internal, "FITS spool file ends inside a row");
				in.consume(pos);
				pos = 0;
				std::size_t want = std::max(need, kSpoolChunk);
				std::size_t k = spool_->read(in.ensure(want), want);
				in.commit(k);
				if (k == 0) eof = true;
				continue;
			}
			const char* row = in.data() + pos;
			const char* p = row + bitmap;
			for (std::size_t c = 0; c < plans_.size(); ++c) {
				bool is_null = (row[c / 8] >> (7 - c % 8)) & 1;
				p = convert_cell(plans_[c], cols_[c], is_null, p, out, heap, heap_offset);
			}
			pos += need;
			++done;
			if (out.size() >= kSpoolChunk) {
				sink_.write(out.view());
				out.clear();
			}
			if (heap.size() >= kSpoolChunk / 4) {
				heap_file->write(heap.data(), heap.size());
				heap.clear();
			}
		}
		sink_.write(out.view());
		std::uint64_t total = row_bytes_ * rows_;
		if (heap_file) {
			heap_file->write(heap.data(), heap.size());
			heap_file->rewind();
			out.clear();
			std::size_t k;
			while ((k = heap_file->read(out.ensure(kSpoolChunk), kSpoolChunk)) > 0) {
				sink_.write({out.data(), k});
				total += k;
			}
		}
		std::string pad((kBlock - total % kBlock) % kBlock, '\0');
		if (!pad.empty()) sink_.write(pad);
	}

	// Whether a whole spooled row is available; sets its length when it is, or a lower bound.
	bool row_length(const char* p, std::size_t avail, std::size_t bitmap, std::size_t& len) const {
		std::size_t off = bitmap;
		for (auto& c : plans_) {
			if (c.variable) {
				if (off + 4 > avail) {
					len = off + 4;
					return false;
				}
				off += 4 + std::size_t(formats::load_be32(p + off)) * c.count * c.width;
			} else {
				off += std::size_t(c.count) * c.width;
			}
		}
		len = off;
		return off <= avail;
	}

	const char* convert_cell(const ColumnPlan& c, const FitsColumn& f, bool is_null, const char* p,
	                         ByteBuffer& out, ByteBuffer& heap, std::uint64_t& heap_offset) {
		std::size_t n = c.variable ? std::size_t(formats::load_be32(p)) * c.count : c.count;
		const char* data = c.variable ? p + 4 : p;
		std::size_t bytes = n * c.width;
		if (f.descriptor) {
			if (is_null) n = bytes = 0;
			char* d = out.ensure(16);
			if (use_q_) {
				formats::store_be64(d, n);
				formats::store_be64(d + 8, heap_offset);
			} else {
				formats::store_be32(d, static_cast<std::uint32_t>(n));
				formats::store_be32(d + 4, static_cast<std::uint32_t>(heap_offset));
			}
			out.commit(f.row_bytes);
			heap.append(data, bytes);
			heap_offset += bytes;
		} else if (c.is_text()) {
			char* d = out.ensure(f.repeat);
			std::size_t k = is_null ? 0 : std::min<std::size_t>(bytes, f.repeat);
			std::memcpy(d, data, k);
			std::memset(d + k, 0, f.repeat - k);
			out.commit(f.repeat);
		} else if (is_null) {
			char* d = out.ensure(bytes);
			for (std::size_t i = 0; i < n; ++i, d += c.width) {
				switch (c.elem) {
				case Elem::Short:
					formats::store_be16(d, static_cast<std::uint16_t>(c.null_value));
					break;
				case Elem::Int:
					formats::store_be32(d, static_cast<std::uint32_t>(c.null_value));
					break;
				case Elem::Long:
					formats::store_be64(d, static_cast<std::uint64_t>(c.null_value));
					break;
				case Elem::Float:
					formats::store_be32(d, std::bit_cast<std::uint32_t>(std::nanf("")));
					break;
				case Elem::Double:
					formats::store_be64(d, std::bit_cast<std::uint64_t>(std::nan("")));
					break;
				default:
					*d = 0; // L: 0 means undefined; B has no null
				}
			}
			out.commit(bytes);
		} else {
			out.append(data, bytes); // same big-endian layout; booleans are 'T'/'F' in both
		}
		return data + bytes;
	}

	ByteSink& sink_;
	std::filesystem::path dir_;
	formats::TableHeader header_;
	std::vector<ColumnPlan> plans_;
	std::vector<FitsColumn> cols_;
	std::vector<std::uint64_t> max_counts_;
	std::unique_ptr<TempFile> spool_;
	ByteBuffer raw_{kSpoolChunk + 65536};
	std::size_t row_bytes_ = 0;
	bool use_q_ = false;
	bool in_row_ = false;
	bool finished_ = false;
};

} // namespace

std::unique_ptr<formats::TableWriter> make_fits_table_writer(ByteSink& sink,
                                                             const std::filesystem::path& spool_dir) {
	return std::make_unique<FitsTableWriter>(sink, spool_dir);
}

} // namespace meles::fits
