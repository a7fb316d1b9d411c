#include "meles/rd/start/rd_template.hpp"

#include "meles/core/adql/identifiers.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace meles::rd::start {

namespace {

std::string read_file(const fs::path& file) {
	std::ifstream in(file, std::ios::binary);
	if (!in) throw Error(ErrorKind::Io, concat("cannot read ", file.string()));
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

// One record of a delimited text file: quotes only at a field's start, "" inside quotes.
std::vector<std::string> split_record(std::string_view line, char delimiter) {
	std::vector<std::string> out;
	std::string field;
	bool quoted = false, at_start = true;
	for (size_t i = 0; i < line.size(); ++i) {
		char c = line[i];
		if (quoted) {
			if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
				field += '"';
				++i;
			} else if (c == '"') {
				quoted = false;
			} else {
				field += c;
			}
		} else if (c == '"' && at_start) {
			quoted = true;
			at_start = false;
		} else if (c == delimiter) {
			out.push_back(std::string(trim(field)));
			field.clear();
			at_start = true;
		} else {
			field += c;
			if (c != ' ') at_start = false;
		}
	}
	out.push_back(std::string(trim(field)));
	return out;
}

enum class Kind { Int, Double, Text };

Kind kind_of(const std::string& v) {
	if (v.empty()) return Kind::Int;
	errno = 0;
	char* end = nullptr;
	(void)std::strtoll(v.c_str(), &end, 10);
	if (*end == '\0' && errno == 0) return Kind::Int;
	errno = 0;
	(void)std::strtod(v.c_str(), &end);
	// strtod also reads "nan", "inf" and hex floats, which a catalogue's numbers are not
	bool plain = v.find_first_not_of("0123456789+-.eE") == std::string::npos;
	if (*end == '\0' && errno == 0 && plain) return Kind::Double;
	return Kind::Text;
}

std::string column_name_from(const std::string& header, size_t index) {
	std::string n;
	for (char c : to_lower(header)) {
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
		if (ok)
			n += c;
		else if (!n.empty() && n.back() != '_')
			n += '_';
	}
	while (!n.empty() && n.back() == '_')
		n.pop_back();
	if (n.empty()) n = concat("col", std::to_string(index + 1));
	if (n[0] >= '0' && n[0] <= '9') n = "c_" + n;
	if (n[0] == '_') n = "c" + n;
	if (n.size() > 63) n.resize(63);
	if (adql::is_reserved_word(n)) n += "_";
	return n;
}

// A binary sample (a FITS image, say) is written in the template as base64 lines.
std::string decode_base64(std::string_view text, const SourcePos& pos) {
	static constexpr std::string_view alphabet =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	std::string out;
	unsigned buffer = 0;
	int bits = 0;
	bool padding = false;
	for (char c : text) {
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
		if (c == '=') {
			padding = true;
			continue;
		}
		auto v = alphabet.find(c);
		if (v == std::string_view::npos || padding)
			throw Error(ErrorKind::Syntax,
			            concat("the base64 section has a '", std::string(1, c), "', which is no base64"),
			            pos);
		buffer = (buffer << 6) | static_cast<unsigned>(v);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += static_cast<char>((buffer >> bits) & 0xff);
		}
	}
	return out;
}

} // namespace

bool is_delimited(const std::string& format) {
	return format == "csv" || format == "tsv";
}

