// meles/rd/start/rd_template.hpp — the templates `meles start` writes RDs from: one file per
// template in templates/ (a header of `key: value` lines, then sections: the RD, the sample's
// column elements, the sample data), the system RD parts each needs, placeholder filling, and
// the columns guessed from a CSV file an operator brings.  docs/start.md describes the format.
// Thread-safety: plain value types and pure functions (reading files only).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::start {

// A system RD part a template's RD uses: "//scs#q3cindex" and what it is, for the message
// when this installation lacks it.
struct Requirement {
	std::string ref;  // //name or //name#id
	std::string what; // "the EPN-TAP 2.0 table mixin, in progress on branch python"
};

struct RdTemplate {
	std::string name;                            // the file name without .rdt: scs, ssap+datalink
	std::filesystem::path file;                  // where it was read from
	std::string summary;                         // one line for `meles start list`
	std::vector<Requirement> requirements;       // `requires:` lines
	std::map<std::string, std::string> defaults; // `default.KEY:` lines (schema, title, subject, ...)
	bool positions = false;                      // `positions: required`: the data needs RA/Dec columns
	// `fields:` the fields the RD's rowmaker reads by name (the columns its mixins define): an
	// operator's file must have them, and they do not become extra columns of the table.
	std::vector<std::string> fields;
	std::string table = "main";   // `table:` the table TAP serves, for what `start` says next
	std::string rd;               // the `--- q.rd` section (with {{placeholders}})
	std::string rd_file = "q.rd"; // its file name
	std::string sample_columns;   // the `--- columns` section: the sample's <column>s
	std::string sample_path;      // the sample data's path ("data/sample.csv"), if any
	std::string sample_data;      // its content (decoded: `--- PATH base64` holds binary files)
	std::vector<std::string> formats = {"csv", "tsv"}; // `formats:` the data formats the RD reads
	int rd_line = 0;                                   // line of the RD section, for placeholder errors

	bool has_rd() const { return !rd.empty(); }
};

// Reads one template file; a malformed one is an Error naming file:line.
RdTemplate load_template(const std::filesystem::path& file);

// Every *.rdt in `dir`, sorted by name.
std::vector<RdTemplate> load_templates(const std::filesystem::path& dir);

// What of its requirements this installation lacks (the system RD or the element id in it), one
// item each ("//siap2#pgs (the SIAP2 mixin): there is no system RD //siap2 yet"); empty when
// the template can be used.
std::vector<std::string> missing_parts(const RdTemplate& t, const std::filesystem::path& system_rds_dir);

// Replaces every {{key}} in `text` by values.at(key), verbatim (the caller escapes); a key
// without value is an Error naming the template file and line.
std::string fill(const RdTemplate& t, const std::string& text,
                 const std::map<std::string, std::string>& values);

// The placeholders a text uses, in order of first appearance.
std::vector<std::string> placeholders(const std::string& text);

// csv and tsv: text with a header line, whose columns an operator's file can give.
bool is_delimited(const std::string& format);

// Columns guessed from the header line and up to `max_rows` rows of a delimited text file.
struct GuessedColumn {
	std::string header; // as written in the file
	std::string name;   // a regular SQL identifier made from it
	std::string type;   // bigint, double precision or text
};
struct CsvGuess {
	std::vector<GuessedColumn> columns;
	std::vector<std::string> first_row; // values of the first data row (empty if none)
};
CsvGuess guess_csv_columns(std::istream& in, const std::string& what, char delimiter, size_t max_rows = 1000);
CsvGuess guess_csv_columns(const std::filesystem::path& file, char delimiter, size_t max_rows = 1000);

// Why `name` cannot be a schema or column name ("" when it can): a regular SQL identifier of at
// most 63 characters, lower case, not an ADQL reserved word and, for schemas, none of those
// PostgreSQL, TAP and Meles use themselves.
std::string identifier_problem(const std::string& name, bool is_schema);

} // namespace meles::rd::start
