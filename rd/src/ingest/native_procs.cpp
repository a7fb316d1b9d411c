#include "meles/rd/ingest/native_procs.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <array>
#include <map>
#include <memory>

namespace meles::rd::ingest {

namespace {

// The value of parameter `key`: its bind, else the procDef's default.
Expr argument(const ApplyDef& a, const ProcDef& d, std::string_view key) {
	for (auto& b : a.binds)
		if (b.key == key) return b.expr;
	if (const ProcPar* p = d.find_par(key); p && p->default_value) return *p->default_value;
	throw Error(ErrorKind::Validation,
	            concat(a.element, " of ", a.proc_ref, " needs a bind for parameter '", key, "'"), a.pos);
}

// //products#define: the product fields of each record, for the //products#table columns of
// the described table and for the dc.products row (see system_rds/products.rd).
std::vector<NativeAssignment> products_define(const ApplyDef& a, const ProcDef& d) {
	static constexpr std::pair<std::string_view, std::string_view> kFields[] = {
	    {"accref", "prodtblAccref"},     {"path", "prodtblPath"},
	    {"fsize", "prodtblFsize"},       {"mime", "prodtblMime"},
	    {"owner", "prodtblOwner"},       {"embargo", "prodtblEmbargo"},
	    {"preview", "prodtblPreview"},   {"preview_mime", "prodtblPreviewMime"},
	    {"datalink", "prodtblDatalink"}, {"table", "prodtblTable"},
	};
	std::vector<NativeAssignment> out;
	for (auto [par, field] : kFields)
		out.push_back({NativeAssignment::Target::Field, std::string(field), argument(a, d, par)});
	return out;
}

// What melesImageGeometry answers for the columns of //siap#pgs and //siap2#pgs.
constexpr std::string_view kSiapGeometry[] = {
    "centerAlpha",  "centerDelta",   "nAxes",        "pixelSize",   "pixelScale", "wcs_projection",
    "wcs_refPixel", "wcs_refValues", "wcs_cdmatrix", "wcs_equinox", "coverage",
};
constexpr std::string_view kSiap2Geometry[] = {
    "s_ra", "s_dec", "s_fov", "s_region", "s_xel1", "s_xel2", "s_pixel_scale",
};

// //siap#computePGS, //siap2#computePGS: the image's geometry from its WCS (header_ of
// fitsProdGrammar) once per record, then one column per value of it.
std::vector<NativeAssignment> compute_pgs(const ApplyDef& a, const ProcDef& d,
                                          std::span<const std::string_view> columns) {
	static constexpr std::string_view kVar = "melesGeometry_";
	std::vector<NativeAssignment> out;
	Expr missing = argument(a, d, "missingIsError");
	out.push_back(
	    {NativeAssignment::Target::Field, std::string(kVar),
	     Expr{concat("melesImageGeometry(vars.get(\"header_\"), \\inputRelativePath, ", missing.text, ")"),
	          missing.pos}});
	for (auto col : columns)
		out.push_back(
		    {NativeAssignment::Target::Column, std::string(col),
		     Expr{concat("@", kVar, "[\"", col, "\"] if @", kVar, " is not None else None"), a.pos}});
	return out;
}
std::vector<NativeAssignment> siap_compute_pgs(const ApplyDef& a, const ProcDef& d) {
	return compute_pgs(a, d, kSiapGeometry);
}
std::vector<NativeAssignment> siap2_compute_pgs(const ApplyDef& a, const ProcDef& d) {
	return compute_pgs(a, d, kSiap2Geometry);
}

// An expression in parentheses, so it composes.
std::string paren(const Expr& e) {
	return concat("(", e.text, ")");
}

// //siap#setMeta: each parameter is a column of //siap#pgs (dateObs as MJD).
std::vector<NativeAssignment> siap_set_meta(const ApplyDef& a, const ProcDef& d) {
	static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
	    {"title", "imageTitle"},
	    {"instrument", "instId"},
	    {"bandpassId", "bandpassId"},
	    {"bandpassUnit", "bandpassUnit"},
	    {"bandpassRefval", "bandpassRefval"},
	    {"bandpassHi", "bandpassHi"},
	    {"bandpassLo", "bandpassLo"},
	    {"refFrame", "refFrame"},
	    {"pixflags", "pixflags"},
	};
	std::vector<NativeAssignment> out;
	for (auto [par, col] : kColumns)
		out.push_back({NativeAssignment::Target::Column, std::string(col), argument(a, d, par)});
	Expr date = argument(a, d, "dateObs");
	out.push_back(
	    {NativeAssignment::Target::Column, "dateObs", Expr{concat("toMJD", paren(date)), date.pos}});
	return out;
}

// //siap2#setMeta: parameters named as the ObsCore columns of //siap2#pgs they fill; dateObs
// (the start of the exposure) and t_exptime give t_min and t_max in MJD.
std::vector<NativeAssignment> siap2_set_meta(const ApplyDef& a, const ProcDef& d) {
	std::vector<NativeAssignment> out;
	for (auto& p : d.pars) {
		if (p.key == "dateObs" || p.key == "missingIsError") continue;
		out.push_back({NativeAssignment::Target::Column, p.key, argument(a, d, p.key)});
	}
	Expr date = argument(a, d, "dateObs"), exptime = argument(a, d, "t_exptime");
	out.push_back(
	    {NativeAssignment::Target::Field, "melesTmin_", Expr{concat("toMJD", paren(date)), date.pos}});
	out.push_back({NativeAssignment::Target::Field, "melesExptime_", exptime});
	out.push_back({NativeAssignment::Target::Column, "t_min", Expr{"@melesTmin_", date.pos}});
	out.push_back({NativeAssignment::Target::Column, "t_max",
	               Expr{"None if @melesTmin_ is None else @melesTmin_ + float(@melesExptime_ or 0) / 86400.0",
	                    date.pos}});
	return out;
}

const std::array<NativeProc, 5> kNative{{
    {"//products#define", "rowfilter",
     "the product fields (prodtbl*) of each source: accref, path, size, type, owner, "
     "embargo, preview, datalink, the table describing it",
     products_define},
    {"//siap#computePGS", "apply",
     "footprint (coverage), centre, pixel scales and WCS values of an image from its FITS header (WCSLIB)",
     siap_compute_pgs},
    {"//siap2#computePGS", "apply",
     "s_region, s_ra, s_dec, s_fov, s_xel1/2, s_pixel_scale of an image from its FITS header (WCSLIB)",
     siap2_compute_pgs},
    {"//siap#setMeta", "apply", "title, instrument, date (MJD), bandpass and flags of a //siap#pgs row",
     siap_set_meta},
    {"//siap2#setMeta", "apply",
     "the ObsCore metadata of a //siap2#pgs row; t_min/t_max (MJD) from dateObs and t_exptime",
     siap2_set_meta},
}};

} // namespace

