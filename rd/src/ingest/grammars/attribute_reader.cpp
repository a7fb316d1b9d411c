#include "ingest/grammars/attribute_reader.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"

#include <algorithm>
#include <charconv>

namespace meles::rd::ingest::detail {

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
	return suggest(word, candidates, std::max<size_t>(2, word.size() / 3));
}

AttributeReader::AttributeReader(const GrammarElement& el, std::initializer_list<std::string_view> attributes,
                                 std::vector<std::string_view> children)
    : el_(el) {
	read(std::vector<std::string_view>(attributes), children);
}

AttributeReader::AttributeReader(const GrammarElement& el, const GrammarRecord& record) : el_(el) {
	std::vector<std::string_view> attributes, children;
	for (auto& o : record.options)
		attributes.push_back(o.name);
	for (auto c : record.children)
		children.push_back(c);
	for (auto c : common_grammar_children())
		children.push_back(c);
	read(attributes, children);
}

void AttributeReader::read(const std::vector<std::string_view>& attributes,
                           const std::vector<std::string_view>& children) {
	const GrammarElement& el = el_;
	std::vector<std::string_view> known(attributes);
	known.push_back("id");
	known.push_back("original");
	auto is_known = [&](std::string_view n) {
		return std::find(known.begin(), known.end(), n) != known.end();
	};
	for (auto& a : el.attributes) {
		if (!is_known(a.name)) {
			std::string msg = concat("unknown attribute '", a.name, "' on ", el.name);
			std::string guess = did_you_mean(a.name, known);
			if (!guess.empty()) msg += concat("; did you mean '", guess, "'?");
			throw Error(ErrorKind::Name, msg, a.pos.line ? a.pos : el.pos);
		}
		values_.push_back(a);
	}
	for (auto& c : el.children) {
		if (std::find(children.begin(), children.end(), c.name) != children.end()) continue;
		if (is_known(c.name) && c.attributes.empty() && c.children.empty()) {
			for (auto& v : values_)
				if (v.name == c.name)
					throw Error(
					    ErrorKind::Validation,
					    concat(c.name, " is given both as an attribute and as an element on ", el.name),
					    c.pos);
			values_.push_back({c.name, std::string(trim(c.text)), c.pos});
			continue;
		}
		std::vector<std::string_view> all = known;
		all.insert(all.end(), children.begin(), children.end());
		std::string msg = concat("unknown element '", c.name, "' in ", el.name);
		std::string guess = did_you_mean(c.name, all);
		if (!guess.empty()) msg += concat("; did you mean '", guess, "'?");
		throw Error(ErrorKind::Name, msg, c.pos);
	}
}

std::optional<std::string> AttributeReader::string(std::string_view name) const {
	for (auto& v : values_)
		if (v.name == name) return v.value;
	return std::nullopt;
}

SourcePos AttributeReader::pos(std::string_view name) const {
	for (auto& v : values_)
		if (v.name == name && (v.pos.line || !v.pos.source.empty())) return v.pos;
	return el_.pos;
}

void AttributeReader::fail(std::string_view name, std::string message) const {
	throw Error(ErrorKind::Validation, concat(el_.name, " ", name, ": ", message), pos(name));
}

bool AttributeReader::boolean(std::string_view name, bool fallback) const {
	auto v = string(name);
	if (!v) return fallback;
	std::string s = to_lower(trim(*v));
	if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
	if (s == "false" || s == "no" || s == "off" || s == "0") return false;
	fail(name, concat("'", *v, "' is not a boolean (use True or False)"));
}

int64_t AttributeReader::integer(std::string_view name, int64_t fallback, int64_t min, int64_t max) const {
	auto v = string(name);
	if (!v) return fallback;
	std::string_view s = trim(*v);
	int64_t out = 0;
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
	if (ec != std::errc() || p != s.data() + s.size() || s.empty())
		fail(name, concat("'", *v, "' is not an integer"));
	if (out < min || out > max)
		fail(name, concat(std::to_string(out), " is out of range (", std::to_string(min), "..",
		                  std::to_string(max), ")"));
	return out;
}

std::optional<std::vector<std::string>> AttributeReader::list(std::string_view name) const {
	auto v = string(name);
	if (!v) return std::nullopt;
	return split_list(*v, ',');
}

std::vector<const GrammarElement*> AttributeReader::children(std::string_view name) const {
	std::vector<const GrammarElement*> out;
	for (auto& c : el_.children)
		if (c.name == name) out.push_back(&c);
	return out;
}

} // namespace meles::rd::ingest::detail
