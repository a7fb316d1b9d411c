#include "meles/rd/parse/macros.hpp"

#include "did_you_mean.hpp"

#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <ctime>
#include <sys/stat.h>

namespace meles::rd {

namespace fs = std::filesystem;

namespace {

bool name_start(char c) {
	return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool name_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Length of a macro name at s[i] (0 if there is none: names need two characters).
size_t name_length(std::string_view s, size_t i) {
	if (i >= s.size() || !name_start(s[i])) return 0;
	size_t j = i + 1;
	while (j < s.size() && name_char(s[j]))
		++j;
	return j - i >= 2 ? j - i : 0;
}

// Index just past the argument list starting at s[i] (i at '{' or not), without expanding.
size_t skip_arguments(std::string_view s, size_t i) {
	while (i < s.size() && s[i] == '{') {
		int depth = 0;
		size_t j = i;
		for (; j < s.size(); ++j) {
			if (s[j] == '\\' && j + 1 < s.size()) {
				++j;
				continue;
			}
			if (s[j] == '{')
				++depth;
			else if (s[j] == '}' && --depth == 0)
				break;
		}
		if (j >= s.size()) return s.size();
		i = j + 1;
	}
	return i;
}

class Expander {
public:
	Expander(const MacroScope& scope, const ExpandOptions& options, const SourcePos& pos)
	    : scope_(scope), options_(options), pos_(pos) {}

	// Expands s from i; in an argument, stops before the closing '}'.
	std::string run(std::string_view s, size_t& i, bool in_argument) {
		std::string out;
		while (i < s.size()) {
			char c = s[i];
			if (in_argument && c == '}') return out;
			if (c != '\\' || i + 1 >= s.size()) {
				out += c;
				++i;
				continue;
			}
			char n = s[i + 1];
			if (n == '\\') {
				out += '\\';
				i += 2;
			} else if (n == '\n') {
				out += ' ';
				i += 2;
			} else if (n == '\r' && i + 2 < s.size() && s[i + 2] == '\n') {
				out += ' ';
				i += 3;
			} else if (n == '+') {
				i += 2;
			} else if (in_argument && (n == '{' || n == '}')) {
				out += n;
				i += 2;
			} else if (size_t len = name_length(s, i + 1)) {
				out += macro(s, i, len);
			} else {
				out += '\\';
				++i;
			}
		}
		return out;
	}

private:
	std::string macro(std::string_view s, size_t& i, size_t len) {
		size_t start = i;
		std::string name(s.substr(i + 1, len));
		size_t j = i + 1 + len;
		bool keep = options_.keep_row_macros && is_row_macro(name);
		if (keep) {
			i = skip_arguments(s, j);
			return std::string(s.substr(start, i - start));
		}
		std::vector<std::string> args;
		while (j < s.size() && s[j] == '{') {
			++j;
			args.push_back(run(s, j, true));
			if (j >= s.size())
				throw Error(ErrorKind::Syntax,
				            concat("unterminated argument of macro \\", name, " (missing '}')"), pos_);
			++j; // the '}'
		}
		i = j;
		std::optional<std::string> value;
		try {
			value = scope_.call(name, args);
		} catch (const Error& e) {
			throw Error(e.kind(), e.message(), e.pos() ? *e.pos() : pos_);
		}
		if (value) return *value;
		if (options_.keep_unknown) return std::string(s.substr(start, i - start));
		std::string msg = concat("unknown macro \\", name);
		if (is_row_macro(name)) {
			msg += " (it is only available in rowmakers and grammars, where it is expanded for each source)";
		} else {
			std::vector<std::string> known;
			scope_.names(known);
			msg += parse::did_you_mean(name, known);
			msg += "; write \\\\ for a literal backslash";
		}
		throw Error(ErrorKind::Name, msg, pos_);
	}

	const MacroScope& scope_;
	const ExpandOptions& options_;
	const SourcePos& pos_;
};

std::string python_string(std::string_view s) {
	std::string out = "'";
	for (char c : s) {
		switch (c) {
		case '\\':
			out += "\\\\";
			break;
		case '\'':
			out += "\\'";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\r':
			out += "\\r";
			break;
		case '\t':
			out += "\\t";
			break;
		default:
			out += c;
		}
	}
	return out + "'";
}

std::string iso_utc(std::time_t t) {
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	return buf;
}

// A source's path below the inputs directory (accrefs, publisher DIDs: keys clients send back).
// Symlinks are not resolved first: a data directory linked in from a bigger disk is the usual
// layout, and its files keep their names below the inputs directory.  Only when the path is not
// lexically below it is the same directory tried with links resolved (an inputs directory
// reached through a link).  A file outside it (an absolute or ../ sources pattern) gets no key,
// rather than one that spells a server path.
std::string inputs_relative(const fs::path& p, const fs::path& base) {
	if (base.empty()) return p.generic_string();
	auto below = [](const fs::path& file, const fs::path& dir) -> std::optional<std::string> {
		fs::path rel = file.lexically_relative(dir);
		if (rel.empty() || *rel.begin() == ".." || *rel.begin() == ".") return std::nullopt;
		return rel.generic_string();
	};
	std::error_code ec;
	fs::path abs = fs::absolute(p, ec).lexically_normal();
	fs::path b = fs::absolute(base, ec).lexically_normal();
	if (!b.has_filename()) b = b.parent_path(); // "inputs/" as configured
	if (auto r = below(abs, b)) return *r;
	// Which directory above the file is the inputs directory, links resolved (the part below it
	// keeps its spelling).
	fs::path cb = fs::weakly_canonical(b, ec);
	if (!ec)
		for (fs::path up = abs.parent_path(); up.has_relative_path(); up = up.parent_path()) {
			std::error_code e;
			if (fs::weakly_canonical(up, e) == cb && !e)
				if (auto r = below(abs, up)) return *r;
		}
	throw Error(ErrorKind::Validation,
	            concat(p.generic_string(), " lies outside ", b.generic_string(),
	                   "; accrefs, publisher DIDs and preview paths are paths below it (use a sources "
	                   "pattern relative to the resource directory, or link the data directory in)"));
}

} // namespace

// ----- MapMacroScope -----

std::optional<std::string> MapMacroScope::call(std::string_view name,
                                               const std::vector<std::string>& args) const {
	auto it = values_.find(std::string(name));
	if (it != values_.end()) {
		if (!args.empty())
			throw Error(ErrorKind::Validation, concat("macro \\", name, " takes no arguments"));
		return it->second;
	}
	return parent_ ? parent_->call(name, args) : std::nullopt;
}

void MapMacroScope::names(std::vector<std::string>& out) const {
	for (auto& [k, v] : values_)
		out.push_back(k);
	if (parent_) parent_->names(out);
}

// ----- expansion -----

std::string expand_macros(std::string_view text, const MacroScope& scope, const ExpandOptions& options,
                          const SourcePos& pos) {
	if (!may_contain_macros(text)) return std::string(text);
	Expander e(scope, options, pos);
	size_t i = 0;
	return e.run(text, i, false);
}

bool may_contain_macros(std::string_view text) {
	return text.find('\\') != std::string_view::npos;
}

// ----- rowmaker scope -----

const std::vector<std::string_view>& row_macro_names() {
	static const std::vector<std::string_view> names = {
	    "srcstem",        "rootlessPath",       "inputRelativePath", "fullPath",
	    "inputSize",      "lastSourceElements", "sourceDate",        "sourceCDate",
	    "standardPubDID", "dlMetaURI",          "fullDLURL",         "standardPreviewPath",
	    "property",       "docField",           "rowsMade",          "rowsProcessed",
	};
	return names;
}

bool is_row_macro(std::string_view name) {
	auto& n = row_macro_names();
	return std::find(n.begin(), n.end(), name) != n.end();
}

std::vector<std::string> row_macros_in(std::string_view text) {
	std::vector<std::string> out;
	for (size_t i = 0; i + 1 < text.size(); ++i) {
		if (text[i] != '\\') continue;
		if (text[i + 1] == '\\') {
			++i;
			continue;
		}
		if (size_t len = name_length(text, i + 1)) {
			std::string name(text.substr(i + 1, len));
			if (is_row_macro(name)) out.push_back(name);
			i += len;
		}
	}
	return out;
}

bool uses_per_row_macros(std::string_view text) {
	for (auto& n : row_macros_in(text))
		if (n == "rowsMade" || n == "rowsProcessed") return true;
	return false;
}

std::string standard_pub_did(const RowMacroContext& c) {
	return concat("ivo://", c.authority, "/~?", inputs_relative(c.source, c.inputs_dir));
}

namespace {

class RowScope : public MacroScope {
public:
	RowScope(const RowMacroContext& c, RowMacroRendering r) : c_(c), r_(r) {}