RdTemplate load_template(const fs::path& file) {
	std::string text = read_file(file);
	RdTemplate t;
	t.file = file;
	t.name = file.stem().string();
	std::istringstream in(text);
	std::string line;
	int lineno = 0;
	std::string* section = nullptr;
	int section_count_data = 0;
	int base64_line = 0;
	auto where = [&] { return SourcePos{file.string(), lineno, 0}; };
	while (std::getline(in, line)) {
		++lineno;
		if (line.starts_with("--- ")) {
			std::string name(trim(line.substr(4)));
			if (name.ends_with(".rd")) {
				if (t.rd_line) throw Error(ErrorKind::Syntax, "a second RD section", where());
				t.rd_file = name;
				t.rd_line = lineno + 1;
				section = &t.rd;
			} else if (name == "columns") {
				section = &t.sample_columns;
			} else {
				if (name.empty() || name.starts_with("/") || name.find("..") != std::string::npos)
					throw Error(ErrorKind::Syntax,
					            concat("section '", name,
					                   "': sample data must have a relative path below the RD's directory"),
					            where());
				if (++section_count_data > 1)
					throw Error(ErrorKind::Syntax, "a template has at most one sample data section", where());
				if (name.ends_with(" base64")) {
					name = std::string(trim(name.substr(0, name.size() - 7)));
					base64_line = lineno;
				}
				t.sample_path = name;
				section = &t.sample_data;
			}
			continue;
		}
		if (section) {
			*section += line;
			*section += '\n';
			continue;
		}
		auto s = trim(line);
		if (s.empty() || s.starts_with("#")) continue;
		auto colon = s.find(':');
		if (colon == std::string_view::npos)
			throw Error(ErrorKind::Syntax,
			            concat("expected 'key: value' or '--- section', not '", excerpt(s), "'"), where());
		std::string key(trim(s.substr(0, colon)));
		std::string value(trim(s.substr(colon + 1)));
		if (key == "summary") {
			t.summary = value;
		} else if (key == "requires") {
			auto sp = value.find_first_of(" \t");
			Requirement r{value.substr(0, sp),
			              sp == std::string::npos ? std::string() : std::string(trim(value.substr(sp)))};
			if (!r.ref.starts_with("//"))
				throw Error(ErrorKind::Syntax,
				            concat("requires: '", r.ref, "' is no system RD reference (//name#id)"), where());
			t.requirements.push_back(std::move(r));
		} else if (key.starts_with("default.")) {
			t.defaults[key.substr(8)] = value;
		} else if (key == "formats") {
			t.formats = split_list(value, ',');
			if (t.formats.empty())
				throw Error(ErrorKind::Syntax, "formats: names at least one format", where());
		} else if (key == "fields") {
			t.fields = split_list(value, ',');
			if (t.fields.empty()) throw Error(ErrorKind::Syntax, "fields: names at least one field", where());
		} else if (key == "table") {
			if (value.empty()) throw Error(ErrorKind::Syntax, "table: names the table", where());
			t.table = value;
		} else if (key == "positions") {
			if (value != "required" && value != "none")
				throw Error(ErrorKind::Syntax, "positions: is 'required' or 'none'", where());
			t.positions = value == "required";
		} else {
			throw Error(ErrorKind::Syntax,
			            concat("unknown key '", key,
			                   "' (summary, requires, default.NAME, formats, positions, fields, table)"),
			            where());
		}
	}
	if (base64_line) t.sample_data = decode_base64(t.sample_data, SourcePos{file.string(), base64_line, 0});
	if (t.defaults.count("format") &&
	    std::find(t.formats.begin(), t.formats.end(), t.defaults.at("format")) == t.formats.end())
		throw Error(ErrorKind::Syntax,
		            concat("default.format '", t.defaults.at("format"),
		                   "' is not among formats: ", join(t.formats, ", ")),
		            SourcePos{file.string(), 0, 0});
	if (t.summary.empty())
		throw Error(ErrorKind::Syntax, "the template has no summary: line", SourcePos{file.string(), 0, 0});
	if (t.has_rd() && !t.sample_path.empty() && t.sample_columns.empty())
		throw Error(ErrorKind::Syntax,
		            "a template with sample data needs a '--- columns' section describing it",
		            SourcePos{file.string(), 0, 0});
	return t;
}

std::vector<RdTemplate> load_templates(const fs::path& dir) {
	std::error_code ec;
	if (!fs::is_directory(dir, ec))
		throw Error(ErrorKind::Io, concat("no templates directory at ", dir.string(),
		                                  " (set MELES_TEMPLATES or pass --templates DIR)"));
	std::vector<RdTemplate> out;
	for (auto& e : fs::directory_iterator(dir))
		if (e.is_regular_file() && e.path().extension() == ".rdt") out.push_back(load_template(e.path()));
	std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
	return out;
}

std::vector<std::string> missing_parts(const RdTemplate& t, const fs::path& system_rds_dir) {
	std::vector<std::string> out;
	for (auto& r : t.requirements) {
		auto hash = r.ref.find('#');
		std::string rd_name = r.ref.substr(2, hash == std::string::npos ? std::string::npos : hash - 2);
		std::string part = r.what.empty() ? r.ref : concat(r.ref, " (", r.what, ")");
		fs::path file = system_rds_dir / (rd_name + ".rd");
		std::error_code ec;
		if (!fs::is_regular_file(file, ec)) {
			out.push_back(concat(part, ": there is no system RD //", rd_name, " yet"));
			continue;
		}
		if (hash == std::string::npos) continue;
		std::string id = r.ref.substr(hash + 1);
		std::string text = read_file(file);
		if (text.find(concat("id=\"", id, "\"")) == std::string::npos &&
		    text.find(concat("id='", id, "'")) == std::string::npos)
			out.push_back(concat(part, ": //", rd_name, " does not define '", id, "' yet"));
	}
	if (out.empty() && !t.has_rd())
		out.push_back(concat("its RD: ", t.file.filename().string(), " has no '--- q.rd' section yet"));
	return out;
}

