// meles/core/common/suggest.hpp — "did you mean ...?" for unknown names everywhere (RD
// elements and attributes, grammar attributes, rowmaker names, configuration keys, ADQL
// names, meta keys): the candidate closest by edit distance, if close enough to be a typo.
// Thread-safety: pure functions; one Suggester per lookup.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace meles {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
// neighbours ("unti" for "unit") count one each.  Names longer than 64 characters are
// never close to anything (bounded cost for whatever a client sends).
size_t edit_distance(std::string_view a, std::string_view b, bool ignore_case = true);

class Suggester {
public:
	// A candidate further than `max_distance` is no plausible typo; by default a third of
	// the word's length, at least 1 and at most 3.
	explicit Suggester(std::string_view wanted, std::optional<size_t> max_distance = std::nullopt,
	                   bool ignore_case = true);
	// Offers a candidate (as it should be shown to the user).
	void offer(std::string_view candidate) { offer(candidate, candidate); }
	// Offers a candidate compared by `name` and shown as `shown` (e.g. with its quotes).
	void offer(std::string_view name, std::string_view shown);
	// The closest candidate so far, "" if none is close enough.
	const std::string& best() const { return best_; }
	size_t distance() const { return best_distance_; }
	// " (did you mean 'x'?)" or "".
	std::string suffix() const;

private:
	std::string wanted_;
	size_t limit_;
	bool ignore_case_;
	std::string best_;
	size_t best_distance_ = static_cast<size_t>(-1);
};

// The closest of `candidates` (any range of things convertible to string_view), or "".
template <class Range>
std::string suggest(std::string_view wanted, const Range& candidates,
                    std::optional<size_t> max_distance = std::nullopt, bool ignore_case = true) {
	Suggester s(wanted, max_distance, ignore_case);
	for (const auto& c : candidates)
		s.offer(std::string_view(c));
	return s.best();
}

} // namespace meles
