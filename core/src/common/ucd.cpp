#include "meles/core/common/ucd.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace meles {

// The text of core/data/ucd-list.txt (generated at build time: ucd_list.cpp.in).
extern const char* const kUcdListText;

namespace {

struct UcdList {
	std::string version;
	std::map<std::string, char, std::less<>> flags; // lower-case word -> flag
	std::vector<std::string> words;                 // as the list spells them, for suggestions
};

const UcdList& list() {
	static const UcdList l = [] {
		UcdList out;
		for (auto line : split(kUcdListText, '\n')) {
			if (line.starts_with("#")) {
				if (out.version.empty()) out.version = std::string(trim(line.substr(1)));
				continue;
			}
			auto parts = split(line, '|');
			if (parts.size() < 2 || trim(parts[0]).empty()) continue;
			std::string word(trim(parts[1]));
			out.flags[to_lower(word)] = trim(parts[0])[0];
			out.words.push_back(std::move(word));
		}
		return out;
	}();
	return l;
}

bool atom_start(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool atom_char(char c) {
	return atom_start(c) || c == '-' || c == '_';
}

// atoms of [A-Za-z0-9][A-Za-z0-9_-]* joined by '.'
bool well_formed_word(std::string_view w) {
	for (auto atom : split(w, '.')) {
		if (atom.empty() || !atom_start(atom[0])) return false;
		for (char c : atom)
			if (!atom_char(c)) return false;
	}
	return !w.empty();
}

std::string closest_word(std::string_view word) {
	Suggester s(word);
	for (auto& w : list().words)
		s.offer(w);
	return s.suffix();
}

} // namespace

char ucd_word_flag(std::string_view word) {
	auto& flags = list().flags;
	auto it = flags.find(to_lower(word));
	return it == flags.end() ? '\0' : it->second;
}

std::string_view ucd_list_version() {
	return list().version;
}

std::string ucd_problem(std::string_view ucd) {
	if (ucd.empty() || ucd == "instr.fov" || ucd == "em.line") return {};
	for (char c : ucd)
		if (!atom_char(c) && c != '.' && c != ';' && c != ':')
			return concat("it contains '", std::string(1, c),
			              "' (UCDs are words of letters, digits, '.', '-' and '_', joined by ';')");
	auto words = split(ucd, ';');
	for (size_t i = 0; i < words.size(); ++i) {
		std::string_view w = words[i];
		std::string_view ns = "ivoa";
		if (auto colon = w.find(':'); colon != std::string_view::npos) {
			if (w.find(':', colon + 1) != std::string_view::npos)
				return concat("word '", w, "' has more than one ':'");
			ns = w.substr(0, colon);
			if (ns.empty() || !atom_start(ns[0])) return concat("word '", w, "' has a malformed namespace");
			w = w.substr(colon + 1);
		}
		if (w.empty()) return i + 1 == words.size() && i > 0 ? "it ends with ';'" : "it has an empty word";
		if (!well_formed_word(w)) return concat("'", w, "' is no well-formed word (atoms joined by '.')");
		if (to_lower(ns) != "ivoa") continue; // another vocabulary: not ours to judge
		char flag = ucd_word_flag(w);
		if (!flag) {
			bool ucd1 = std::all_of(w.begin(), w.end(), [](char c) {
				return std::isupper(static_cast<unsigned char>(c)) ||
				       std::isdigit(static_cast<unsigned char>(c)) || c == '_';
			});
			return concat("'", w, "' is not a UCD1+ word",
			              ucd1 ? " (an old UCD1 name? UCD1+ writes e.g. pos.eq.ra;meta.main)"
			                   : closest_word(w));
		}
		if (i == 0 && flag == 'S') return concat("'", w, "' is a secondary word and cannot lead a UCD");
		if (i > 0 && flag == 'P') return concat("'", w, "' is a primary word and can only lead a UCD");
	}
	return {};
}

} // namespace meles