std::vector<std::string> placeholders(const std::string& text) {
	std::vector<std::string> out;
	size_t pos = 0;
	while ((pos = text.find("{{", pos)) != std::string::npos) {
		auto end = text.find("}}", pos + 2);
		if (end == std::string::npos) break;
		std::string key = text.substr(pos + 2, end - pos - 2);
		if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
		pos = end + 2;
	}
	return out;
}

std::string fill(const RdTemplate& t, const std::string& text,
                 const std::map<std::string, std::string>& values) {
	std::string out;
	out.reserve(text.size() * 2);
	size_t pos = 0;
	while (true) {
		auto start = text.find("{{", pos);
		if (start == std::string::npos) break;
		auto end = text.find("}}", start + 2);
		if (end == std::string::npos) break;
		out.append(text, pos, start - pos);
		std::string key = text.substr(start + 2, end - start - 2);
		auto it = values.find(key);
		if (it == values.end()) {
			int line = t.rd_line + static_cast<int>(std::count(text.begin(), text.begin() + start, '\n'));
			std::vector<std::string> known;
			for (auto& [k, v] : values)
				known.push_back(k);
			throw Error(ErrorKind::Name,
			            concat("unknown placeholder {{", key, "}} (known: ", join(known, ", "), ")"),
			            SourcePos{t.file.string(), line, 0});
		}
		out += it->second;
		pos = end + 2;
	}
	out.append(text, pos);
	return out;
}

CsvGuess guess_csv_columns(const fs::path& file, char delimiter, size_t max_rows) {
	std::ifstream in(file, std::ios::binary);
	if (!in) throw Error(ErrorKind::Io, concat("cannot read ", file.string()));
	return guess_csv_columns(in, file.string(), delimiter, max_rows);
}

CsvGuess guess_csv_columns(std::istream& in, const std::string& what, char delimiter, size_t max_rows) {
	std::string line;
	CsvGuess g;
	std::vector<Kind> kinds;
	bool header = true;
	size_t rows = 0;
	while (rows < max_rows && std::getline(in, line)) {
		if (!line.empty() && line.back() == '\r') line.pop_back();
		if (trim(line).empty()) continue;
		auto fields = split_record(line, delimiter);
		if (header) {
			std::set<std::string> seen;
			for (size_t i = 0; i < fields.size(); ++i) {
				std::string name = column_name_from(fields[i], i);
				std::string base = name;
				for (int n = 2; seen.count(name); ++n)
					name = concat(base, "_", std::to_string(n));
				seen.insert(name);
				g.columns.push_back({fields[i], name, ""});
			}
			kinds.assign(fields.size(), Kind::Int);
			header = false;
			continue;
		}
		if (g.first_row.empty()) g.first_row = fields;
		for (size_t i = 0; i < fields.size() && i < kinds.size(); ++i)
			kinds[i] = std::max(kinds[i], kind_of(fields[i]));
		++rows;
	}
	if (header)
		throw Error(ErrorKind::Validation,
		            concat(what, " is empty: a header line of column names is needed"));
	for (size_t i = 0; i < g.columns.size(); ++i)
		g.columns[i].type = rows == 0 || kinds[i] == Kind::Text ? "text"
		                    : kinds[i] == Kind::Int             ? "bigint"
		                                                        : "double precision";
	return g;
}

std::string identifier_problem(const std::string& name, bool is_schema) {
	if (name.empty()) return "a name is needed";
	if (name.size() > 63)
		return concat("'", excerpt(name), "' is longer than 63 characters, PostgreSQL's limit");
	bool regular = (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z');
	for (char c : name)
		regular = regular &&
		          ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
	if (!regular)
		return concat("'", excerpt(name), "' is not an SQL identifier (a letter, then letters, digits or _)");
	if (to_lower(name) != name)
		return concat("'", name, "' has upper-case letters, which PostgreSQL folds to lower case; write '",
		              to_lower(name), "'");
	if (adql::is_reserved_word(name)) return concat("'", name, "' is an ADQL reserved word");
	if (is_schema) {
		static const std::set<std::string> taken = {
		    "public", "tap_schema", "tap_upload",         "tap_user",  "ivoa",
		    "meles",  "dc",         "information_schema", "pg_catalog"};
		if (taken.count(name) || name.starts_with("pg_"))
			return concat("the schema '", name, "' belongs to PostgreSQL, TAP or Meles itself");
	}
	return "";
}

} // namespace meles::rd::start
