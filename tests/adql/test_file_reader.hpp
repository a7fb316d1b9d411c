// tests/adql/test_file_reader.hpp — reads the cases of tests/adql/*.test (format described in
// tests/unit/core/adql/adql_files_test.cpp); shared by the unit tests and the database tests.
// Thread-safety: pure functions.
#pragma once

#include "meles/core/common/strings.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace meles::adql_test {

inline const std::string& test_dir() {
	static const std::string dir = std::string(MELES_SOURCE_DIR) + "/tests/adql/";
	return dir;
}

inline std::string read_text(const std::string& path) {
	std::ifstream in(path, std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// \n stands for a newline and \0 for a NUL byte; everything else is literal.
inline std::string unescape(const std::string& s) {
	std::string out;
	for (size_t i = 0; i < s.size(); ++i) {
		if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == '0')) {
			out += s[i + 1] == 'n' ? '\n' : '\0';
			++i;
		} else {
			out += s[i];
		}
	}
	return out;
}

struct Case {
	int line = 0;
	std::string header;
	std::vector<std::string> adql;
	std::vector<std::string> expected;
	std::vector<std::string> columns;

	std::string kind() const { return header.substr(0, header.find(' ')); }
	std::string query() const { return unescape(join(adql, "\n")); }
};

inline std::vector<Case> read_cases(const std::string& text) {
	std::vector<Case> cases;
	std::istringstream in(text);
	std::string line;
	int lineno = 0;
	Case* cur = nullptr;
	int section = 0; // 0 adql, 1 expected, 2 columns
	while (std::getline(in, line)) {
		++lineno;
		if (!line.empty() && line.back() == '\r') line.pop_back();
		if (!cur) {
			if (trim(line).empty() || line[0] == '#') continue;
			cases.push_back(Case{});
			cur = &cases.back();
			cur->line = lineno;
			cur->header = line;
			section = 0;
			continue;
		}
		if (trim(line).empty()) {
			cur = nullptr;
			continue;
		}
		if (line == "----") {
			section = 1;
			continue;
		}
		if (line == "====") {
			section = 2;
			continue;
		}
		(section == 0 ? cur->adql : section == 1 ? cur->expected : cur->columns).push_back(line);
	}
	return cases;
}

} // namespace meles::adql_test
