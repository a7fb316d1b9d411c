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

const std::array<NativeProc, 1> kNative{{
    {"//products#define", "rowfilter",
     "the product fields (prodtbl*) of each source: accref, path, size, type, owner, "
     "embargo, preview, datalink, the table describing it",
     products_define},
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
