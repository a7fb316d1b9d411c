// meles/rd/ingest/raw_record.hpp — the raw records grammars hand to the rowmaker.
//
// A grammar turns one source into RecordBatches of a few thousand records.  Fields are
// positional; their names are fixed per source (FieldLayout), so the rowmaker binds each
// `@name` to a slot once per source instead of looking names up per row.  Text values are
// views into memory the batch owns (no allocation per field); typed grammars (FITS,
// VOTable) deliver integers, doubles, booleans, strings and numeric arrays.
// Thread-safety: plain data.  A filled batch may be handed to another thread; a batch must
// not be read while a reader refills it.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/expr/value.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace meles::rd::ingest {

enum class ValueKind : uint8_t {
	Null, // missing field (lax reGrammar), TNULL, undefined logical, NaN with nanIsNULL
	Text, // every value of the text grammars; FITS strings
	Int,  // int64
	Double,
	Bool,
	Object,      // any other value (date, list, geometry, ...) a Python grammar or rowfilter made:
	             // an expression Value kept by the batch
	IntArray,    // int64 elements
	DoubleArray, // double elements
	BoolArray,   // uint8 elements, 0 or 1
};

std::string_view value_kind_name(ValueKind kind);

// One field of one record: 16 bytes, trivially copyable.  Text and array values point
// into storage owned by the RecordBatch they came in (valid until that batch is refilled).
class Value {
public:
	Value() : i_(0), size_(0), kind_(ValueKind::Null), elem_nulls_(false) {}

	static Value text(const char* data, size_t size) {
		Value v;
		v.s_ = data;
		v.size_ = static_cast<uint32_t>(size);
		v.kind_ = ValueKind::Text;
		return v;
	}
	static Value text(std::string_view s) { return text(s.data(), s.size()); }
	static Value of_int(int64_t x) {
		Value v;
		v.i_ = x;
		v.kind_ = ValueKind::Int;
		return v;
	}
	static Value of_double(double x) {
		Value v;
		v.d_ = x;
		v.kind_ = ValueKind::Double;
		return v;
	}
	static Value of_bool(bool x) {
		Value v;
		v.i_ = x ? 1 : 0;
		v.kind_ = ValueKind::Bool;
		return v;
	}
	// A value the batch keeps (RecordBatch::keep).
	static Value object(const expr::Value* kept) {
		Value v;
		v.p_ = kept;
		v.kind_ = ValueKind::Object;
		return v;
	}
	// Arrays: `data` holds n elements.  When `null_mask_follows`, n bytes (1 = element is
	// NULL) are stored right after the elements; grammars lay them out so.
	static Value int_array(const int64_t* data, size_t n, bool null_mask_follows) {
		return array(ValueKind::IntArray, data, n, null_mask_follows);
	}
	static Value double_array(const double* data, size_t n, bool null_mask_follows) {
		return array(ValueKind::DoubleArray, data, n, null_mask_follows);
	}
	static Value bool_array(const uint8_t* data, size_t n, bool null_mask_follows) {
		return array(ValueKind::BoolArray, data, n, null_mask_follows);
	}

	ValueKind kind() const { return kind_; }
	bool is_null() const { return kind_ == ValueKind::Null; }
	bool is_array() const { return kind_ >= ValueKind::IntArray; }

	// Accessors; each requires the matching kind (unchecked, like vector::operator[]).
	std::string_view as_text() const { return {s_, size_}; }
	int64_t as_int() const { return i_; }
	double as_double() const { return d_; }
	bool as_bool() const { return i_ != 0; }
	const expr::Value& as_object() const { return *static_cast<const expr::Value*>(p_); }
	size_t array_size() const { return size_; }
	std::span<const int64_t> ints() const { return {static_cast<const int64_t*>(p_), size_}; }
	std::span<const double> doubles() const { return {static_cast<const double*>(p_), size_}; }
	std::span<const uint8_t> bools() const { return {static_cast<const uint8_t*>(p_), size_}; }
	// Whether array element i is NULL (TNULL, undefined logical, NaN under nanIsNULL).
	bool element_null(size_t i) const;
	bool has_element_nulls() const { return elem_nulls_; }

private:
	static Value array(ValueKind k, const void* data, size_t n, bool mask) {
		Value v;
		v.p_ = data;
		v.size_ = static_cast<uint32_t>(n);
		v.kind_ = k;
		v.elem_nulls_ = mask;
		return v;
	}
	union {
		int64_t i_;
		double d_;
		const char* s_;
		const void* p_;
	};
	uint32_t size_;
	ValueKind kind_;
	bool elem_nulls_;
};
static_assert(sizeof(Value) == 16);

// One raw field as a source declares it.
struct FieldInfo {
	std::string name;
	ValueKind kind = ValueKind::Text; // what non-null values of this field are
	std::string unit;                 // FITS TUNIT, VOTable unit; "" for text grammars
};

// The field names of one source, in record order.  Built once per source.
class FieldLayout {
public:
	FieldLayout() = default;
	// Throws Error(Validation) naming `where` on a duplicate name (then `@name` would be
	// ambiguous).  Empty names are allowed (unnamed slots, e.g. a trailing CSV delimiter).
	explicit FieldLayout(std::vector<FieldInfo> fields, const SourcePos& where = {});
	static FieldLayout from_names(const std::vector<std::string>& names, const SourcePos& where = {});

	size_t size() const { return fields_.size(); }
	const std::vector<FieldInfo>& fields() const { return fields_; }
	const FieldInfo& field(size_t i) const { return fields_[i]; }
	std::vector<std::string> names() const;
	// Slot of `name` (exact, case-sensitive as in DaCHS), or nullopt.
	std::optional<size_t> index_of(std::string_view name) const;

private:
	std::vector<FieldInfo> fields_;
	std::unordered_map<std::string, size_t> index_;
};

