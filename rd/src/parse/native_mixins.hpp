// rd/src/parse/native_mixins.hpp — mixins whose DaCHS implementation is Python
// (processEarly/processLate), implemented natively and registered by qualified mixin id.
// Thread-safety: the registry is immutable.
#pragma once

#include "parse_context.hpp"

#include <map>
#include <string>
#include <string_view>

namespace meles::rd::parse {

struct NativeMixin {
	std::string_view ref; // qualified mixin id, e.g. "//products#table"
	// Runs once the mixin's events and lateEvents are in the table.
	void (*on_table)(ParseContext& ctx, TableDef& table, const MixinUse& use);
	// Runs where DaCHS runs the mixin's processEarly: right after its events were replayed,
	// before the table's own later children (which may then refine what it made); may be null.
	// `pars` are the mixin's parameters with their defaults filled in.
	void (*on_early)(ParseContext& ctx, TableDef& table, const MixinUse& use,
	                 const std::map<std::string, std::string>& pars) = nullptr;
};

const NativeMixin* find_native_mixin(std::string_view qualified_ref);

// After the whole RD is built: rowmaker additions for makes filling product tables
// (maps of accref, owner, embargo, mime, accsize from the //products#define row filter), and
// for data elements running that row filter a make filling dc.products (//products#products)
// from the same keys.
void apply_native_fixups(ParseContext& ctx);

} // namespace meles::rd::parse