	std::optional<std::string> call(std::string_view name,
	                                const std::vector<std::string>& args) const override {
		if (!is_row_macro(name)) return std::nullopt;
		auto need = [&](size_t n) {
			if (args.size() != n)
				throw Error(ErrorKind::Validation, concat("macro \\", name, " takes ", std::to_string(n),
				                                          " argument", n == 1 ? "" : "s"));
		};
		auto str = [&](std::string v) {
			return r_ == RowMacroRendering::PythonLiteral ? python_string(v) : v;
		};
		auto num = [&](long long v) { return std::to_string(v); };
		auto date = [&](std::time_t t) {
			std::string iso = iso_utc(t);
			return r_ == RowMacroRendering::PythonLiteral ? "parseISODT(" + python_string(iso) + ")" : iso;
		};
		fs::path abs = c_.source.is_absolute() ? c_.source : fs::absolute(c_.source);
		if (name == "srcstem") {
			need(0);
			return str(c_.source.filename().stem().string());
		}
		if (name == "rootlessPath") {
			need(0);
			std::string p = abs.generic_string();
			while (!p.empty() && p.front() == '/')
				p.erase(0, 1);
			return str(p);
		}
		if (name == "inputRelativePath") {
			need(0);
			return str(inputs_relative(c_.source, c_.inputs_dir));
		}
		if (name == "fullPath") {
			need(0);
			return str(abs.generic_string());
		}
		if (name == "inputSize") {
			need(0);
			std::error_code ec;
			auto size = fs::file_size(c_.source, ec);
			if (ec) throw Error(ErrorKind::Io, concat("\\inputSize: cannot stat ", c_.source.string()));
			return num(static_cast<long long>(size));
		}
		if (name == "lastSourceElements") {
			need(1);
			long n = std::strtol(args[0].c_str(), nullptr, 10);
			if (n <= 0) throw Error(ErrorKind::Validation, "\\lastSourceElements needs a positive count");
			std::vector<std::string> parts;
			for (auto& p : abs)
				parts.push_back(p.string());
			size_t from = parts.size() > static_cast<size_t>(n) ? parts.size() - n : 0;
			std::vector<std::string> tail(parts.begin() + from, parts.end());
			if (!tail.empty() && tail.front() == "/") tail.erase(tail.begin());
			return str(join(tail, "/"));
		}
		if (name == "sourceDate" || name == "sourceCDate") {
			need(0);
			struct stat st {};
			if (::stat(c_.source.c_str(), &st) != 0)
				throw Error(ErrorKind::Io, concat("\\", name, ": cannot stat ", c_.source.string()));
			return date(name == "sourceDate" ? st.st_mtime : st.st_ctime);
		}
		if (name == "standardPubDID") {
			need(0);
			return str(standard_pub_did(c_));
		}
		if (name == "dlMetaURI" || name == "fullDLURL") {
			need(1);
			std::string renderer = name == "dlMetaURI" ? "dlmeta" : "dlget";
			std::string base = c_.server_url;
			while (!base.empty() && base.back() == '/')
				base.pop_back();
			return str(concat(base, "/", c_.rd_id, "/", args[0], "/", renderer,
			                  "?ID=", url_encode(standard_pub_did(c_))));
		}
		if (name == "standardPreviewPath") {
			need(0);
			return str("previews/" + inputs_relative(c_.source, c_.resdir));
		}
		if (name == "property") {
			need(1);
			if (auto* p = find_property(c_.properties, args[0])) return str(p->value);
			throw Error(ErrorKind::Validation,
			            concat("\\property{", args[0], "}: the data element has no such property"));
		}
		if (name == "docField") {
			need(1);
			if (c_.doc_field)
				if (auto v = c_.doc_field(args[0])) return str(*v);
			throw Error(
			    ErrorKind::Validation,
			    concat("\\docField{", args[0], "}: the grammar provides no document field of that name"));
		}
		if (name == "rowsMade") {
			need(0);
			return num(c_.rows_made);
		}
		if (name == "rowsProcessed") {
			need(0);
			return num(c_.rows_processed);
		}
		return std::nullopt;
	}

