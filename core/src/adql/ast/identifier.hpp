// adql/ast/identifier.hpp — an ADQL name as written, and PostgreSQL's rule for what it means
// (regular names fold to lower case, delimited ones are exact), used alike for matching in
// the binder and quoting in the emitter.  Thread-safety: plain value type, pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace meles::adql {

struct Identifier {
	std::string name; // delimited: the unescaped text between the quotes
	bool delimited = false;
	uint32_t pos = 0; // byte offset in the query

	// What the name denotes: lower-cased if regular.
	std::string key() const;
};

// True if two names denote the same SQL name (regular ones folded to lower case).
bool names_match(std::string_view a, bool a_delimited, std::string_view b, bool b_delimited) noexcept;
inline bool names_match(const Identifier& a, std::string_view b, bool b_delimited) noexcept {
	return names_match(a.name, a.delimited, b, b_delimited);
}

// The user-facing spelling: as written, in double quotes if delimited.
std::string display_name(std::string_view name, bool delimited);

} // namespace meles::adql
