// fitsTableGrammar.  Reads a chunk of rows column by column (CFITSIO's fast direction)
// into the batch's arenas and builds row-major Values pointing there.
#include "meles/rd/ingest/grammars/fits_table_grammar.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/fits/fits_table_reader.hpp"

#include <cmath>
#include <cstring>

namespace meles::rd::ingest {

using core::fits::CellType;
using core::fits::FitsTableReader;
using core::fits::TableColumn;

namespace {

ValueKind kind_of(const TableColumn& c) {
	bool arr = !c.scalar();
	switch (c.type) {
	case CellType::Logical:
		return arr ? ValueKind::BoolArray : ValueKind::Bool;
	case CellType::Integer:
		return arr ? ValueKind::IntArray : ValueKind::Int;
	case CellType::Float:
		return arr ? ValueKind::DoubleArray : ValueKind::Double;
	case CellType::String:
		return ValueKind::Text;
	}
	return ValueKind::Text;
}

// Words needed for one array cell of n elements plus its trailing null mask.
size_t cell_words(size_t n, CellType t) {
	size_t elem_bytes = t == CellType::Logical ? 1 : 8;
	return (n * elem_bytes + n + 7) / 8;
}

class FitsReader final : public RecordReader {
public:
	FitsReader(std::shared_ptr<const SourceInfo> src, const FitsTableGrammarOptions& opt,
	           const ReadOptions& ro)
	    : RecordReader(std::move(src)), reader_(wrap_open(*source_, opt.hdu)), opt_(opt) {
		std::vector<FieldInfo> fields;
		for (auto& c : reader_.columns())
			fields.push_back(FieldInfo{opt.lower_keys ? to_lower(c.name) : c.name, kind_of(c), c.unit});
		set_layout(FieldLayout(std::move(fields), SourcePos{source_->display, 0, 0}));
		chunk_rows_ = static_cast<int64_t>(std::max<size_t>(1, ro.max_records));
		chunk_rows_ = std::min<int64_t>(chunk_rows_, std::max<int64_t>(reader_.preferred_chunk_rows(), 256));
	}

	bool next(RecordBatch& batch) override {
		batch.begin(source_, layout_, PositionUnit::Row);
		const int64_t total = reader_.rows();
		if (row_ >= total) return false;
		const int64_t n = std::min(chunk_rows_, total - row_);
		const auto& cols = reader_.columns();
		const size_t ncols = cols.size();

		// Arena sizes first: values will point into them, so they must not move later.
		size_t words = 0, chars = 0;
		varlen_.assign(ncols, {});
		for (size_t c = 0; c < ncols; ++c) {
			const TableColumn& col = cols[c];
			if (col.variable_length) {
				auto& lens = varlen_[c];
				lens.resize(static_cast<size_t>(n));
				reader_.read_lengths(c, row_, n, lens.data());
				for (int64_t len : lens) {
					if (col.type == CellType::String)
						chars += static_cast<size_t>(len) + 1;
					else
						words += cell_words(static_cast<size_t>(len), col.type);
				}
			} else if (col.type == CellType::String) {
				chars += static_cast<size_t>(n) * (static_cast<size_t>(col.repeat) + 1);
			} else if (!col.scalar()) {
				words += static_cast<size_t>(n) * cell_words(static_cast<size_t>(col.repeat), col.type);
			}
		}
		char* cbase = batch.chars(chars + 1);
		int64_t* wbase = batch.words(words + 1);
		size_t cpos = 0, wpos = 0;

		batch.append_n(static_cast<size_t>(n), row_ + 1);
		for (size_t c = 0; c < ncols; ++c) {
			const TableColumn& col = cols[c];
			if (col.variable_length)
				fill_varlen(batch, c, col, n, cbase, cpos, wbase, wpos);
			else if (col.type == CellType::String)
				fill_strings(batch, c, col, n, cbase, cpos);
			else if (col.scalar())
				fill_scalars(batch, c, col, n);
			else
				fill_arrays(batch, c, col, n, wbase, wpos);
		}
		row_ += n;
		set_consumed(total ? static_cast<uint64_t>(static_cast<double>(source_->size) * row_ / total)
		                   : source_->size);
		return true;
	}

private:
	static FitsTableReader wrap_open(const SourceInfo& src, int hdu) {
		try {
			return FitsTableReader(src.path, hdu);
		} catch (const Error& e) {
			// Name the file as the operator knows it (resdir-relative), not CFITSIO's path.
			throw Error(e.kind(), e.message(), SourcePos{src.display, 0, 0});
		}
	}