	void names(std::vector<std::string>& out) const override {
		for (auto n : row_macro_names())
			out.emplace_back(n);
	}

private:
	const RowMacroContext& c_;
	RowMacroRendering r_;
};

} // namespace

std::string expand_row_macros(std::string_view text, const RowMacroContext& context,
                              RowMacroRendering rendering, const SourcePos& pos) {
	if (!may_contain_macros(text)) return std::string(text);
	RowScope scope(context, rendering);
	// Other backslash sequences were already dealt with when the RD was loaded ("\\" became
	// "\" then), so they must stay untouched here: scan for row macros only.
	std::string out;
	size_t i = 0;
	while (i < text.size()) {
		if (text[i] == '\\' && i + 1 < text.size()) {
			if (size_t len = name_length(text, i + 1)) {
				std::string name(text.substr(i + 1, len));
				if (is_row_macro(name)) {
					size_t end = skip_arguments(text, i + 1 + len);
					std::string call(text.substr(i, end - i));
					ExpandOptions opts;
					out += expand_macros(call, scope, opts, pos);
					i = end;
					continue;
				}
			}
		}
		out += text[i++];
	}
	return out;
}

const RowMacroContext& stand_in_row_macro_context() {
	static const RowMacroContext context = [] {
		auto dir = std::filesystem::temp_directory_path() / "meles-val";
		std::error_code ec;
		std::filesystem::create_directories(dir / "data", ec);
		std::ofstream(dir / "data" / "source.dat").flush();
		RowMacroContext c;
		c.source = dir / "data" / "source.dat";
		c.inputs_dir = dir;
		c.resdir = dir / "data";
		return c;
	}();
	return context;
}

} // namespace meles::rd
