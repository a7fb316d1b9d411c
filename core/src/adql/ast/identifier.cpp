#include "adql/ast/identifier.hpp"

namespace meles::adql {

namespace {
inline char fold(char c) {
	return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
} // namespace

std::string Identifier::key() const {
	if (delimited) return name;
	std::string k(name);
	for (auto& c : k)
		c = fold(c);
	return k;
}

bool names_match(std::string_view a, bool a_delimited, std::string_view b, bool b_delimited) noexcept {
	if (a.size() != b.size()) return false;
	for (size_t i = 0; i < a.size(); ++i) {
		char x = a_delimited ? a[i] : fold(a[i]);
		char y = b_delimited ? b[i] : fold(b[i]);
		if (x != y) return false;
	}
	return true;
}

NameMatch reference_match(const Identifier& ref, std::string_view name, bool delimited) noexcept {
	if (names_match(ref.name, ref.delimited, name, delimited)) return NameMatch::Exact;
	if (ref.delimited && !delimited && ref.name == name) return NameMatch::Spelling;
	return NameMatch::None;
}

std::string display_name(std::string_view name, bool delimited) {
	if (!delimited) return std::string(name);
	std::string out = "\"";
	for (char c : name) {
		out += c;
		if (c == '"') out += '"';
	}
	out += '"';
	return out;
}

} // namespace meles::adql
