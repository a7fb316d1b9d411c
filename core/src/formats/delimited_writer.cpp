#include "meles/core/formats/delimited_writer.hpp"

#include "formats/column_plan.hpp"
#include "formats/row_writer.hpp"
#include "formats/text_rows.hpp"

namespace meles::formats {

namespace {

constexpr std::size_t kFlushAt = 1 << 16;

template <typename D> class DelimitedWriter final : public RowWriter<TextRows<D>> {
public:
	explicit DelimitedWriter(ByteSink& sink) : sink_(sink) {}

	void begin(const TableHeader& h) override {
		plans_ = plan_columns(h.columns);
		for (std::size_t i = 0; i < h.columns.size(); ++i) {
			if (i) out_.append(D::cell_sep);
			D::text(out_, h.columns[i].name);
		}
		out_.append(D::row_close);
		this->enc_ = std::make_unique<TextRows<D>>(plans_, out_);
		write_out();
	}
	void end_row() override {
		this->enc_->end_row();
		in_row_ = false;
		++this->rows_;
		if (out_.size() >= kFlushAt) write_out();
	}
	void begin_row() override {
		this->enc_->begin_row();
		in_row_ = true;
	}
	void flush() override {
		if (!this->enc_ || in_row_) return;
		write_out();
		sink_.flush();
	}
	void finish(EndStatus, std::string_view) override {
		if (in_row_ && this->enc_) this->enc_->drop_row();
		in_row_ = false;
		write_out();
	}

private:
	void write_out() {
		if (out_.size()) sink_.write(out_.view());
		out_.clear();
	}

	ByteSink& sink_;
	std::vector<ColumnPlan> plans_;
	ByteBuffer out_;
	bool in_row_ = false;
};

} // namespace

std::unique_ptr<TableWriter> make_delimited_writer(ByteSink& sink, Delimiter delimiter) {
	if (delimiter == Delimiter::Comma) return std::make_unique<DelimitedWriter<CsvDialect>>(sink);
	return std::make_unique<DelimitedWriter<TsvDialect>>(sink);
}

} // namespace meles::formats
