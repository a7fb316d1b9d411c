#include "meles/rd/model/resource.hpp"

namespace meles::rd {

namespace {

template <typename T> const T* find_by_id(const std::vector<T>& items, std::string_view id) {
	for (auto& i : items)
		if (i.id == id) return &i;
	return nullptr;
}

} // namespace

const TableDef* Resource::find_table(std::string_view id) const {
	return find_by_id(tables, id);
}
const DataDesc* Resource::find_data(std::string_view id) const {
	return find_by_id(data, id);
}
const ServiceDef* Resource::find_service(std::string_view id) const {
	return find_by_id(services, id);
}
const ProcDef* Resource::find_procdef(std::string_view id) const {
	return find_by_id(procdefs, id);
}
const MixinDef* Resource::find_mixin(std::string_view id) const {
	return find_by_id(mixins, id);
}
const StreamDef* Resource::find_stream(std::string_view id) const {
	return find_by_id(streams, id);
}
const CondDesc* Resource::find_cond_desc(std::string_view id) const {
	return find_by_id(cond_descs, id);
}
const ExecuteDef* Resource::find_execute(std::string_view id) const {
	return find_by_id(executes, id);
}

MetaChain Resource::meta_chain(const MetaBag* element_meta) const {
	MetaChain chain;
	if (element_meta && element_meta != &meta) chain.bags.push_back(element_meta);
	chain.bags.push_back(&meta);
	if (site_meta) chain.bags.push_back(site_meta.get());
	return chain;
}

std::string Resource::meta_text(std::string_view key, const MetaBag* element_meta) const {
	return meta_chain(element_meta).text(key).value_or("");
}

} // namespace meles::rd
