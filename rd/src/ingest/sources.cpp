#include "meles/rd/ingest/sources.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <filesystem>
#include <fnmatch.h>
#include <glob.h>
#include <set>

namespace meles::rd::ingest {

namespace fs = std::filesystem;

SourcesSpec SourcesSpec::from_element(const GrammarElement& el) {
	detail::AttributeReader a(el, {"pattern", "recurse"}, {"pattern", "item", "ignoreSources"});
	SourcesSpec s;
	s.pos = el.pos;
	if (auto p = a.string("pattern")) {
		std::string t(trim(*p));
		if (t.empty()) throw Error(ErrorKind::Validation, "empty sources pattern", a.pos("pattern"));
		s.patterns.push_back({t, a.pos("pattern")});
	}
	for (const GrammarElement* c : a.children("pattern")) {
		std::string t(trim(c->text));
		if (t.empty()) throw Error(ErrorKind::Validation, "empty pattern element", c->pos);
		s.patterns.push_back({t, c->pos});
	}
	// DaCHS also takes the pattern as the element's text: <sources>data/*.csv</sources>.
	std::string text(trim(el.text));
	if (!text.empty()) s.patterns.push_back({text, el.pos});
	for (const GrammarElement* c : a.children("item"))
		s.items.emplace_back(trim(c->text));
	if (!a.children("ignoreSources").empty())
		throw Error(ErrorKind::Validation, "ignoreSources is not supported by Meles yet",
		            a.children("ignoreSources")[0]->pos);
	s.recurse = a.boolean("recurse", false);
	if (s.patterns.empty() && s.items.empty())
		throw Error(ErrorKind::Validation, "sources has neither a pattern nor items", el.pos);
	return s;
}

namespace {

bool is_regular_file(const fs::path& p) {
	std::error_code ec;
	return fs::is_regular_file(p, ec); // follows symlinks
}

std::vector<std::string> glob_files(const std::string& pattern) {
	glob_t g{};
	int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
	std::vector<std::string> out;
	if (rc == 0)
		for (size_t i = 0; i < g.gl_pathc; ++i)
			if (is_regular_file(g.gl_pathv[i])) out.emplace_back(g.gl_pathv[i]);
	globfree(&g);
	if (rc == GLOB_ABORTED || rc == GLOB_NOSPACE)
		throw Error(ErrorKind::Io, concat("cannot expand sources pattern '", pattern, "'"));
	return out;
}

std::vector<std::string> walk_files(const fs::path& dir, const std::string& name_pattern,
                                    const SourcePos& pos) {
	std::vector<std::string> out;
	std::error_code ec;
	if (!fs::is_directory(dir, ec)) return out;
	fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
	if (ec)
		throw Error(ErrorKind::Io, concat("cannot read directory ", dir.string(), ": ", ec.message()), pos);
	for (; it != end; it.increment(ec)) {
		if (ec)
			throw Error(ErrorKind::Io, concat("cannot read below ", dir.string(), ": ", ec.message()), pos);
		if (!it->is_regular_file(ec)) continue;
		std::string name = it->path().filename().string();
		if (::fnmatch(name_pattern.c_str(), name.c_str(), 0) == 0) out.push_back(it->path().string());
	}
	return out;
}

} // namespace

std::vector<SourceInfo> expand_sources(const SourcesSpec& spec, const std::string& resdir,
                                       const ExpandOptions& options) {
	std::vector<SourceInfo> out;
	for (auto& item : spec.items) {
		SourceInfo s;
		s.path = s.display = s.stem = item;
		s.resdir = resdir;
		s.is_item = true;
		out.push_back(std::move(s));
	}
	std::error_code ec;
	fs::path base = fs::absolute(fs::path(resdir.empty() ? "." : resdir), ec).lexically_normal();
	std::set<std::string> files;
	for (auto& pat : spec.patterns) {
		fs::path p(pat.glob);
		fs::path full = p.is_absolute() ? p : base / p;
		std::vector<std::string> found;
		if (spec.recurse) {
			found = walk_files(full.parent_path(), full.filename().string(), pat.pos);
		} else {
			found = glob_files(full.string());
		}
		if (found.empty() && !options.allow_empty)
			throw Error(ErrorKind::NotFound,
			            concat("sources pattern '", pat.glob, "' matches no files",
			                   spec.recurse ? " (searched recursively)" : "", " in ", base.string()),
			            pat.pos);
		for (auto& f : found)
			files.insert(fs::path(f).lexically_normal().string());
	}
	for (auto& f : files) {
		SourceInfo s = SourceInfo::for_file(f, base.string());
		s.resdir = resdir.empty() ? base.string() : resdir;
		out.push_back(std::move(s));
	}
	for (size_t i = 0; i < out.size(); ++i)
		out[i].index = i;
	return out;
}

uint64_t total_bytes(const std::vector<SourceInfo>& sources) {
	uint64_t t = 0;
	for (auto& s : sources)
		t += s.size;
	return t;
}

} // namespace meles::rd::ingest
