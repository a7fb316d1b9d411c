#include "meles/rd/model/raw_element.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::rd {

const RawAttribute* RawElement::attribute(std::string_view attr_name) const {
	for (auto& a : attributes)
		if (a.name == attr_name) return &a;
	return nullptr;
}

RawAttribute* RawElement::attribute(std::string_view attr_name) {
	for (auto& a : attributes)
		if (a.name == attr_name) return &a;
	return nullptr;
}

std::optional<std::string> RawElement::value(std::string_view attr_name) const {
	if (auto* a = attribute(attr_name)) return a->value;
	if (auto* c = child(attr_name)) return std::string(trim(c->text));
	return std::nullopt;
}

const RawElement* RawElement::child(std::string_view child_name) const {
	for (auto& c : children)
		if (c.name == child_name) return &c;
	return nullptr;
}

void RawElement::set_attribute(std::string_view attr_name, std::string attr_value, SourcePos attr_pos) {
	if (auto* a = attribute(attr_name)) {
		a->value = std::move(attr_value);
		if (attr_pos.line) a->pos = std::move(attr_pos);
		return;
	}
	attributes.push_back({std::string(attr_name), std::move(attr_value), attr_pos.line ? attr_pos : pos});
}

std::string RawElement::describe() const {
	std::string out = "<" + name;
	for (auto& a : attributes) {
		out += " " + a.name + "=\"";
		out += a.value.size() > 40 ? a.value.substr(0, 37) + "..." : a.value;
		out += "\"";
	}
	return out + ">";
}

} // namespace meles::rd
