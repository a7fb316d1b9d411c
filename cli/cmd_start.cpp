// meles start — writes a new RD (and a small sample data file) from a template in templates/,
// asking a few questions on a terminal or taking them as options, so that an operator starts
// from an RD that `meles val` accepts and that imports and serves at once (docs/start.md).
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/layout.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"
#include "meles/core/common/time.hpp"
#include "meles/rd/registry/vocabularies.hpp"
#include "meles/rd/start/rd_template.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace fs = std::filesystem;

namespace meles::cli {

const std::string_view start_usage =
    "usage: meles start list\n"
    "       meles start TEMPLATE [--defaults] [--force] [--dir DIR] [--schema NAME] [--title TEXT]\n"
    "                   [--creator NAMES] [--description TEXT] [--subject TERMS] [--data PATH]\n"
    "                   [--format csv|tsv]\n"
    "\n"
    "`list` names the templates (scs, taptable, ...) and, for those this Meles cannot use yet,\n"
    "the system RD parts they lack.  With a TEMPLATE, writes DIR/q.rd (and, unless --data names\n"
    "your own file, the template's small sample data file) that `meles val` accepts and `meles\n"
    "imp` imports as it is, with the metadata `meles pub` needs; then change one thing at a time.\n"
    "On a terminal it asks for each value (Enter keeps the one in brackets; a bad answer is asked\n"
    "again with the reason); otherwise, or with --defaults, it takes the options and the\n"
    "template's placeholders, and a bad value is an error.  Existing files are never overwritten\n"
    "without --force.\n"
    "\n"
    "  --schema NAME       the database schema of the tables (a lower-case SQL name)\n"
    "  --title TEXT        the resource's title\n"
    "  --creator NAMES     its authors as \"Last, F.; Other, A.\"\n"
    "  --description TEXT  what the data is, a few sentences\n"
    "  --subject TERMS     UAT terms (http://www.ivoa.net/rdf/uat), separated by ';'\n"
    "  --data PATH         the data: a file or pattern (data/*.csv) relative to DIR; default: the\n"
    "                      template's sample, written with the RD.  The columns are made from your\n"
    "                      file's header line and values\n"
    "  --format F          csv (comma-separated) or tsv (tab-separated), with a header line (the\n"
    "                      formats a template reads are its own)\n"
    "  --dir DIR           where to write (default: the inputs directory's subdirectory SCHEMA)\n"
    "  --defaults, -y      never ask, even on a terminal\n"
    "  --force             overwrite existing files\n"
    "  --templates DIR     read templates from DIR (default: $MELES_TEMPLATES, else the installed ones)\n";

namespace {

// An answer that cannot be taken: the reason, for the operator.
using Problem = std::string;

struct Question {
	std::string key;
	std::string prompt;
};

const std::vector<std::string>& ra_names() {
	static const std::vector<std::string> n = {"ra",    "raj2000", "ra_j2000", "ra_icrs", "ra_deg",
	                                           "radeg", "alpha",   "ra_d",     "_raj2000"};
	return n;
}
const std::vector<std::string>& dec_names() {
	static const std::vector<std::string> n = {"dec",       "de",      "dej2000",  "decj2000",
	                                           "dec_j2000", "de_icrs", "dec_icrs", "dec_deg",
	                                           "decdeg",    "delta",   "dec_d",    "_dej2000"};
	return n;
}

std::string find_named(const rd::start::CsvGuess& g, const std::vector<std::string>& names, size_t& index) {
	for (auto& want : names)
		for (size_t i = 0; i < g.columns.size(); ++i)
			if (g.columns[i].name == want) {
				index = i;
				return want;
			}
	return "";
}

// An answer as RD text: XML-escaped, and backslashes doubled so that no macro (\schema) is
// expanded in it.
std::string rd_text(std::string_view s) {
	std::string doubled;
	for (char c : s) {
		if (c == '\\') doubled += '\\';
		doubled += c;
	}
	return xml_escape(doubled);
}

bool has_glob(const std::string& s) {
	return s.find_first_of("*?[") != std::string::npos;
}

// The files a data location names (relative to the RD's directory); empty when none exist.
std::vector<fs::path> matching_files(const fs::path& dir, const std::string& location) {
	fs::path p = fs::path(location).is_absolute() ? fs::path(location) : dir / location;
	std::error_code ec;
	if (!has_glob(p.filename().string())) {
		if (fs::is_regular_file(p, ec)) return {p};
		return {};
	}
	std::vector<fs::path> out;
	if (!fs::is_directory(p.parent_path(), ec)) return out;
	for (auto& e : fs::directory_iterator(p.parent_path(), ec))
		if (e.is_regular_file() && fnmatch(p.filename().c_str(), e.path().filename().c_str(), 0) == 0)
			out.push_back(e.path());
	std::sort(out.begin(), out.end());
	return out;
}

class Session {
public:
	Session(const rd::start::RdTemplate& t, const ArgParser& args, fs::path inputs_dir)
	    : t_(t), args_(args), inputs_dir_(std::move(inputs_dir)) {
		interactive_ = isatty(STDIN_FILENO) && !args.has("defaults");
	}

