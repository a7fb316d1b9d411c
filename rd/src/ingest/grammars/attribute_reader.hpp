// attribute_reader.hpp — validates a GrammarElement's attributes into typed values.
//
// Every grammar (and <sources>) declares the attribute names it knows; anything else is an
// error at the RD position with a did-you-mean.  Atomic attributes written as child
// elements (<names>a, b</names>) are accepted like attributes.
// Thread-safety: used during construction only.
#pragma once

#include "meles/rd/ingest/grammar.hpp"
#include "meles/rd/ingest/grammar_registry.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd::ingest::detail {

// Closest of `candidates` to `word` within a small edit distance, or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);

class AttributeReader {
public:
	// attributes: names this element accepts (id and original are always accepted);
	// children: child element names handled by the caller (e.g. "col") or by later stages
	// (ignoreOn, rowfilter, sourceFields, property — see common_grammar_children()).
	AttributeReader(const GrammarElement& el, std::initializer_list<std::string_view> attributes,
	                std::vector<std::string_view> children);
	// A grammar element: the options and children of its record, and the common children.
	AttributeReader(const GrammarElement& el, const GrammarRecord& record);

	const GrammarElement& element() const { return el_; }

	std::optional<std::string> string(std::string_view name) const;
	// Position of the attribute, or of the element when absent.
	SourcePos pos(std::string_view name) const;
	bool boolean(std::string_view name, bool fallback) const;
	int64_t integer(std::string_view name, int64_t fallback, int64_t min, int64_t max) const;
	// Comma-separated list, items trimmed (DaCHS's StringListAttribute).
	std::optional<std::vector<std::string>> list(std::string_view name) const;
	// Child elements named `name`.
	std::vector<const GrammarElement*> children(std::string_view name) const;

	[[noreturn]] void fail(std::string_view name, std::string message) const;

private:
	void read(const std::vector<std::string_view>& attributes, const std::vector<std::string_view>& children);
	const GrammarElement& el_;
	std::vector<GrammarElement::Attribute> values_; // attributes and atomic children
};

} // namespace meles::rd::ingest::detail
