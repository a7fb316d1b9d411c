// rd/src/expr/object.hpp — heap storage behind Value (strings, containers, matches).
//
// Reference counts are plain integers: values live on one thread, except immortal ones
// (compile-time constants), whose count is not touched while they are immortal.
// Thread-safety: see Value.
#pragma once

#include "meles/rd/expr/value.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::expr::detail {

struct Obj {
	explicit Obj(Kind k) : kind(k) {}
	virtual ~Obj() = default;
	std::uint32_t refs = 1;
	// Immortal objects (constants of a compiled expression) are not counted while they are
	// shared; their owner (the expression) makes them mortal again before it releases them.
	bool immortal = false;
	Kind kind;
};

struct StrObj : Obj {
	StrObj(Kind k, std::string t) : Obj(k), s(std::move(t)) {}
	std::string s;
};

struct SeqObj : Obj {
	SeqObj(Kind k, std::vector<Value> v) : Obj(k), items(std::move(v)) {}
	std::vector<Value> items;
};

// Dicts and sets: insertion-ordered keys (and values for dicts) plus, from 9 entries on,
// an open-addressing hash index so that big lookup tables (dictMap idioms) stay O(1).
struct DictObj : Obj {
	explicit DictObj(Kind k) : Obj(k) {}
	std::vector<Value> keys;
	std::vector<Value> vals;         // empty for sets
	std::vector<std::int32_t> index; // entry index + 1; 0 = free slot

	std::int64_t find(const Value& key) const; // -1 when absent
	// Inserts or (for dicts) overwrites; returns the entry index.
	std::size_t put(Value key, Value val);
	void erase_at(std::size_t i);
	void rebuild_index();
};

struct MatchObj : Obj {
	MatchObj() : Obj(Kind::Match) {}
	std::vector<std::optional<std::string>> groups;           // group 0 is the whole match
	std::vector<std::pair<std::int64_t, std::int64_t>> spans; // code point offsets, -1 if unmatched
	std::vector<std::pair<std::string, int>> names;           // named groups
};

inline const std::string& str_of(const Value& v) {
	return static_cast<StrObj*>(v.heap())->s;
}

} // namespace meles::rd::expr::detail

namespace meles::rd::expr {
// Lets the library wrap heap objects it built itself (matches) into Values.
struct ValueAccess {
	static Value wrap(detail::Obj* o) {
		Value v(o->kind);
		v.u_.obj = o;
		return v;
	}
};
} // namespace meles::rd::expr
