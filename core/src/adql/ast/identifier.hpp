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

// How a name written in a query (a reference) finds a name the catalogue or an earlier part
// of the query declares.  Exact: PostgreSQL's rule (names_match).  Spelling: a delimited
// reference written exactly like a regular declared name that has capitals ("MixedCase" for a
// VOTable FIELD named MixedCase, whose SQL name is mixedcase).  Users copy names from
// TAP_SCHEMA, VOSI and uploaded documents as they are shown and quote them to be safe; such a
// reference can mean nothing else, so it finds the name -- unless a name matches exactly.
enum class NameMatch : uint8_t { None, Spelling, Exact };
NameMatch reference_match(const Identifier& ref, std::string_view name, bool delimited) noexcept;

// The user-facing spelling: as written, in double quotes if delimited.
std::string display_name(std::string_view name, bool delimited);

} // namespace meles::adql
