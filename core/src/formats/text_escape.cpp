// Escaping for the text formats.  Each function first looks for the run of bytes that need no
// escaping and copies it in one go, since almost all cells have nothing to escape.
#include "formats/text_rows.hpp"

#include <array>

namespace meles::formats {

namespace {

// 0: copy, 1: needs attention.
template <typename F> constexpr std::array<unsigned char, 256> make_table(F needs) {
	std::array<unsigned char, 256> t{};
	for (int i = 0; i < 256; ++i)
		t[i] = needs(static_cast<unsigned char>(i)) ? 1 : 0;
	return t;
}

constexpr auto kXml =
    make_table([](unsigned char c) { return c == '&' || c == '<' || c == '>' || c < 0x20; });
constexpr auto kCsv =
    make_table([](unsigned char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
constexpr auto kTsv =
    make_table([](unsigned char c) { return c == '\\' || c == '\t' || c == '\r' || c == '\n'; });
constexpr auto kJson = make_table([](unsigned char c) { return c == '"' || c == '\\' || c < 0x20; });

inline std::size_t clean_run(const std::array<unsigned char, 256>& t, std::string_view s, std::size_t i) {
	while (i < s.size() && !t[static_cast<unsigned char>(s[i])])
		++i;
	return i;
}

} // namespace

void append_xml_text(ByteBuffer& out, std::string_view s) {
	std::size_t i = 0;
	while (true) {
		std::size_t j = clean_run(kXml, s, i);
		out.append(s.substr(i, j - i));
		if (j == s.size()) return;
		switch (s[j]) {
		case '&':
			out.append("&amp;");
			break;
		case '<':
			out.append("&lt;");
			break;
		case '>':
			out.append("&gt;");
			break;
		case '\t':
			out.put('\t');
			break;
		case '\n':
			out.put('\n');
			break;
		// A literal CR would be turned into LF by every XML parser.
		case '\r':
			out.append("&#13;");
			break;
		default:
			break; // other C0 controls cannot appear in XML 1.0
		}
		i = j + 1;
	}
}

void append_csv_field(ByteBuffer& out, std::string_view s) {
	std::size_t j = clean_run(kCsv, s, 0);
	if (j == s.size() && !s.empty()) return out.append(s);
	out.put('"');
	for (char c : s) {
		if (c == '"') out.put('"');
		out.put(c);
	}
	out.put('"');
}

void append_tsv_field(ByteBuffer& out, std::string_view s) {
	std::size_t i = 0;
	while (true) {
		std::size_t j = clean_run(kTsv, s, i);
		out.append(s.substr(i, j - i));
		if (j == s.size()) return;
		switch (s[j]) {
		case '\\':
			out.append("\\\\");
			break;
		case '\t':
			out.append("\\t");
			break;
		case '\n':
			out.append("\\n");
			break;
		case '\r':
			out.append("\\r");
			break;
		}
		i = j + 1;
	}
}

void append_json_string(ByteBuffer& out, std::string_view s) {
	out.put('"');
	std::size_t i = 0;
	while (true) {
		std::size_t j = clean_run(kJson, s, i);
		out.append(s.substr(i, j - i));
		if (j == s.size()) break;
		unsigned char c = static_cast<unsigned char>(s[j]);
		switch (c) {
		case '"':
			out.append("\\\"");
			break;
		case '\\':
			out.append("\\\\");
			break;
		case '\n':
			out.append("\\n");
			break;
		case '\r':
			out.append("\\r");
			break;
		case '\t':
			out.append("\\t");
			break;
		default: {
			static constexpr char hex[] = "0123456789abcdef";
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			out.append(u, 6);
		}
		}
		i = j + 1;
	}
	out.put('"');
}

} // namespace meles::formats
