#include "meles/rd/registry/vocabularies.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace meles::rd::registry {

extern const char* const kUatTermsText; // vocabularies/uat-terms.tsv, compiled in

namespace {

struct Term {
	std::string id, number, label;
	bool deprecated = false;
	std::vector<std::string> instead;
};

struct Uat {
	std::vector<Term> terms;
	std::map<std::string, size_t> by_key; // lower-case identifier, labels, numbers, URIs
};

// What the IVOA makes identifiers from labels with: lower case, other runs become one dash.
std::string as_identifier(std::string_view label) {
	std::string out;
	bool dash = false;
	for (unsigned char c : label) {
		if (std::isalnum(c) && c < 128) {
			if (dash && !out.empty()) out += '-';
			dash = false;
			out += static_cast<char>(std::tolower(c));
		} else {
			dash = true;
		}
	}
	return out;
}

const Uat& uat() {
	static Uat u;
	static std::once_flag once;
	std::call_once(once, [] {
		for (auto& line : split(kUatTermsText, '\n')) {
			if (line.empty() || line[0] == '#') continue;
			auto f = split(line, '\t');
			if (f.size() < 5) continue;
			Term t;
			t.id = f[0];
			t.number = f[1];
			t.label = f[2];
			t.deprecated = !f[3].empty();
			if (t.deprecated && f[3] != "-") t.instead = split_list(f[3], ',');
			size_t i = u.terms.size();
			u.terms.push_back(t);
			u.by_key.emplace(to_lower(t.id), i);
			u.by_key.emplace(to_lower(t.label), i);
			if (!t.number.empty()) u.by_key.emplace("http://astrothesaurus.org/uat/" + t.number, i);
			u.by_key.emplace("http://www.ivoa.net/rdf/uat#" + to_lower(t.id), i);
			for (auto& alt : split(f[4], '|'))
				if (!alt.empty()) u.by_key.emplace(to_lower(alt), i); // a label wins over an alternative
		}
	});
	return u;
}

size_t edit_distance(std::string_view a, std::string_view b) {
	std::vector<size_t> row(b.size() + 1);
	for (size_t j = 0; j <= b.size(); ++j)
		row[j] = j;
	for (size_t i = 1; i <= a.size(); ++i) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= b.size(); ++j) {
			size_t cur = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
			prev = cur;
		}
	}
	return row[b.size()];
}

std::string quoted_list(const std::vector<std::string>& v) {
	std::vector<std::string> q;
	for (auto& s : v)
		q.push_back("'" + s + "'");
	return join(q, ", ");
}

std::optional<std::string> pick(std::string_view value, std::initializer_list<const char*> terms) {
	std::string v(trim(value));
	for (const char* t : terms)
		if (iequals(v, t)) return std::string(t);
	return std::nullopt;
}

constexpr std::initializer_list<const char*> kLevels = {"Research", "Amateur", "General"};
constexpr std::initializer_list<const char*> kTypes = {
    "Other",      "Archive",      "Bibliography",   "Catalog",   "Journal",    "Library",
    "Simulation", "Survey",       "Transformation", "Education", "Outreach",   "EPOResource",
    "Animation",  "Artwork",      "Background",     "BasicData", "Historical", "Photographic",
    "Press",      "Organisation", "Project",        "Registry"};
constexpr std::initializer_list<const char*> kBands = {
    "Photon", "Radio", "Millimeter", "Infrared", "Optical", "UV", "EUV", "X-ray", "Gamma-ray", "Neutrino"};

} // namespace

size_t uat_size() {
	return uat().terms.size();
}

SubjectCheck check_subject(std::string_view subject) {
	const Uat& u = uat();
	SubjectCheck out;
	std::string s = normalize_space(subject);
	if (s.empty()) {
		out.problem = "an empty subject";
		return out;
	}
	auto it = u.by_key.find(to_lower(s));
	if (it == u.by_key.end()) it = u.by_key.find(as_identifier(s));
	if (it != u.by_key.end()) {
		const Term& t = u.terms[it->second];
		if (!t.deprecated) {
			out.term = t.id;
			return out;
		}
		out.problem = concat("subject '", s, "' is a deprecated UAT term");
		out.problem += t.instead.empty() ? std::string("; choose another from http://www.ivoa.net/rdf/uat")
		                                 : concat("; use instead: ", quoted_list(t.instead));
		return out;
	}
	// Close terms: the identifier within a few edits, or containing it, or sharing words
	// with it ("catalogue data" finds "catalogs": words a couple of letters apart count).
	std::string want = as_identifier(s);
	std::vector<std::string> want_words;
	for (auto& w : split(want, '-'))
		if (w.size() >= 4) want_words.push_back(w);
	auto word_near = [](const std::string& a, const std::string& b) {
		return edit_distance(a, b) <= std::max<size_t>(1, std::min(a.size(), b.size()) / 4);
	};
	std::vector<std::pair<size_t, std::string>> near;
	for (auto& t : u.terms) {
		if (t.deprecated) continue;
		size_t d = edit_distance(want, t.id);
		bool contains = want.size() >= 4 && t.id.find(want) != std::string::npos;
		if (d <= std::max<size_t>(2, want.size() / 4) || contains) {
			near.emplace_back(contains ? d / 2 : d, t.id);
			continue;
		}
		size_t shared = 0;
		auto term_words = split(t.id, '-');
		for (auto& w : want_words)
			if (std::any_of(term_words.begin(), term_words.end(),
			                [&](const std::string& tw) { return word_near(w, tw); }))
				++shared;
		// ranked after the close spellings, terms with more shared words and fewer others first
		if (shared) near.emplace_back(1000 - 100 * shared + term_words.size(), t.id);
	}
	std::sort(near.begin(), near.end());
	std::vector<std::string> names;
	for (size_t i = 0; i < near.size() && i < 4; ++i)
		names.push_back(near[i].second);
	out.problem = concat("subject '", s, "' is not a UAT term");
	out.problem += names.empty() ? std::string(" (see http://www.ivoa.net/rdf/uat)")
	                             : concat("; did you mean ", quoted_list(names), "?");
	return out;
}

std::optional<std::string> content_level(std::string_view v) {
	return pick(v, kLevels);
}
std::optional<std::string> content_type(std::string_view v) {
	return pick(v, kTypes);
}
std::optional<std::string> waveband(std::string_view v) {
	return pick(v, kBands);
}
std::vector<std::string> content_levels() {
	return {kLevels.begin(), kLevels.end()};
}
std::vector<std::string> content_types() {
	return {kTypes.begin(), kTypes.end()};
}
std::vector<std::string> wavebands() {
	return {kBands.begin(), kBands.end()};
}

} // namespace meles::rd::registry
