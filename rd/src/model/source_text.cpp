#include "meles/rd/model/source_text.hpp"

namespace meles::rd {

const Property* find_property(const std::vector<Property>& props, std::string_view key) {
	// Later properties override earlier ones (e.g. a FEED default followed by a local value).
	for (auto it = props.rbegin(); it != props.rend(); ++it)
		if (it->key == key) return &*it;
	return nullptr;
}

} // namespace meles::rd