	int run() {
		ask("schema", "Schema of the tables (a lower-case SQL name)",
		    [&](const std::string& v) { return rd::start::identifier_problem(v, true); });
		out_dir_ = args_.value("dir") ? fs::absolute(*args_.value("dir")) : inputs_dir_ / values_["schema"];
		ask("title", "Title of the resource", non_empty);
		ask("creator", "Creators, as \"Last, F.; Other, A.\"", non_empty);
		ask("description", "Description (what the data is, a few sentences)", non_empty);
		ask("subject", "Subjects: UAT terms separated by ';' (see http://www.ivoa.net/rdf/uat)",
		    [&](const std::string& v) { return subject_problem(v); });
		ask("format", concat("Format of the data: ", join(t_.formats, " or ")), [&](const std::string& v) {
			bool known = std::find(t_.formats.begin(), t_.formats.end(), v) != t_.formats.end();
			return known ? Problem() : concat("'", v, "' is not ", join(t_.formats, " or "));
		});
		if (!t_.sample_path.empty()) defaults_["data"] = t_.sample_path;
		ask("data",
		    concat("Data: a file or pattern relative to ", out_dir_.string(),
		           t_.sample_path.empty() ? "" : concat(" (", t_.sample_path, ": the template's sample)")),
		    [&](const std::string& v) { return data_problem(v); });
		if (!problems_.empty()) {
			std::string msg = concat("cannot write the ", t_.name, " template's RD:");
			for (auto& p : problems_)
				msg += "\n  " + p;
			throw Error(ErrorKind::Validation, msg);
		}
		return write();
	}

private:
	static Problem non_empty(const std::string& v) { return v.empty() ? "an answer is needed" : ""; }

	Problem subject_problem(const std::string& v) {
		subjects_.clear();
		for (auto& item : split_list(v, ';')) {
			auto c = rd::registry::check_subject(item);
			if (!c.term) return c.problem;
			subjects_.push_back(*c.term);
		}
		return subjects_.empty() ? "at least one subject is needed" : "";
	}

	char delimiter() const { return values_.at("format") == "tsv" ? '\t' : ','; }

	bool uses_sample(const std::string& location) const {
		return !t_.sample_path.empty() && location == t_.sample_path;
	}

	Problem no_file(const std::string& v) const {
		bool pattern = has_glob(v);
		return concat("no file ", pattern ? "matches '" : "'", v, pattern ? "'" : "' exists",
		              fs::path(v).is_absolute() ? "" : concat(" (relative to ", out_dir_.string(), ")"));
	}

