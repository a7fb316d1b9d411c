#include "meles/rd/ingest/grammar.hpp"

namespace meles::rd::ingest {

const GrammarElement::Attribute* GrammarElement::attribute(std::string_view n) const {
	for (auto& a : attributes)
		if (a.name == n) return &a;
	return nullptr;
}

} // namespace meles::rd::ingest