std::span<const NativeProc> native_procs() {
	return kNative;
}

const NativeProc* find_native_proc(std::string_view ref) {
	for (auto& p : kNative)
		if (p.ref == ref) return &p;
	return nullptr;
}

ProcResolver store_proc_resolver(RdStore& store, const Resource& rd) {
	// The RDs looked at stay alive with the resolver: the store may drop them on a reload.
	auto kept = std::make_shared<std::map<std::string, std::shared_ptr<const Resource>>>();
	return [&store, &rd, kept](std::string_view ref) -> const ProcDef* {
		auto hash = ref.find('#');
		if (hash == std::string_view::npos) return rd.find_procdef(ref); // an id in `rd`
		std::string rd_id(ref.substr(0, hash)), id(ref.substr(hash + 1));
		if (rd_id == rd.rd_id) return rd.find_procdef(id);
		auto& held = (*kept)[rd_id];
		try {
			if (!held) held = store.get(rd_id);
		} catch (const Error&) {
			return nullptr;
		}
		return held->find_procdef(id);
	};
}

ProcRunner runner_of(const ApplyDef& a, const ProcDef* d) {
	if (!a.proc_ref.empty() && find_native_proc(a.proc_ref)) return ProcRunner::Native;
	if (a.has_python() || (d && d->has_python())) return ProcRunner::Python;
	// Without code, a procDef without parameters does nothing (as in DaCHS).
	if (a.proc_ref.empty() || (d && d->pars.empty() && a.binds.empty())) return ProcRunner::Nothing;
	return ProcRunner::Missing;
}

} // namespace meles::rd::ingest