// One source of a data element: a file found by <sources>, or a literal <item> token.
// These are also DaCHS's per-source constants (\srcstem, \inputSize, rootlessPath).
struct SourceInfo {
	std::string path;    // absolute file path, or the literal token for items
	std::string display; // path relative to resdir when below it (used in messages)
	std::string stem;    // file name without directory and last extension ("cat" for data/cat.csv)
	std::string resdir;  // the RD's resource directory (working directory for preFilter)
	uint64_t size = 0;   // bytes on disk at expansion time; 0 for items
	size_t index = 0;    // position in the expanded source list
	bool is_item = false;

	// A SourceInfo for a file given directly (tests, tools); display relative to resdir.
	static SourceInfo for_file(const std::string& path, const std::string& resdir = {});
};

// Whether record positions count text lines or table rows (FITS, VOTable).
enum class PositionUnit : uint8_t { Line, Row };

// A batch of records from one source.  Grammars fill it (begin/append/arena calls);
// the rowmaker reads it.  Reusing one batch object across next() calls reuses its memory.
class RecordBatch {
public:
	RecordBatch() = default;
	RecordBatch(const RecordBatch&) = delete;
	RecordBatch& operator=(const RecordBatch&) = delete;
	RecordBatch(RecordBatch&&) = default;
	RecordBatch& operator=(RecordBatch&&) = default;

	// --- reading ---
	size_t size() const { return lines_.size(); }
	bool empty() const { return lines_.empty(); }
	size_t width() const { return width_; }
	const SourceInfo& source() const { return *source_; }
	const FieldLayout& layout() const { return *layout_; }
	std::span<const Value> record(size_t r) const { return {values_.data() + r * width_, width_}; }
	const Value& value(size_t r, size_t field) const { return values_[r * width_ + field]; }
	// 1-based line (text grammars: where the record starts) or row number.
	int64_t line(size_t r) const { return lines_[r]; }
	PositionUnit unit() const { return unit_; }
	// Position for error messages: {"data/cat.csv", 1532} or {"data/cat.fits, row 12", 0}.
	SourcePos pos(size_t r) const;
	// "data/cat.csv:1532: <message>" style error for record r, field `field` (or none).
	Error error(size_t r, std::string message, std::optional<size_t> field = std::nullopt) const;
	// Records the grammar could not parse (wrong number of fields, an unterminated quote),
	// when the reader was opened with ReadOptions::bad_records_in_batch: they hold Null
	// values and this says what is wrong.  nullptr for good records.  The consumer decides
	// whether a bad record stops the import or is skipped, and it meets them in file order.
	const std::string* problem(size_t r) const {
		if (problems_.empty()) return nullptr;
		auto it = std::lower_bound(problems_.begin(), problems_.end(), r,
		                           [](const auto& p, size_t v) { return p.first < v; });
		return it != problems_.end() && it->first == r ? &it->second : nullptr;
	}
	bool has_problems() const { return !problems_.empty(); }

	// --- filling (grammars) ---
	void begin(std::shared_ptr<const SourceInfo> source, std::shared_ptr<const FieldLayout> layout,
	           PositionUnit unit);
	// Appends a record of width() Null values and returns them for filling.  The pointer
	// is valid until the next append.
	Value* append(int64_t line) {
		lines_.push_back(line);
		size_t at = values_.size();
		values_.resize(at + width_);
		return values_.data() + at;
	}
	void pop_back() {
		lines_.pop_back();
		values_.resize(values_.size() - width_);
		if (!problems_.empty() && problems_.back().first == lines_.size()) problems_.pop_back();
	}
	// Appends a record that could not be parsed (all Null) with what is wrong with it.
	void append_problem(int64_t line, std::string message) {
		append(line);
		problems_.emplace_back(lines_.size() - 1, std::move(message));
	}
	// Appends n records at once (typed grammars fill them column by column).
	void append_n(size_t n, int64_t first_line) {
		for (size_t i = 0; i < n; ++i)
			lines_.push_back(first_line + static_cast<int64_t>(i));
		values_.resize(values_.size() + n * width_);
	}
	Value* mutable_record(size_t r) { return values_.data() + r * width_; }
	// Keeps a copy of `s` alive until the next begin() (for text a grammar had to rebuild,
	// e.g. reGrammar's recordCleaner) and returns a view of it.
	std::string_view store(std::string_view s);
	// Byte and 8-byte-word storage for values, valid until the next begin().  Request the
	// whole need before creating values that point into it: a larger request reallocates
	// (keeping the contents), which would leave earlier values dangling.
	char* chars(size_t n);
	int64_t* words(size_t n);
	// Keeps an expression value until the next begin() and returns a field value for it.
	Value keep(expr::Value v);
	size_t chars_capacity() const { return chars_cap_; }

private:
	std::shared_ptr<const SourceInfo> source_;
	std::shared_ptr<const FieldLayout> layout_;
	PositionUnit unit_ = PositionUnit::Line;
	size_t width_ = 0;
	std::vector<Value> values_;
	std::vector<int64_t> lines_;
	std::vector<std::pair<size_t, std::string>> problems_; // (record, message), in record order
	std::unique_ptr<char[]> chars_;
	size_t chars_cap_ = 0;
	std::unique_ptr<int64_t[]> words_;
	size_t words_cap_ = 0;
	std::deque<std::string> stored_;
	std::deque<expr::Value> objects_;
};

// The expression value of a raw field: the one conversion from grammar values to what
// rowmaker expressions (and, through them, Python code) see.  Text is borrowed from the
// batch; arrays become lists (NULL elements None).
expr::Value to_expr_value(const Value& v);

} // namespace meles::rd::ingest
