#include "did_you_mean.hpp"

#include "meles/core/common/suggest.hpp"

#include <algorithm>

namespace meles::rd::parse {

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
	// RD names are long and descriptive: allow a third of the word, at least two edits, but
	// never as many as the word has characters (that would be any word of its length).
	if (word.size() < 2) return {};
	return suggest(word, candidates, std::min(std::max<size_t>(2, word.size() / 3), word.size() - 1));
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
	auto m = closest_match(word, candidates);
	return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

} // namespace meles::rd::parse
