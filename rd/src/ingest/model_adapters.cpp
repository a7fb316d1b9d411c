#include "ingest/model_adapters.hpp"

namespace meles::rd::ingest {

GrammarElement to_grammar_element(const RawElement& e) {
	GrammarElement g;
	g.name = e.name;
	g.pos = e.pos;
	g.text = e.text;
	for (auto& a : e.attributes)
		g.attributes.push_back({a.name, a.value, a.pos});
	for (auto& c : e.children)
		g.children.push_back(to_grammar_element(c));
	return g;
}

SourcesSpec to_sources_spec(const SourcesDef& s) {
	if (s.ignore)
		throw Error(ErrorKind::Validation, "ignoreSources is not supported by this version of Meles",
		            s.ignore->pos);
	SourcesSpec spec;
	for (auto& p : s.patterns)
		spec.patterns.push_back({p, s.pos});
	spec.items = s.items;
	spec.recurse = s.recurse;
	spec.pos = s.pos;
	return spec;
}

} // namespace meles::rd::ingest
