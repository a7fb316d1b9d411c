// VOTable documents: the DALI frame around TABLEDATA or BINARY/BINARY2 rows.
#include "meles/core/votable/votable_writer.hpp"

#include "formats/base64.hpp"
#include "formats/binary_rows.hpp"
#include "formats/column_plan.hpp"
#include "formats/row_writer.hpp"
#include "formats/text_rows.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <set>

namespace meles::votable {

using formats::ByteBuffer;
using formats::ColumnPlan;
using formats::EndStatus;
using formats::TableHeader;

namespace {

constexpr std::size_t kFlushAt = 1 << 16;
constexpr std::size_t kRawBlock = formats::kBase64LineBytes * 1024; // ~57 kB of binary per write

void attr(ByteBuffer& out, std::string_view name, std::string_view value) {
	out.put(' ');
	out.append(name);
	out.append("=\"");
	std::string esc;
	append_xml_escaped(esc, value);
	out.append(esc);
	out.put('"');
}

void opt_attr(ByteBuffer& out, std::string_view name, std::string_view value) {
	if (!value.empty()) attr(out, name, value);
}

void text_element(ByteBuffer& out, std::string_view tag, std::string_view text) {
	out.put('<');
	out.append(tag);
	out.put('>');
	formats::append_xml_text(out, text);
	out.append("</");
	out.append(tag);
	out.append(">\n");
}

void info(ByteBuffer& out, std::string_view name, std::string_view value, std::string_view content) {
	out.append("<INFO");
	attr(out, "name", name);
	attr(out, "value", value);
	if (content.empty()) {
		out.append("/>\n");
	} else {
		out.put('>');
		formats::append_xml_text(out, content);
		out.append("</INFO>\n");
	}
}

void document_start(ByteBuffer& out, std::string_view version) {
	if (version != "1.3" && version != "1.4" && version != "1.5")
		throw Error(ErrorKind::Internal, concat("unsupported VOTable version '", version, "'"));
	out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VOTABLE");
	attr(out, "version", version);
	out.append(" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\""
	           " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
	           " xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3"
	           " http://www.ivoa.net/xml/VOTable/v1.3\">\n"
	           "<RESOURCE type=\"results\">\n");
}

bool is_ncname_start(char c) {
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_ncname_char(char c) {
	return is_ncname_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// An XML ID for a column: its name with anything outside NCName replaced, made unique.
std::string make_id(std::string_view name, std::set<std::string>& used) {
	std::string id;
	for (char c : name)
		id += is_ncname_char(c) ? c : '_';
	if (id.empty() || !is_ncname_start(id[0])) id.insert(0, "_");
	std::string base = id;
	for (int k = 2; !used.insert(id).second; ++k)
		id = base + "_" + std::to_string(k);
	return id;
}

// UCD1+ pos.eq..., or the UCD1 names cone search results carry (POS_EQ_RA_MAIN).
bool has_pos_eq_ucd(std::string_view ucd) {
	for (auto& atom : split(ucd, ';'))
		if (starts_with_ci(trim(atom), "pos.eq") || starts_with_ci(trim(atom), "POS_EQ_")) return true;
	return false;
}

bool is_position(const ColumnMeta& m, const ColumnPlan& p) {
	return p.xtype == "point" || p.xtype == "circle" || p.xtype == "polygon" || has_pos_eq_ucd(m.ucd);
}

void field_body(ByteBuffer& out, const ColumnMeta& m, const ColumnPlan& p) {
	attr(out, "datatype", p.datatype);
	opt_attr(out, "arraysize", p.arraysize);
	opt_attr(out, "xtype", p.xtype);
	opt_attr(out, "unit", m.unit);
	opt_attr(out, "ucd", m.ucd);
	opt_attr(out, "utype", m.utype);
}

void write_header(ByteBuffer& out, const TableHeader& h, const std::vector<ColumnPlan>& plans,
                  const VOTableOptions& o) {
	document_start(out, o.version);
	info(out, "QUERY_STATUS", "OK", "");
	for (auto& i : h.infos)
		info(out, i.name, i.value, i.content);

	std::set<std::string> ids;
	std::string coosys_id, timesys_id;
	bool want_coosys = false, want_timesys = false;
	for (std::size_t i = 0; i < h.columns.size(); ++i) {
		if (is_position(h.columns[i], plans[i])) want_coosys = true;
		if (plans[i].xtype == "timestamp") want_timesys = true;
	}
	if (want_coosys && !o.coosys_system.empty()) {
		coosys_id = make_id("coosys_" + o.coosys_system, ids);
		out.append("<COOSYS");
		attr(out, "ID", coosys_id);
		attr(out, "system", o.coosys_system);
		opt_attr(out, "epoch", o.coosys_epoch);
		if (o.version != "1.3" && o.version != "1.4") opt_attr(out, "refposition", o.coosys_refposition);
		out.append("/>\n");
	}
	if (want_timesys && !o.timesys_timescale.empty() && o.version != "1.3") {
		timesys_id = make_id("timesys_" + o.timesys_timescale, ids);
		out.append("<TIMESYS");
		attr(out, "ID", timesys_id);
		attr(out, "timescale", o.timesys_timescale);
		attr(out, "refposition", o.timesys_refposition);
		out.append("/>\n");
	}
	for (auto& prm : h.params) {
		ColumnPlan pp = formats::plan_column(prm.meta);
		out.append("<PARAM");
		attr(out, "name", prm.meta.name);
		field_body(out, prm.meta, pp);
		// A string PARAM's arraysize must admit its value.
		attr(out, "value", prm.value);
		if (prm.meta.description.empty()) {
			out.append("/>\n");
		} else {
			out.append(">\n");
			text_element(out, "DESCRIPTION", prm.meta.description);
			out.append("</PARAM>\n");
		}
	}

	out.append("<TABLE");
	opt_attr(out, "name", h.table_name);
	out.append(">\n");
	if (!h.description.empty()) text_element(out, "DESCRIPTION", h.description);
	for (std::size_t i = 0; i < h.columns.size(); ++i) {
		const ColumnMeta& m = h.columns[i];
		const ColumnPlan& p = plans[i];
		out.append("<FIELD");
		attr(out, "name", m.name);
		if (o.field_ids) attr(out, "ID", make_id(m.name, ids));
		field_body(out, m, p);
		if (!coosys_id.empty() && is_position(m, p))
			attr(out, "ref", coosys_id);
		else if (!timesys_id.empty() && p.xtype == "timestamp")
			attr(out, "ref", timesys_id);
		// Magic nulls only where the serialization has no other way to say null.
		bool values = p.has_null_value && o.serialization != Serialization::Binary2;
		if (m.description.empty() && !values) {
			out.append("/>\n");
			continue;
		}
		out.append(">\n");
		if (!m.description.empty()) text_element(out, "DESCRIPTION", m.description);
		if (values) {
			out.append("<VALUES");
			attr(out, "null", std::to_string(p.null_value));
			out.append("/>\n");
		}
		out.append("</FIELD>\n");
	}
	out.append("<DATA>");
}

void write_trailer(ByteBuffer& out, EndStatus status, std::string_view message) {
	out.append("</TABLE>\n");
	if (status == EndStatus::Overflow)
		info(out, "QUERY_STATUS", "OVERFLOW", message);
	else if (status == EndStatus::Error)
		info(out, "QUERY_STATUS", "ERROR", message.empty() ? std::string_view("query failed") : message);
	out.append("</RESOURCE>\n</VOTABLE>\n");
}

// What the two writers share: options, sink, output buffer, row bookkeeping.
template <typename Enc> class VOTableWriterBase : public formats::RowWriter<Enc> {
public:
	VOTableWriterBase(ByteSink& sink, const VOTableOptions& o) : sink_(sink), opts_(o) {}

protected:
	void write_out() {
		if (out_.size()) sink_.write(out_.view());
		out_.clear();
	}
	// finish() before begin(): nothing was sent, so a plain error document is still possible.
	bool finish_unbegun(EndStatus status, std::string_view message) {
		if (this->enc_) return false;
		if (status != EndStatus::Error)
			throw Error(ErrorKind::Internal, "VOTable writer finished before begin()");
		write_votable_error(sink_, message, opts_.version);
		return true;
	}

	ByteSink& sink_;
	VOTableOptions opts_;
	std::vector<ColumnPlan> plans_;
	ByteBuffer out_;
	bool in_row_ = false;
	bool finished_ = false;
};

class TabledataWriter final : public VOTableWriterBase<formats::TextRows<formats::TabledataDialect>> {
public:
	using VOTableWriterBase::VOTableWriterBase;

	void begin(const TableHeader& h) override {
		plans_ = formats::plan_columns(h.columns);
		write_header(out_, h, plans_, opts_);
		out_.append("<TABLEDATA>\n");
		enc_ = std::make_unique<formats::TextRows<formats::TabledataDialect>>(plans_, out_);
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
		if (finished_ || finish_unbegun(status, message)) return;
		finished_ = true;
		if (in_row_) enc_->drop_row();
		out_.append("</TABLEDATA></DATA>\n");
		write_trailer(out_, status, message);
		write_out();
	}
};

class BinaryWriter final : public VOTableWriterBase<formats::BinaryRows> {
public:
	using VOTableWriterBase::VOTableWriterBase;

	void begin(const TableHeader& h) override {
		plans_ = formats::plan_columns(h.columns);
		write_header(out_, h, plans_, opts_);
		out_.append(binary2() ? "<BINARY2>" : "<BINARY>");
		out_.append("<STREAM encoding=\"base64\">\n");
		enc_ = std::make_unique<formats::BinaryRows>(plans_, binary2(), raw_);
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
		if (raw_.size() >= kRawBlock) encode(false);
	}
	void raw_be(formats::RawType t, const char* bytes) override { enc_->raw_be(t, bytes); }
	void flush() override {
		if (!enc_ || in_row_) return;
		encode(false);
		sink_.flush();
	}
	void finish(EndStatus status, std::string_view message) override {
		if (finished_ || finish_unbegun(status, message)) return;
		finished_ = true;
		if (in_row_) enc_->drop_row();
		encode(true);
		out_.append("</STREAM>");
		out_.append(binary2() ? "</BINARY2>" : "</BINARY>");
		out_.append("</DATA>\n");
		write_trailer(out_, status, message);
		write_out();
	}

private:
	bool binary2() const { return opts_.serialization == Serialization::Binary2; }

	// Base64-encodes whole 57-byte lines of the raw buffer (all of it when `last`) and writes them.
	void encode(bool last) {
		std::size_t n =
		    last ? raw_.size() : raw_.size() / formats::kBase64LineBytes * formats::kBase64LineBytes;
		if (n) {
			char* p = out_.ensure(formats::base64_lines_size(n));
			out_.commit(
			    formats::base64_encode_lines(reinterpret_cast<const unsigned char*>(raw_.data()), n, p));
			raw_.consume(n);
		}
		write_out();
	}

	ByteBuffer raw_;
};

} // namespace

std::unique_ptr<formats::TableWriter> make_votable_writer(ByteSink& sink, const VOTableOptions& options) {
	if (options.serialization == Serialization::Tabledata)
		return std::make_unique<TabledataWriter>(sink, options);
	return std::make_unique<BinaryWriter>(sink, options);
}

void write_votable_error(ByteSink& sink, std::string_view message, std::string_view version) {
	ByteBuffer out(4096);
	document_start(out, version);
	info(out, "QUERY_STATUS", "ERROR", message.empty() ? std::string_view("unknown error") : message);
	out.append("</RESOURCE>\n</VOTABLE>\n");
	sink.write(out.view());
	sink.flush();
}

std::string_view serialization_name(Serialization s) {
	switch (s) {
	case Serialization::Tabledata:
		return "TABLEDATA";
	case Serialization::Binary:
		return "BINARY";
	case Serialization::Binary2:
		return "BINARY2";
	}
	return "BINARY2";
}

} // namespace meles::votable