	Problem data_problem(const std::string& v) {
		if (v.empty()) return "a file or pattern is needed";
		try {
			guessed_ = false;
			guess_ = {};
			ra_col_.clear();
			dec_col_.clear();
			if (uses_sample(v)) {
				// the sample is in the template's own format, whatever was answered
				std::string format =
				    t_.defaults.count("format") ? t_.defaults.at("format") : t_.formats.front();
				if (rd::start::is_delimited(format)) {
					std::istringstream in(t_.sample_data);
					guess_ = rd::start::guess_csv_columns(in, t_.sample_path, format == "tsv" ? '\t' : ',');
				}
			} else if (!rd::start::is_delimited(values_.at("format"))) {
				// other formats keep the template's columns: the operator adapts them
				if (matching_files(out_dir_, v).empty()) return no_file(v);
				return "";
			} else {
				auto files = matching_files(out_dir_, v);
				if (files.empty()) return no_file(v);
				guess_ = rd::start::guess_csv_columns(files.front(), delimiter());
				guessed_ = true;
				if (guess_.columns.size() < 2 && delimiter() == ',')
					return concat(
					    files.front().string(),
					    " has one column only: is it tab-separated (format tsv) or without a header?");
			}
		} catch (const Error& e) {
			return e.message();
		}
		if (guessed_ && !t_.fields.empty()) {
			std::vector<std::string> missing;
			for (auto& f : t_.fields)
				if (std::none_of(guess_.columns.begin(), guess_.columns.end(),
				                 [&](const auto& c) { return c.name == f; }))
					missing.push_back(f);
			if (!missing.empty())
				return concat("the ", t_.name, " template reads the fields ", join(t_.fields, ", "),
				              " from the data; the header lacks ", join(missing, ", "),
				              t_.sample_path.empty() ? std::string()
				                                     : concat(" (the sample, ", t_.sample_path,
				                                              ", shows the layout: meles start ", t_.name,
				                                              " --defaults writes it)"));
		}
		if (t_.positions && !guess_.columns.empty()) {
			ra_col_ = find_named(guess_, ra_names(), ra_index_);
			dec_col_ = find_named(guess_, dec_names(), dec_index_);
			if (ra_col_.empty() || dec_col_.empty()) {
				std::vector<std::string> names;
				for (auto& c : guess_.columns)
					names.push_back(c.header);
				return concat("the ", t_.name,
				              " template needs columns of ICRS RA and Dec in degrees, named like ra/raj2000 "
				              "and dec/dej2000; the header has ",
				              join(names, ", "));
			}
			if (guess_.columns[ra_index_].type == "text" || guess_.columns[dec_index_].type == "text")
				return concat("the columns ", ra_col_, " and ", dec_col_, " must hold numbers (degrees)");
		}
		return "";
	}

	template <class Check> void ask(const std::string& key, const std::string& prompt, Check check) {
		std::string fallback = defaults_.count(key)     ? defaults_[key]
		                       : t_.defaults.count(key) ? t_.defaults.at(key)
		                                                : "";
		if (auto opt = args_.value(key)) fallback = *opt;
		if (!interactive_ || args_.value(key)) {
			// an option given on the command line is not asked again
			std::string v(trim(fallback));
			if (auto p = check(v); !p.empty()) {
				if (interactive_) {
					std::cout << "--" << key << ": " << p << "\n";
				} else {
					problems_.push_back(concat("--", key, ": ", p));
					values_[key] = v;
					return;
				}
			} else {
				values_[key] = v;
				return;
			}
		}
		while (true) {
			std::cout << prompt << (fallback.empty() ? "" : concat(" [", fallback, "]")) << ": "
			          << std::flush;
			std::string line;
			if (!std::getline(std::cin, line))
				throw Error(ErrorKind::Validation,
				            concat("no answer for ", key, " (end of input); nothing written"));
			std::string v(trim(line));
			if (v.empty()) v = fallback;
			if (auto p = check(v); !p.empty()) {
				std::cout << "  " << p << "; please answer again.\n";
				continue;
			}
			values_[key] = v;
			return;
		}
	}

