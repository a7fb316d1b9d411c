#include "adql/lexer/keywords.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace meles::adql {

namespace {

struct Entry {
	std::string_view text;
	Keyword kw;
};

constexpr Entry kUnsorted[] = {
#define MELES_ADQL_KW_ENTRY(id, text) {text, Keyword::id},
    MELES_ADQL_KEYWORDS(MELES_ADQL_KW_ENTRY)
#undef MELES_ADQL_KW_ENTRY
};
constexpr size_t kCount = sizeof(kUnsorted) / sizeof(kUnsorted[0]);

// Sorted once at start-up; lookups are a binary search over upper-case text.
const std::array<Entry, kCount>& sorted() {
	static const std::array<Entry, kCount> table = [] {
		std::array<Entry, kCount> t{};
		std::copy(std::begin(kUnsorted), std::end(kUnsorted), t.begin());
		std::sort(t.begin(), t.end(), [](const Entry& a, const Entry& b) { return a.text < b.text; });
		return t;
	}();
	return table;
}

constexpr size_t kMaxKeywordLength = 17; // CURRENT_TIMESTAMP

} // namespace

Keyword lookup_keyword(std::string_view word) noexcept {
	if (word.size() < 2 || word.size() > kMaxKeywordLength) return Keyword::None;
	char buf[kMaxKeywordLength];
	for (size_t i = 0; i < word.size(); ++i) {
		char c = word[i];
		buf[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
	}
	std::string_view up(buf, word.size());
	const auto& t = sorted();
	auto it = std::lower_bound(t.begin(), t.end(), up,
	                           [](const Entry& e, std::string_view w) { return e.text < w; });
	if (it != t.end() && it->text == up) return it->kw;
	return Keyword::None;
}

std::string_view keyword_text(Keyword kw) noexcept {
	size_t i = static_cast<size_t>(kw);
	if (i == 0 || i > kCount) return "";
	return kUnsorted[i - 1].text;
}

} // namespace meles::adql