	void fill_scalars(RecordBatch& batch, size_t c, const TableColumn& col, int64_t n) {
		nulls_.resize(static_cast<size_t>(n));
		switch (col.type) {
		case CellType::Integer: {
			ints_.resize(static_cast<size_t>(n));
			reader_.read_integers(c, row_, n, ints_.data(), nulls_.data());
			for (int64_t r = 0; r < n; ++r)
				batch.mutable_record(r)[c] = nulls_[r] ? Value() : Value::of_int(ints_[r]);
			break;
		}
		case CellType::Float: {
			dbls_.resize(static_cast<size_t>(n));
			reader_.read_floats(c, row_, n, dbls_.data(), nulls_.data());
			for (int64_t r = 0; r < n; ++r) {
				bool null = nulls_[r] && (col.has_tnull || opt_.nan_is_null);
				batch.mutable_record(r)[c] = null ? Value() : Value::of_double(dbls_[r]);
			}
			break;
		}
		case CellType::Logical: {
			bytes_.resize(static_cast<size_t>(n));
			reader_.read_logicals(c, row_, n, bytes_.data(), nulls_.data());
			for (int64_t r = 0; r < n; ++r)
				batch.mutable_record(r)[c] = nulls_[r] ? Value() : Value::of_bool(bytes_[r] != 0);
			break;
		}
		case CellType::String:
			break;
		}
	}

	void fill_strings(RecordBatch& batch, size_t c, const TableColumn& col, int64_t n, char* cbase,
	                  size_t& cpos) {
		lens_.resize(static_cast<size_t>(n));
		nulls_.resize(static_cast<size_t>(n));
		char* out = cbase + cpos;
		reader_.read_strings(c, row_, n, col.repeat, out, lens_.data(), nulls_.data());
		for (int64_t r = 0; r < n; ++r) {
			const char* s = out + r * (col.repeat + 1);
			batch.mutable_record(r)[c] = nulls_[r] ? Value() : Value::text(s, lens_[r]);
		}
		cpos += static_cast<size_t>(n) * (static_cast<size_t>(col.repeat) + 1);
	}

	// Reads `count` elements starting at row `row` into the scratch vectors.
	void read_elements(size_t c, const TableColumn& col, int64_t row, int64_t count) {
		nulls_.resize(static_cast<size_t>(count));
		if (col.type == CellType::Integer) {
			ints_.resize(static_cast<size_t>(count));
			reader_.read_integers(c, row, count, ints_.data(), nulls_.data());
		} else if (col.type == CellType::Float) {
			dbls_.resize(static_cast<size_t>(count));
			reader_.read_floats(c, row, count, dbls_.data(), nulls_.data());
			// The reader flags NaN in float data and TNULL hits in scaled integer data; a
			// flagged NaN stays a NaN element unless nanIsNULL.
			for (int64_t i = 0; i < count; ++i)
				nulls_[i] = nulls_[i] && (col.has_tnull || opt_.nan_is_null);
		} else {
			bytes_.resize(static_cast<size_t>(count));
			reader_.read_logicals(c, row, count, bytes_.data(), nulls_.data());
		}
	}

