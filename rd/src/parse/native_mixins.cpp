#include "native_mixins.hpp"

#include <array>

namespace meles::rd::parse {

namespace {

void products_on_table(ParseContext&, TableDef& table, const MixinUse&) {
	table.behaviours.insert("products");
}

constexpr std::array<NativeMixin, 1> kNative = {{
    {"//products#table", products_on_table},
}};

// Columns the products mixin adds and the raw keys //products#define fills for them.
constexpr std::pair<std::string_view, std::string_view> kProductMaps[] = {
    {"accref", "prodtblAccref"}, {"owner", "prodtblOwner"},   {"embargo", "prodtblEmbargo"},
    {"mime", "prodtblMime"},     {"accsize", "prodtblFsize"},
};

} // namespace

const NativeMixin* find_native_mixin(std::string_view qualified_ref) {
	for (auto& m : kNative)
		if (m.ref == qualified_ref) return &m;
	return nullptr;
}

void apply_native_fixups(ParseContext& ctx) {
	for (auto& dd : ctx.rd.data) {
		for (auto& mk : dd.makes) {
			if (mk.table.empty()) continue;
			auto ref = ctx.split_ref(mk.table.rd_id + "#" + mk.table.table_id);
			const Resource* where = ref.local ? &ctx.rd : ctx.rd_for(ref, mk.pos);
			const TableDef* td = where ? where->find_table(mk.table.table_id) : nullptr;
			if (!td || !td->behaviours.count("products")) continue;
			for (auto& [col, key] : kProductMaps) {
				bool mapped = false;
				for (auto& m : mk.rowmaker.maps)
					mapped = mapped || m.key == col;
				if (mapped) continue;
				MapDef m;
				m.key = std::string(col);
				m.expr = Expr{concat("@", key), mk.pos};
				m.pos = mk.pos;
				mk.rowmaker.maps.push_back(std::move(m));
			}
		}
	}
}

} // namespace meles::rd::parse