	std::string generated_columns() const {
		std::string out;
		std::string source = rd_text(values_.at("data"));
		for (size_t i = 0; i < guess_.columns.size(); ++i) {
			auto& c = guess_.columns[i];
			// the template's own columns (a mixin's) are filled from these fields
			if (std::find(t_.fields.begin(), t_.fields.end(), c.name) != t_.fields.end()) continue;
			if (!out.empty()) out += "\n";
			if (!ra_col_.empty() && i == ra_index_) {
				out += concat("    <column name=\"", c.name,
				              "\" type=\"double precision\" unit=\"deg\" ucd=\"pos.eq.ra;meta.main\"\n"
				              "      tablehead=\"RA\" verbLevel=\"1\" required=\"True\"\n"
				              "      description=\"ICRS right ascension (column '",
				              rd_text(c.header), "' of ", source, ")\"/>");
			} else if (!dec_col_.empty() && i == dec_index_) {
				out += concat("    <column name=\"", c.name,
				              "\" type=\"double precision\" unit=\"deg\" ucd=\"pos.eq.dec;meta.main\"\n"
				              "      tablehead=\"Dec\" verbLevel=\"1\" required=\"True\"\n"
				              "      description=\"ICRS declination (column '",
				              rd_text(c.header), "' of ", source, ")\"/>");
			} else {
				out += concat("    <column name=\"", c.name, "\" type=\"", c.type, "\" tablehead=\"",
				              rd_text(c.header), "\" verbLevel=\"1\"\n      description=\"Column '",
				              rd_text(c.header), "' of ", source, " (describe it; add unit and ucd)\"/>");
			}
		}
		return out;
	}

	std::string rd_id(const fs::path& rd_file) const {
		auto rel = fs::weakly_canonical(rd_file).lexically_relative(fs::weakly_canonical(inputs_dir_));
		if (!rel.empty() && !rel.string().starts_with("..")) return rel.replace_extension().string();
		return rd_file.string();
	}

	int write() {
		const std::string& data = values_.at("data");
		bool sample = uses_sample(data);
		fs::path rd_file = out_dir_ / t_.rd_file;
		std::vector<std::pair<fs::path, std::string>> files;

		auto now = std::chrono::system_clock::now();
		std::string created = format_iso(std::chrono::floor<std::chrono::seconds>(now));
		std::map<std::string, std::string> v;
		for (auto key : {"schema", "title", "creator", "description"})
			v[key] = rd_text(values_.at(key));
		std::string subjects;
		for (auto& s : subjects_)
			subjects +=
			    concat(subjects.empty() ? "" : "\n", "  <meta name=\"subject\">", xml_escape(s), "</meta>");
		v["subjects"] = subjects;
		v["created"] = created;
		v["date"] = created.substr(0, 10);
		v["rd_id"] = xml_escape(rd_id(rd_file));
		v["short"] = values_.at("schema").substr(0, 11);
		v["sources"] = xml_escape(data);
		std::vector<std::string> names;
		for (auto& c : guess_.columns)
			names.push_back(c.name);
		v["names"] = join(names, ",");
		v["delimiter"] = sample || delimiter() == ',' ? "" : " delimiter=\"\\t\"";
		if (sample && t_.defaults.count("format")) values_["format"] = t_.defaults.at("format");
		v["format"] = values_.at("format");
		std::string columns = guessed_ ? generated_columns() : t_.sample_columns;
		while (!columns.empty() && columns.back() == '\n')
			columns.pop_back();
		v["columns"] = columns;
		if (t_.positions) {
			auto at = [&](size_t i) {
				return ra_col_.empty() || i >= guess_.first_row.size() ? std::string() : guess_.first_row[i];
			};
			v["test_ra"] = xml_escape(at(ra_index_).empty() ? "0" : at(ra_index_));
			v["test_dec"] = xml_escape(at(dec_index_).empty() ? "0" : at(dec_index_));
		}
		files.emplace_back(rd_file, rd::start::fill(t_, t_.rd, v));
		if (sample) files.emplace_back(out_dir_ / t_.sample_path, t_.sample_data);

		if (!args_.has("force")) {
			std::vector<std::string> existing;
			for (auto& [path, text] : files)
				if (fs::exists(path)) existing.push_back(path.string());
			if (!existing.empty())
				throw Error(ErrorKind::Validation, concat("not overwriting ", join(existing, " and "),
				                                          " (pass --force to replace; nothing written)"));
		}
		for (auto& [path, text] : files) {
			std::error_code ec;
			fs::create_directories(path.parent_path(), ec);
			if (ec)
				throw Error(ErrorKind::Io,
				            concat("cannot create ", path.parent_path().string(), ": ", ec.message()));
			fs::path tmp = path;
			tmp += ".tmp";
			{
				std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
				out << text;
				out.flush();
				if (!out) throw Error(ErrorKind::Io, concat("cannot write ", tmp.string()));
			}
			fs::rename(tmp, path, ec);
			if (ec) throw Error(ErrorKind::Io, concat("cannot write ", path.string(), ": ", ec.message()));
			std::cout << "wrote " << path.string() << "\n";
		}
		std::string id = rd_id(rd_file);
		std::cout << "next: meles val " << id << " && meles imp " << id << "; then TAP serves "
		          << values_.at("schema") << "." << t_.table;
		if (t_.positions && !fs::path(id).is_absolute())
			std::cout << " and /" << id << "/cone/scs.xml the cone search";
		std::cout << " (meles serve).\n";
		return 0;
	}

