#include "meles/core/formats/json_writer.hpp"

#include "formats/column_plan.hpp"
#include "formats/row_writer.hpp"
#include "formats/text_rows.hpp"

namespace meles::formats {

namespace {

constexpr std::size_t kFlushAt = 1 << 16;

void key(ByteBuffer& out, std::string_view k, std::string_view v, bool first = false) {
	if (!first) out.put(',');
	append_json_string(out, k);
	out.put(':');
	append_json_string(out, v);
}

class JsonWriter final : public RowWriter<TextRows<JsonDialect>> {
public:
	explicit JsonWriter(ByteSink& sink) : sink_(sink) {}

	void begin(const TableHeader& h) override {
		plans_ = plan_columns(h.columns);
		out_.append("{\"columns\":[\n");
		for (std::size_t i = 0; i < h.columns.size(); ++i) {
			const ColumnMeta& m = h.columns[i];
			const ColumnPlan& p = plans_[i];
			if (i) out_.append(",\n");
			out_.put('{');
			key(out_, "name", m.name, true);
			key(out_, "datatype", p.datatype);
			if (!p.arraysize.empty()) key(out_, "arraysize", p.arraysize);
			if (!p.xtype.empty()) key(out_, "xtype", p.xtype);
			if (!m.unit.empty()) key(out_, "unit", m.unit);
			if (!m.ucd.empty()) key(out_, "ucd", m.ucd);
			if (!m.utype.empty()) key(out_, "utype", m.utype);
			if (!m.description.empty()) key(out_, "description", m.description);
			out_.put('}');
		}
		out_.append("],\n\"infos\":[");
		for (std::size_t i = 0; i < h.infos.size(); ++i) {
			if (i) out_.put(',');
			out_.put('{');
			key(out_, "name", h.infos[i].name, true);
			key(out_, "value", h.infos[i].value);
			if (!h.infos[i].content.empty()) key(out_, "content", h.infos[i].content);
			out_.put('}');
		}
		out_.append("],\n\"rows\":[\n");
		enc_ = std::make_unique<TextRows<JsonDialect>>(plans_, out_);
		write_out();
	}
	void begin_row() override {
		enc_->begin_row();
		in_row_ = true;
	}
	void end_row() override {
		enc_->end_row();
		in_row_ = false;
		++rows_;
		if (out_.size() >= kFlushAt) write_out();
	}
	void flush() override {
		if (!enc_ || in_row_) return;
		write_out();
		sink_.flush();
	}
	void finish(EndStatus status, std::string_view message) override {
		if (!enc_) {
			if (status != EndStatus::Error)
				throw Error(ErrorKind::Internal, "JSON writer finished before begin()");
			out_.append("{\"columns\":[],\"infos\":[],\"rows\":[]");
		} else {
			if (in_row_) enc_->drop_row();
			out_.append("\n]");
		}
		in_row_ = false;
		key(out_, "status",
		    status == EndStatus::Ok         ? "OK"
		    : status == EndStatus::Overflow ? "OVERFLOW"
		                                    : "ERROR");
		if (!message.empty()) key(out_, "message", message);
		out_.append("}\n");
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

std::unique_ptr<TableWriter> make_json_writer(ByteSink& sink) {
	return std::make_unique<JsonWriter>(sink);
}

} // namespace meles::formats
