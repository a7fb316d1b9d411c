#include "user_tables/upload.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::services::user_tables {

namespace {
constexpr size_t kCopyChunk = 1 << 20;
}

std::vector<ColumnMeta> upload_columns(const votable::CopyTextConverter& converter) {
	std::vector<ColumnMeta> cols = converter.columns();
	for (auto& c : cols)
		c.description = normalize_space(c.description);
	return cols;
}

void UploadConsumer::on_schema(const votable::TableSchema& schema) {
	converter_.emplace(schema);
	description_ = normalize_space(schema.description);
	builder_ = &open_();
	builder_->create(upload_columns(*converter_));
}

void UploadConsumer::on_rows(const votable::RowBatch& batch) {
	converter_->append(batch, buffer_);
	pending_rows_ += batch.rows();
	if (buffer_.size() >= kCopyChunk) flush();
}

void UploadConsumer::on_end(std::uint64_t, const std::vector<votable::TableInfo>&) {
	flush();
}

void UploadConsumer::flush() {
	if (!builder_) return;
	builder_->write(std::move(buffer_), pending_rows_);
	buffer_ = std::string();
	buffer_.reserve(kCopyChunk + (kCopyChunk >> 2));
	pending_rows_ = 0;
}

} // namespace meles::services::user_tables
