#include "native_mixins.hpp"

#include "did_you_mean.hpp"

#include "meles/core/common/strings.hpp"

#include <array>
#include <optional>

namespace meles::rd::parse {

namespace {

void products_on_table(ParseContext&, TableDef& table, const MixinUse&) {
	table.behaviours.insert("products");
}

// EPN-TAP 2.0 (//epntap2#table-2_0): what the coordinate columns c1..c3 (and their
// resolutions) mean depends on the table's spatial_frame_type, as the Recommendation's
// table of frames says; the system RD leaves __framed_*__ placeholders for it.
struct Frame {
	std::string_view name;
	std::array<std::string_view, 3> units, ucds, descriptions;
};
constexpr std::array<Frame, 6> kFrames{{
    {"celestial",
     {"deg", "deg", "AU"},
     {"pos.eq.ra", "pos.eq.dec", "pos.distance"},
     {"Right ascension (ICRS)", "Declination (ICRS)", "Distance from the coordinate origin"}},
    {"body",
     {"deg", "deg", "km"},
     {"pos.bodyrc.lon", "pos.bodyrc.lat", "pos.bodyrc.alt"},
     {"Longitude on the body", "Latitude on the body", "Altitude above the reference surface"}},
    {"cartesian",
     {"km", "km", "km"},
     {"pos.cartesian.x", "pos.cartesian.y", "pos.cartesian.z"},
     {"Cartesian x coordinate", "Cartesian y coordinate", "Cartesian z coordinate"}},
    {"spherical",
     {"m", "deg", "deg"},
     {"pos.distance", "pos.az.zd", "pos.az.azi"},
     {"Radial distance (spherical coordinates)", "Polar angle or colatitude (spherical coordinates)",
      "Azimuth (spherical coordinates)"}},
    {"cylindrical",
     {"km", "deg", "km"},
     {"pos.distance", "pos.az.azi", "pos.distance"},
     {"Radial distance (cylindrical coordinates)", "Azimuth (cylindrical coordinates)",
      "Height (cylindrical coordinates)"}},
    {"none", {"", "", ""}, {"", "", ""}, {"", "", ""}},
}};

// Angles are resolved as angles, lengths as lengths.
std::string_view resolution_ucd(std::string_view ucd) {
	if (ucd == "pos.distance" || ucd == "pos.bodyrc.alt" || ucd.starts_with("pos.cartesian"))
		return "pos.resolution";
	return "pos.angResolution";
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
	for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
		s.replace(at, from.size(), to);
	return s;
}

void epntap2_early(ParseContext& ctx, TableDef& table, const MixinUse& use,
                   const std::map<std::string, std::string>& pars) {
	auto get = [&](const char* k) {
		auto it = pars.find(k);
		return it == pars.end() ? std::string() : std::string(trim(it->second));
	};
	std::string frame_name = get("spatial_frame_type");
	const Frame* frame = nullptr;
	for (auto& f : kFrames)
		if (f.name == frame_name) frame = &f;
	if (!frame) {
		std::vector<std::string> names;
		for (auto& f : kFrames)
			names.emplace_back(f.name);
		ctx.error(use.pos,
		          concat("//epntap2#table-2_0: unknown spatial_frame_type '", frame_name,
		                 "' (EPN-TAP 2.0 knows ", join(names, ", "), ")", did_you_mean(frame_name, names)));
		frame = &kFrames.back();
	}
	for (auto& c : table.columns) {
		auto& m = c.meta;
		for (int i = 0; i < 3; ++i) {
			std::string n = std::to_string(i + 1);
			std::string_view ucd = frame->ucds[static_cast<size_t>(i)];
			if (m.ucd.find("__framed_ucd_" + n + "__") != std::string::npos ||
			    m.ucd.find("__resolution_ucd_" + n + "__") != std::string::npos) {
				m.ucd = ucd.empty() ? std::string()
				                    : replace_all(replace_all(m.ucd, "__framed_ucd_" + n + "__", ucd),
				                                  "__resolution_ucd_" + n + "__", resolution_ucd(ucd));
			}
			if (m.unit == "__framed_unit_" + n + "__")
				m.unit = std::string(frame->units[static_cast<size_t>(i)]);
			if (m.description.find("__framed_desc_" + n + "__") != std::string::npos)
				m.description = frame->descriptions[static_cast<size_t>(i)].empty()
				                    ? std::string("(this data collection gives no coordinates)")
				                    : replace_all(m.description, "__framed_desc_" + n + "__",
				                                  frame->descriptions[static_cast<size_t>(i)]);
		}
	}
	table.properties.push_back(Property{"spatial_frame_type", std::string(frame->name), use.pos});
	// EPN-TAP tables are published through TAP.
	table.on_disk = true;
	if (table.adql == AdqlAccess::No) table.adql = AdqlAccess::Yes;
	// Optional columns, copied from //epntap2#optional_columns.
	std::string optional = get("optional_columns");
	if (optional.empty()) return;
	const Resource* sys = ctx.rd_for(ctx.split_ref("//epntap2#optional_columns"), use.pos);
	const TableDef* source = sys ? sys->find_table("optional_columns") : nullptr;
	if (!source) return;
	std::vector<std::string> known;
	for (auto& c : source->columns)
		known.push_back(c.meta.name);
	for (auto& name : split(normalize_space(optional), ' ')) {
		if (name.empty()) continue;
		const Column* c = source->find_column(name);
		if (!c) {
			ctx.error(use.pos, concat("//epntap2#table-2_0: '", name, "' is no optional EPN-TAP 2.0 column",
			                          did_you_mean(name, known)));
			continue;
		}
		if (!table.find_column(name)) table.columns.push_back(*c);
	}
}

void no_table_hook(ParseContext&, TableDef&, const MixinUse&) {}

constexpr std::array<NativeMixin, 2> kNative = {{
    {"//products#table", products_on_table, nullptr},
    {"//epntap2#table-2_0", no_table_hook, epntap2_early},
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
