// tests/adql/corpus_reader.hpp — the cases of the lyonetia ADQL corpus (XML per its
// queries.xsd), read without an XML library: queries, validity, declared functions.
// Shared by the unit corpus test and the database tests.  Thread-safety: pure functions.
#pragma once

#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace meles::adql_test {

// $MELES_ADQL_CORPUS if set, else MELES_SHARED_DIR/adql-corpus/lyonetia.
inline std::filesystem::path corpus_dir() {
	if (const char* env = std::getenv("MELES_ADQL_CORPUS"); env && *env) return env;
	return std::filesystem::path(MELES_SHARED_DIR) / "adql-corpus" / "lyonetia";
}

// XML text content: CDATA kept verbatim, the five entities and numeric references decoded.
inline std::string xml_text(std::string_view s) {
	std::string out;
	for (size_t i = 0; i < s.size();) {
		if (s.substr(i, 9) == "<![CDATA[") {
			size_t end = s.find("]]>", i + 9);
			out += s.substr(i + 9, end - i - 9);
			i = end == std::string_view::npos ? s.size() : end + 3;
		} else if (s[i] == '&') {
			size_t semi = s.find(';', i);
			std::string_view ent = s.substr(i + 1, semi - i - 1);
			if (ent == "lt")
				out += '<';
			else if (ent == "gt")
				out += '>';
			else if (ent == "amp")
				out += '&';
			else if (ent == "quot")
				out += '"';
			else if (ent == "apos")
				out += '\'';
			else if (!ent.empty() && ent[0] == '#') {
				bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
				long cp = std::strtol(std::string(ent.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10);
				if (cp < 0x80) {
					out += static_cast<char>(cp);
				} else if (cp < 0x800) {
					out += static_cast<char>(0xC0 | (cp >> 6));
					out += static_cast<char>(0x80 | (cp & 0x3F));
				} else {
					out += static_cast<char>(0xE0 | (cp >> 12));
					out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
					out += static_cast<char>(0x80 | (cp & 0x3F));
				}
			}
			i = semi + 1;
		} else {
			out += s[i++];
		}
	}
	return out;
}

// All <tag ...>content</tag> in s: (start tag, content).
inline std::vector<std::pair<std::string_view, std::string_view>> xml_elements(std::string_view s,
                                                                               std::string_view tag) {
	std::vector<std::pair<std::string_view, std::string_view>> out;
	std::string open = "<" + std::string(tag), close = "</" + std::string(tag) + ">";
	size_t pos = 0;
	for (;;) {
		size_t a = s.find(open, pos);
		if (a == std::string_view::npos) break;
		char after = a + open.size() < s.size() ? s[a + open.size()] : '>';
		if (after != '>' && after != ' ' && after != '\n' && after != '\t') {
			pos = a + 1;
			continue;
		}
		size_t gt = s.find('>', a);
		size_t b = s.find(close, gt);
		if (gt == std::string_view::npos || b == std::string_view::npos) break;
		out.emplace_back(s.substr(a, gt - a), s.substr(gt + 1, b - gt - 1));
		pos = b + close.size();
	}
	return out;
}

inline std::string xml_attribute(std::string_view start_tag, std::string_view name) {
	std::string key = " " + std::string(name) + "=\"";
	size_t a = start_tag.find(key);
	if (a == std::string_view::npos) return {};
	a += key.size();
	return std::string(start_tag.substr(a, start_tag.find('"', a) - a));
}

// Function names declared in <functions><function><form>name(...) -> T</form>.
inline std::vector<std::string> declared_functions(std::string_view block) {
	std::vector<std::string> out;
	for (const auto& [tag, fn] : xml_elements(block, "functions"))
		for (const auto& [t, form] : xml_elements(fn, "form")) {
			std::string text = xml_text(form);
			out.emplace_back(trim(text.substr(0, text.find('('))));
		}
	return out;
}

struct CorpusCase {
	std::string file; // "ivoa/1_select.xml"
	std::string description;
	std::string query;
	bool valid = false;
	std::vector<std::string> functions; // declared by the file or the query
};

inline std::vector<CorpusCase> read_corpus(const std::vector<std::string>& subdirs, int* files = nullptr) {
	std::vector<CorpusCase> out;
	for (const auto& sub : subdirs) {
		std::vector<std::filesystem::path> paths;
		for (const auto& e : std::filesystem::directory_iterator(corpus_dir() / sub))
			if (e.path().extension() == ".xml") paths.push_back(e.path());
		std::sort(paths.begin(), paths.end());
		for (const auto& p : paths) {
			if (files) ++*files;
			std::ifstream in(p, std::ios::binary);
			std::stringstream ss;
			ss << in.rdbuf();
			std::string xml = ss.str();
			std::string_view doc(xml);
			std::vector<std::string> file_functions = declared_functions(doc.substr(0, doc.find("<query")));
			for (const auto& [qtag, qbody] : xml_elements(doc, "query")) {
				auto desc = xml_elements(qbody, "description");
				std::vector<std::string> functions = file_functions;
				for (auto& f : declared_functions(qbody))
					functions.push_back(std::move(f));
				for (const auto& [atag, abody] : xml_elements(qbody, "adql")) {
					CorpusCase c;
					c.file = sub + "/" + p.filename().string();
					c.description = normalize_space(desc.empty() ? std::string() : xml_text(desc[0].second));
					c.query = xml_text(abody);
					c.valid = xml_attribute(atag, "valid") == "true";
					c.functions = functions;
					out.push_back(std::move(c));
				}
			}
		}
	}
	return out;
}

} // namespace meles::adql_test
