// meles/rd/model/meta.hpp — RD metadata (`meta` elements and meta streams) as trees.
//
// A key maps to a sequence of values; each value may carry child keys ("creator" values with
// "name" and "logo" children).  Dotted keys address children of the *last* value
// ("contact.email" adds "email" below the current contact).  Adding appends, a leading "!"
// replaces.  Lookups fall back along a MetaChain: element -> RD -> site-wide default meta.
// Thread-safety: plain value types; MetaChain holds pointers that must outlive it.
#pragma once

#include "meles/core/common/error.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::rd {

struct MetaValue;

class MetaBag {
public:
	using Entry = std::pair<std::string, std::vector<MetaValue>>;

	// Adds a value under a (possibly dotted) key; "!key" clears the key first.
	// Throws Error(Syntax) for keys that are not atoms joined by dots.
	void add(std::string_view key, MetaValue value);
	// Replaces all values of key (on this bag only).
	void set(std::string_view key, MetaValue value);
	void remove(std::string_view key);

	// All values reachable through key (every branch of intermediate sequences), in order.
	std::vector<const MetaValue*> all(std::string_view key) const;
	const MetaValue* first(std::string_view key) const;
	// Content of the first value, if any.
	std::optional<std::string> text(std::string_view key) const;
	bool has(std::string_view key) const { return first(key) != nullptr; }

	bool empty() const { return entries_.empty(); }
	const std::vector<Entry>& entries() const { return entries_; }

	// True if key is a valid meta key (atoms of letters, digits, '_' or '-', joined by dots).
	static bool valid_key(std::string_view key);

private:
	std::vector<MetaValue>* find_entry(std::string_view atom);
	const std::vector<MetaValue>* find_entry(std::string_view atom) const;
	std::vector<Entry> entries_;
};

struct MetaValue {
	std::string content;          // dedented text, macros expanded
	std::string format = "plain"; // plain, rst, raw, literal
	// Further attributes of typed meta (title=, role=, ivoId=, tag=, ...).
	std::map<std::string, std::string> attributes;
	MetaBag children;
	SourcePos pos;
};

// Parses a meta stream ("key: value" lines, "\" continuations, "#" comments, "!key:" to
// replace) into bag.  Errors carry the position of the offending line relative to `pos`.
// `transform`, if given, is applied to each value (the RD loader expands macros with it).
void parse_meta_stream(std::string_view text, const SourcePos& pos, MetaBag& bag,
                       const std::function<std::string(std::string_view, const SourcePos&)>& transform = {});

// Where meta lookups go: the first bag holding the key wins (DaCHS's inheritance).
struct MetaChain {
	std::vector<const MetaBag*> bags;

	const MetaValue* first(std::string_view key) const;
	std::vector<const MetaValue*> all(std::string_view key) const;
	std::optional<std::string> text(std::string_view key) const;
};

} // namespace meles::rd
