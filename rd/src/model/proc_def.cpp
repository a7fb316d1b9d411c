#include "meles/rd/model/proc_def.hpp"

namespace meles::rd {

const ProcPar* ProcDef::find_par(std::string_view key) const {
	for (auto& p : pars)
		if (p.key == key) return &p;
	return nullptr;
}

} // namespace meles::rd
