#include "html_table_writer.hpp"

#include "meles/core/common/strings.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace meles::services {

namespace {

class HtmlTableWriter final : public formats::TableWriter {
public:
	explicit HtmlTableWriter(ByteSink& sink) : sink_(sink) {}

	void begin(const formats::TableHeader& h) override {
		buf_ += "<table class=\"results\"><thead><tr>";
		bibcode_.clear();
		for (auto& c : h.columns) {
			bibcode_.push_back(is_bibcode(c.ucd));
			buf_ += "<th title=\"";
			append_xml_escaped(buf_, c.description);
			buf_ += "\">";
			append_xml_escaped(buf_, c.tablehead.empty() ? c.name : c.tablehead);
			if (!c.unit.empty()) {
				buf_ += " [";
				append_xml_escaped(buf_, c.unit);
				buf_ += "]";
			}
			buf_ += "</th>";
		}
		buf_ += "</tr></thead><tbody>\n";
	}
	void begin_row() override {
		buf_ += "<tr>";
		col_ = 0;
	}
	void end_row() override {
		buf_ += "</tr>\n";
		++rows_;
		if (buf_.size() > 65536) flush();
	}
	void null() override {
		buf_ += "<td></td>";
		++col_;
	}
	void boolean(bool v) override { cell(v ? "True" : "False"); }
	void int16(int16_t v) override { cell(std::to_string(v)); }
	void int32(int32_t v) override { cell(std::to_string(v)); }
	void int64(int64_t v) override { cell(std::to_string(v)); }
	void float32(float v) override { cell(fmt(v)); }
	void float64(double v) override { cell(fmt(v)); }
	void string(std::string_view s) override {
		if (col_ < bibcode_.size() && bibcode_[col_] && !trim(s).empty()) {
			// Bibcodes are links to their ADS abstract pages (as in DaCHS).
			buf_ += "<td><a href=\"https://ui.adsabs.harvard.edu/abs/";
			append_xml_escaped(buf_, url_encode(trim(s)));
			buf_ += "/abstract\">";
			append_xml_escaped(buf_, s);
			buf_ += "</a></td>";
			++col_;
			return;
		}
		cell(s);
	}
	void timestamp(int64_t us) override {
		time_t secs = static_cast<time_t>(946684800 + us / 1000000);
		std::tm tm{};
		gmtime_r(&secs, &tm);
		char b[32];
		std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
		cell(b);
	}
	void date(int32_t days) override {
		time_t secs = static_cast<time_t>(946684800 + int64_t{days} * 86400);
		std::tm tm{};
		gmtime_r(&secs, &tm);
		char b[16];
		std::strftime(b, sizeof b, "%Y-%m-%d", &tm);
		cell(b);
	}
	void array(std::span<const uint8_t> v) override { list(v); }
	void array(std::span<const int16_t> v) override { list(v); }
	void array(std::span<const int32_t> v) override { list(v); }
	void array(std::span<const int64_t> v) override { list(v); }
	void array(std::span<const float> v) override { list(v); }
	void array(std::span<const double> v) override { list(v); }
	void finish(formats::EndStatus status, std::string_view message) override {
		buf_ += "</tbody></table>\n";
		if (status == formats::EndStatus::Overflow)
			buf_ += "<p class=\"warning\">More rows matched than are shown here; narrow the search.</p>\n";
		if (status == formats::EndStatus::Error) {
			buf_ += "<p class=\"error\">The query failed: ";
			append_xml_escaped(buf_, message);
			buf_ += "</p>\n";
		}
		flush();
	}
	void flush() override {
		if (!buf_.empty()) sink_.write(buf_);
		buf_.clear();
	}
	uint64_t rows() const override { return rows_; }

private:
	template <typename T> static std::string fmt(T v) {
		char b[32];
		auto r = std::to_chars(b, b + sizeof b, v);
		return std::string(b, r.ptr);
	}
	void cell(std::string_view s) {
		buf_ += "<td>";
		append_xml_escaped(buf_, s);
		buf_ += "</td>";
		++col_;
	}
	// UCD meta.bib.bibcode as one of the atoms (compared without case, as UCDs are).
	static bool is_bibcode(std::string_view ucd) {
		for (auto& atom : split(ucd, ';'))
			if (iequals(trim(atom), "meta.bib.bibcode")) return true;
		return false;
	}
	template <typename T> void list(std::span<const T> v) {
		std::string s;
		for (size_t i = 0; i < v.size(); ++i) {
			if (i) s += ' ';
			s += fmt(v[i]);
		}
		cell(s);
	}
	ByteSink& sink_;
	std::string buf_;
	std::vector<bool> bibcode_; // per column: render values as ADS links
	size_t col_ = 0;
	uint64_t rows_ = 0;
};

} // namespace

std::unique_ptr<formats::TableWriter> make_html_table_writer(ByteSink& sink) {
	return std::make_unique<HtmlTableWriter>(sink);
}

} // namespace meles::services
