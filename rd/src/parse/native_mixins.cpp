#include "native_mixins.hpp"

#include <array>
#include <optional>

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

// Columns of dc.products and the keys //products#define fills for them.
constexpr std::pair<std::string_view, std::string_view> kRegistryMaps[] = {
    {"accref", "prodtblAccref"},     {"owner", "prodtblOwner"},
    {"embargo", "prodtblEmbargo"},   {"mime", "prodtblMime"},
    {"accessPath", "prodtblPath"},   {"sourceTable", "prodtblTable"},
    {"preview", "prodtblPreview"},   {"preview_mime", "prodtblPreviewMime"},
    {"datalink", "prodtblDatalink"},
};

} // namespace

const NativeMixin* find_native_mixin(std::string_view qualified_ref) {
	for (auto& m : kNative)
		if (m.ref == qualified_ref) return &m;
	return nullptr;
}

void apply_native_fixups(ParseContext& ctx) {
	for (auto& dd : ctx.rd.data) {
		bool defines_products = false;
		if (dd.grammar)
			for (auto& rf : dd.grammar->rowfilters)
				defines_products = defines_products || rf.proc_ref == "//products#define";
		bool registers = false;
		std::optional<SourcePos> product_make;
		for (auto& mk : dd.makes) {
			if (mk.table.empty()) continue;
			if (mk.table.rd_id == "//products" && mk.table.table_id == "products") registers = true;
			auto ref = ctx.split_ref(mk.table.rd_id + "#" + mk.table.table_id);
			const Resource* where = ref.local ? &ctx.rd : ctx.rd_for(ref, mk.pos);
			const TableDef* td = where ? where->find_table(mk.table.table_id) : nullptr;
			if (!td || !td->behaviours.count("products")) continue;
			if (!product_make) product_make = mk.pos;
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
		// As DaCHS's mixin does: the data element also fills dc.products, from the same keys.
		if (defines_products && product_make && !registers) {
			MakeDef pm;
			pm.table_ref = "//products#products";
			pm.table = TableRef{"//products", "products"};
			pm.pos = *product_make;
			pm.rowmaker.pos = *product_make;
			for (auto& [col, key] : kRegistryMaps) {
				MapDef m;
				m.key = std::string(col);
				m.expr = Expr{concat("@", key), *product_make};
				m.pos = *product_make;
				pm.rowmaker.maps.push_back(std::move(m));
			}
			dd.makes.push_back(std::move(pm));
		}
	}
}

} // namespace meles::rd::parse
