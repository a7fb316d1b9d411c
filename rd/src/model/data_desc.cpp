#include "meles/rd/model/data_desc.hpp"

namespace meles::rd {

std::vector<const RawElement*> GrammarDef::children(std::string_view name) const {
	std::vector<const RawElement*> out;
	for (auto& c : element.children)
		if (c.name == name) out.push_back(&c);
	return out;
}

} // namespace meles::rd