	// Lays out one cell (elements then mask) at wbase+wpos and returns its Value.
	Value place_cell(const TableColumn& col, size_t from, size_t count, int64_t* wbase, size_t& wpos) {
		int64_t* cell = wbase + wpos;
		bool any_null = false;
		for (size_t i = 0; i < count; ++i)
			any_null = any_null || nulls_[from + i];
		uint8_t* mask;
		Value v;
		if (col.type == CellType::Logical) {
			auto* b = reinterpret_cast<uint8_t*>(cell);
			std::memcpy(b, bytes_.data() + from, count);
			mask = b + count;
			v = Value::bool_array(b, count, any_null);
		} else if (col.type == CellType::Integer) {
			std::memcpy(cell, ints_.data() + from, count * 8);
			mask = reinterpret_cast<uint8_t*>(cell + count);
			v = Value::int_array(cell, count, any_null);
		} else {
			auto* d = reinterpret_cast<double*>(cell);
			std::memcpy(d, dbls_.data() + from, count * 8);
			mask = reinterpret_cast<uint8_t*>(d + count);
			v = Value::double_array(d, count, any_null);
		}
		if (any_null) std::memcpy(mask, nulls_.data() + from, count);
		wpos += cell_words(count, col.type);
		return v;
	}

	void fill_arrays(RecordBatch& batch, size_t c, const TableColumn& col, int64_t n, int64_t* wbase,
	                 size_t& wpos) {
		const size_t rep = static_cast<size_t>(col.repeat);
		read_elements(c, col, row_, n * col.repeat);
		for (int64_t r = 0; r < n; ++r)
			batch.mutable_record(r)[c] = place_cell(col, static_cast<size_t>(r) * rep, rep, wbase, wpos);
	}

	void fill_varlen(RecordBatch& batch, size_t c, const TableColumn& col, int64_t n, char* cbase,
	                 size_t& cpos, int64_t* wbase, size_t& wpos) {
		const auto& lens = varlen_[c];
		for (int64_t r = 0; r < n; ++r) {
			int64_t len = lens[r];
			if (col.type == CellType::String) {
				uint32_t l = 0;
				uint8_t null = 0;
				char* out = cbase + cpos;
				out[0] = 0;
				if (len > 0) reader_.read_strings(c, row_ + r, 1, len, out, &l, &null);
				batch.mutable_record(r)[c] = null ? Value() : Value::text(out, l);
				cpos += static_cast<size_t>(len) + 1;
				continue;
			}
			if (len > 0) read_elements(c, col, row_ + r, len);
			batch.mutable_record(r)[c] = place_cell(col, 0, static_cast<size_t>(len), wbase, wpos);
		}
	}

	FitsTableReader reader_;
	FitsTableGrammarOptions opt_;
	int64_t row_ = 0;
	int64_t chunk_rows_ = 1;
	std::vector<std::vector<int64_t>> varlen_;
	std::vector<int64_t> ints_;
	std::vector<double> dbls_;
	std::vector<uint8_t> bytes_, nulls_;
	std::vector<uint32_t> lens_;
};

} // namespace

FitsTableGrammarOptions FitsTableGrammarOptions::from_element(const GrammarElement& el) {
	detail::AttributeReader a(el, grammar_record("fitsTableGrammar"));
	FitsTableGrammarOptions o;
	o.hdu = static_cast<int>(a.integer("hdu", 1, 0, 100000));
	o.lower_keys = a.boolean("lowerKeys", false);
	o.nan_is_null = a.boolean("nanIsNULL", false);
	return o;
}

FitsTableGrammar::FitsTableGrammar(FitsTableGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(options) {}

std::unique_ptr<Grammar> FitsTableGrammar::create(const GrammarElement& el) {
	return std::make_unique<FitsTableGrammar>(FitsTableGrammarOptions::from_element(el), el.pos);
}

std::unique_ptr<RecordReader> FitsTableGrammar::open(const SourceInfo& source,
                                                     const ReadOptions& options) const {
	return std::make_unique<FitsReader>(std::make_shared<const SourceInfo>(source), options_, options);
}

} // namespace meles::rd::ingest
