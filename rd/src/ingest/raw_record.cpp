#include "meles/rd/ingest/raw_record.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>

namespace meles::rd::ingest {

std::string_view value_kind_name(ValueKind kind) {
	switch (kind) {
	case ValueKind::Null:
		return "null";
	case ValueKind::Text:
		return "text";
	case ValueKind::Int:
		return "integer";
	case ValueKind::Double:
		return "double";
	case ValueKind::Bool:
		return "boolean";
	case ValueKind::Object:
		return "object";
	case ValueKind::IntArray:
		return "integer array";
	case ValueKind::DoubleArray:
		return "double array";
	case ValueKind::BoolArray:
		return "boolean array";
	}
	return "?";
}

bool Value::element_null(size_t i) const {
	if (!elem_nulls_ || i >= size_) return false;
	const uint8_t* mask = nullptr;
	switch (kind_) {
	case ValueKind::IntArray:
		mask = reinterpret_cast<const uint8_t*>(static_cast<const int64_t*>(p_) + size_);
		break;
	case ValueKind::DoubleArray:
		mask = reinterpret_cast<const uint8_t*>(static_cast<const double*>(p_) + size_);
		break;
	case ValueKind::BoolArray:
		mask = static_cast<const uint8_t*>(p_) + size_;
		break;
	default:
		return false;
	}
	return mask[i] != 0;
}

FieldLayout::FieldLayout(std::vector<FieldInfo> fields, const SourcePos& where) : fields_(std::move(fields)) {
	index_.reserve(fields_.size());
	for (size_t i = 0; i < fields_.size(); ++i) {
		const std::string& n = fields_[i].name;
		if (n.empty()) continue;
		if (!index_.emplace(n, i).second) {
			std::string msg =
			    concat("field name '", n, "' occurs twice (positions ", std::to_string(index_[n] + 1),
			           " and ", std::to_string(i + 1), "); @", n, " would be ambiguous");
			if (where.source.empty() && where.line == 0) throw Error(ErrorKind::Validation, msg);
			throw Error(ErrorKind::Validation, msg, where);
		}
	}
}

FieldLayout FieldLayout::from_names(const std::vector<std::string>& names, const SourcePos& where) {
	std::vector<FieldInfo> f;
	f.reserve(names.size());
	for (auto& n : names)
		f.push_back(FieldInfo{n, ValueKind::Text, {}});
	return FieldLayout(std::move(f), where);
}

std::vector<std::string> FieldLayout::names() const {
	std::vector<std::string> out;
	out.reserve(fields_.size());
	for (auto& f : fields_)
		out.push_back(f.name);
	return out;
}

std::optional<size_t> FieldLayout::index_of(std::string_view name) const {
	auto it = index_.find(std::string(name));
	if (it == index_.end()) return std::nullopt;
	return it->second;
}

SourceInfo SourceInfo::for_file(const std::string& path, const std::string& resdir) {
	namespace fs = std::filesystem;
	SourceInfo s;
	std::error_code ec;
	fs::path p = fs::absolute(fs::path(path), ec);
	s.path = (ec ? fs::path(path) : p).lexically_normal().string();
	s.resdir = resdir;
	s.display = s.path;
	if (!resdir.empty()) {
		fs::path base = fs::absolute(fs::path(resdir), ec).lexically_normal();
		fs::path rel = fs::path(s.path).lexically_relative(base);
		if (!rel.empty() && *rel.begin() != "..") s.display = rel.string();
	}
	s.stem = fs::path(s.path).stem().string();
	auto sz = fs::file_size(fs::path(s.path), ec);
	s.size = ec ? 0 : static_cast<uint64_t>(sz);
	return s;
}

SourcePos RecordBatch::pos(size_t r) const {
	const std::string& name = source_ ? source_->display : std::string();
	if (unit_ == PositionUnit::Row) return SourcePos{concat(name, ", row ", std::to_string(lines_[r])), 0, 0};
	return SourcePos{name, static_cast<int>(lines_[r]), 0};
}

Error RecordBatch::error(size_t r, std::string message, std::optional<size_t> field) const {
	if (field && layout_ && *field < layout_->size()) {
		const std::string& fname = layout_->field(*field).name;
		message = concat("field ", fname.empty() ? "#" + std::to_string(*field + 1) : fname, ": ", message);
	}
	return Error(ErrorKind::Validation, std::move(message), pos(r));
}

void RecordBatch::begin(std::shared_ptr<const SourceInfo> source, std::shared_ptr<const FieldLayout> layout,
                        PositionUnit unit) {
	source_ = std::move(source);
	layout_ = std::move(layout);
	unit_ = unit;
	width_ = layout_ ? layout_->size() : 0;
	values_.clear();
	lines_.clear();
	problems_.clear();
	stored_.clear();
	objects_.clear();
}

Value RecordBatch::keep(expr::Value v) {
	objects_.push_back(std::move(v));
	return Value::object(&objects_.back());
}

expr::Value to_expr_value(const Value& v) {
	namespace ex = meles::rd::expr;
	switch (v.kind()) {
	case ValueKind::Null:
		return ex::Value::none();
	case ValueKind::Text:
		return ex::Value::borrow(v.as_text());
	case ValueKind::Int:
		return ex::Value::integer(v.as_int());
	case ValueKind::Double:
		return ex::Value::real(v.as_double());
	case ValueKind::Bool:
		return ex::Value::boolean(v.as_bool());
	case ValueKind::Object:
		return v.as_object();
	case ValueKind::IntArray:
	case ValueKind::DoubleArray:
	case ValueKind::BoolArray: {
		std::vector<ex::Value> items;
		items.reserve(v.array_size());
		for (size_t i = 0; i < v.array_size(); ++i) {
			if (v.element_null(i))
				items.push_back(ex::Value::none());
			else if (v.kind() == ValueKind::IntArray)
				items.push_back(ex::Value::integer(v.ints()[i]));
			else if (v.kind() == ValueKind::DoubleArray)
				items.push_back(ex::Value::real(v.doubles()[i]));
			else
				items.push_back(ex::Value::boolean(v.bools()[i] != 0));
		}
		return ex::Value::list(std::move(items));
	}
	}
	return ex::Value::none();
}

std::string_view RecordBatch::store(std::string_view s) {
	stored_.emplace_back(s);
	return stored_.back();
}

char* RecordBatch::chars(size_t n) {
	if (n > chars_cap_) {
		size_t cap = std::max(n, chars_cap_ * 2);
		// make_unique_for_overwrite: the arena is filled by reads, zeroing it is wasted time.
		auto fresh = std::make_unique_for_overwrite<char[]>(cap);
		if (chars_cap_) std::memcpy(fresh.get(), chars_.get(), chars_cap_);
		chars_ = std::move(fresh);
		chars_cap_ = cap;
	}
	return chars_.get();
}

int64_t* RecordBatch::words(size_t n) {
	if (n > words_cap_) {
		size_t cap = std::max(n, words_cap_ * 2);
		auto fresh = std::make_unique_for_overwrite<int64_t[]>(cap);
		if (words_cap_) std::memcpy(fresh.get(), words_.get(), words_cap_ * sizeof(int64_t));
		words_ = std::move(fresh);
		words_cap_ = cap;
	}
	return words_.get();
}

} // namespace meles::rd::ingest
