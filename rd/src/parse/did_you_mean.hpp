// rd/src/parse/did_you_mean.hpp — spelling suggestions for unknown names in RDs.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::parse {

// The candidate closest to word (case-insensitive edit distance), if it is close enough to be
// a plausible typo; "" otherwise.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// " (did you mean 'unit'?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

} // namespace meles::rd::parse
