#include "meles/core/adql/table_file.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

namespace meles::adql {

namespace {

struct Word {
	std::string text;
	std::string_view raw; // as written, quotes included
	bool quoted = false;  // the whole word was in double quotes
};

// Splits a line into words; "..." keeps blanks ("" for a quote); key="..." stays one word.
std::vector<Word> words(std::string_view line, std::string_view source, int lineno) {
	std::vector<Word> out;
	size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			++i;
		if (i >= line.size()) break;
		Word w;
		size_t word_start = i;
		bool started_quoted = line[i] == '"';
		bool any_unquoted = false;
		while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			if (line[i] == '"') {
				++i;
				for (;;) {
					if (i >= line.size())
						throw Error(ErrorKind::Syntax, "unterminated quote",
						            SourcePos{std::string(source), lineno, 0});
					if (line[i] == '"') {
						if (i + 1 < line.size() && line[i + 1] == '"') {
							w.text += '"';
							i += 2;
							continue;
						}
						++i;
						break;
					}
					w.text += line[i++];
				}
			} else {
				any_unquoted = true;
				w.text += line[i++];
			}
		}
		w.quoted = started_quoted && !any_unquoted;
		w.raw = line.substr(word_start, i - word_start);
		out.push_back(std::move(w));
	}
	return out;
}

} // namespace

SimpleCatalog parse_table_file(std::string_view text, std::string_view source) {
	SimpleCatalog catalog;
	std::optional<TableEntry> current;
	auto flush = [&] {
		if (current) catalog.add(std::move(*current));
		current.reset();
	};
	int lineno = 0;
	size_t start = 0;
	while (start <= text.size()) {
		size_t end = text.find('\n', start);
		if (end == std::string_view::npos) end = text.size();
		std::string_view line = text.substr(start, end - start);
		start = end + 1;
		++lineno;
		auto fail = [&](std::string msg) -> Error {
			return Error(ErrorKind::Syntax, std::move(msg), SourcePos{std::string(source), lineno, 0});
		};
		std::string_view t = trim(line);
		if (t.empty() || t[0] == '#') {
			if (end == text.size()) break;
			continue;
		}
		auto w = words(line, source, lineno);
		const std::string directive = to_lower(w[0].text);
		auto options = [&](size_t from, auto&& apply) {
			for (size_t k = from; k < w.size(); ++k) {
				auto eq = w[k].text.find('=');
				if (eq == std::string::npos || w[k].quoted)
					throw fail(concat("expected key=value, found '", w[k].text, "'"));
				apply(to_lower(w[k].text.substr(0, eq)), w[k].text.substr(eq + 1));
			}
		};
		if (directive == "table") {
			flush();
			if (w.size() < 2) throw fail("table needs a name: table SCHEMA.NAME");
			current.emplace();
			// SCHEMA.NAME where either part may be quoted: split on the first period outside quotes
			std::string_view raw = trim(line.substr(line.find_first_not_of(" \t") + 5));
			size_t k = 0;
			auto part = [&](std::string& name, bool& delimited) {
				while (k < raw.size() && (raw[k] == ' ' || raw[k] == '\t'))
					++k;
				if (k < raw.size() && raw[k] == '"') {
					delimited = true;
					++k;
					while (k < raw.size()) {
						if (raw[k] == '"') {
							if (k + 1 < raw.size() && raw[k + 1] == '"') {
								name += '"';
								k += 2;
								continue;
							}
							++k;
							return;
						}
						name += raw[k++];
					}
					throw fail("unterminated quote in the table name");
				}
				while (k < raw.size() && raw[k] != '.' && raw[k] != ' ' && raw[k] != '\t')
					name += raw[k++];
			};
			std::string first;
			bool first_delim = false;
			part(first, first_delim);
			if (k < raw.size() && raw[k] == '.') {
				++k;
				current->schema = first;
				current->schema_delimited = first_delim;
				part(current->name, current->name_delimited);
			} else {
				current->name = first;
				current->name_delimited = first_delim;
			}
			if (current->name.empty()) throw fail("table needs a name: table SCHEMA.NAME");
			auto rest = words(raw.substr(k), source, lineno);
			std::string sql;
			for (const auto& r : rest) {
				auto eq = r.text.find('=');
				if (eq == std::string::npos) throw fail(concat("expected key=value, found '", r.text, "'"));
				std::string key = to_lower(r.text.substr(0, eq));
				std::string value = r.text.substr(eq + 1);
				if (key == "sql")
					sql = std::string(r.raw.substr(r.raw.find('=') + 1)); // SQL text: quotes kept
				else if (key == "description")
					current->description = value;
				else
					throw fail(concat("unknown table option '", key, "' (known: sql, description)"));
			}
			current->sql_name = sql.empty() ? current->qualified_name() : sql;
			continue;
		}
		if (!current) throw fail(concat("'", w[0].text, "' before any table line"));
		if (directive == "column") {
			if (w.size() < 3) throw fail("column needs a name and a type: column NAME TYPE [key=value...]");
			ColumnMeta c;
			c.name = w[1].text;
			c.delimited = w[1].quoted;
			try {
				c.type = SqlType::parse(w[2].text);
			} catch (const Error& e) {
				throw fail(e.message());
			}
			options(3, [&](const std::string& key, const std::string& value) {
				if (key == "unit")
					c.unit = value;
				else if (key == "ucd")
					c.ucd = value;
				else if (key == "utype")
					c.utype = value;
				else if (key == "xtype")
					c.xtype = value;
				else if (key == "description")
					c.description = value;
				else
					throw fail(concat("unknown column option '", key,
					                  "' (known: unit, ucd, utype, xtype, description)"));
			});
			current->columns.push_back(std::move(c));
		} else if (directive == "q3c" || directive == "spoint") {
			if (w.size() != 3)
				throw fail(concat(directive, " needs two column names: ", directive, " RA DEC"));
			PositionIndex p{w[1].text, w[2].text};
			for (const auto& name : {p.ra, p.dec}) {
				bool found = false;
				for (const auto& c : current->columns)
					found |= c.name == name;
				if (!found)
					throw fail(concat("no column '", name, "' in this table (declare columns first)"));
			}
			(directive == "q3c" ? current->q3c_indexes : current->spoint_indexes).push_back(std::move(p));
		} else if (directive == "gist") {
			if (w.size() != 2) throw fail("gist needs one column name: gist COLUMN");
			current->gist_columns.push_back(w[1].text);
		} else {
			throw fail(
			    concat("unknown directive '", w[0].text, "' (known: table, column, q3c, spoint, gist)"));
		}
		if (end == text.size()) break;
	}
	flush();
	return catalog;
}

} // namespace meles::adql
