// user_tables/upload.hpp — the body of a PUT as rows of a new user table: bytes from the
// request stream through the VOTable reader (TABLEDATA, BINARY, BINARY2) and the COPY text
// converter into a TableBuilder, in pieces, so memory stays constant whatever the size.
// Thread-safety: one consumer per upload.
#pragma once

#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "user_tables/table_builder.hpp"

#include <functional>
#include <optional>
#include <string>

namespace meles::services::user_tables {

class UploadConsumer final : public votable::VOTableConsumer {
public:
	// `open` is called once, when the schema is known: it makes the builder (and takes the
	// database connection that needs).
	explicit UploadConsumer(std::function<TableBuilder&()> open) : open_(std::move(open)) {}

	void on_schema(const votable::TableSchema& schema) override;
	void on_rows(const votable::RowBatch& batch) override;
	void on_end(std::uint64_t rows, const std::vector<votable::TableInfo>& trailing) override;

	bool saw_table() const { return converter_.has_value(); }
	const std::string& description() const { return description_; }

private:
	void flush();
	std::function<TableBuilder&()> open_;
	TableBuilder* builder_ = nullptr;
	std::optional<votable::CopyTextConverter> converter_;
	std::string description_;
	std::string buffer_;
	uint64_t pending_rows_ = 0;
};

// The columns an uploaded table gets: the converter's (the VOTable reader marks names that are
// not regular ADQL identifiers, reserved words included, as delimited).
std::vector<ColumnMeta> upload_columns(const votable::CopyTextConverter& converter);

} // namespace meles::services::user_tables