	const rd::start::RdTemplate& t_;
	const ArgParser& args_;
	fs::path inputs_dir_, out_dir_;
	bool interactive_ = false;
	std::map<std::string, std::string> values_, defaults_;
	std::vector<std::string> subjects_;
	std::vector<Problem> problems_;
	rd::start::CsvGuess guess_;
	bool guessed_ = false; // the columns come from the operator's file
	std::string ra_col_, dec_col_;
	size_t ra_index_ = 0, dec_index_ = 0;
};

} // namespace

int cmd_start(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("start", {"defaults", "force"},
	               {"schema", "title", "creator", "description", "subject", "data", "format", "dir",
	                "templates", "system-rds"});
	args.alias("y", "defaults");
	args.parse(argv);
	if (args.positionals().size() != 1)
		throw Error(ErrorKind::Validation,
		            "name a template or `list`: meles start list | meles start TEMPLATE");
	fs::path dir = args.value("templates") ? fs::path(*args.value("templates")) : layout::current().templates;
	fs::path system_rds =
	    args.value("system-rds") ? fs::path(*args.value("system-rds")) : layout::current().system_rds;
	auto templates = rd::start::load_templates(dir);
	const std::string& wanted = args.positionals().front();

	if (wanted == "list") {
		for (auto& t : templates) {
			std::cout << t.name << " -- " << t.summary << "\n";
			auto missing = rd::start::missing_parts(t, system_rds);
			if (missing.empty()) continue;
			std::cout << "    not available yet; it needs\n";
			for (auto& m : missing)
				std::cout << "      " << m << "\n";
		}
		return 0;
	}
	const rd::start::RdTemplate* t = nullptr;
	std::vector<std::string> names;
	for (auto& c : templates) {
		names.push_back(c.name);
		if (c.name == wanted) t = &c;
	}
	if (!t) {
		auto s = suggest(wanted, names);
		throw Error(ErrorKind::Name,
		            concat("no template '", wanted, "'", s.empty() ? "" : concat("; did you mean '", s, "'?"),
		                   " (templates: ", join(names, ", "), ")"));
	}
	if (auto missing = rd::start::missing_parts(*t, system_rds); !missing.empty())
		throw Error(ErrorKind::NotFound, concat("the ", t->name, " template is not available yet; it needs ",
		                                        join(missing, "; ")));

	Config config = load_config(global);
	return Session(*t, args, config.inputs_dir()).run();
}

} // namespace meles::cli
