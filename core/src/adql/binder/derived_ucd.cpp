#include "adql/binder/derived_ucd.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <optional>

namespace meles::adql {

namespace {

std::vector<std::string> words(std::string_view ucd) {
	std::vector<std::string> out;
	for (auto& w : split(ucd, ';')) {
		std::string t(trim(w));
		if (!t.empty()) out.push_back(std::move(t));
	}
	return out;
}

bool is_word(const std::string& w, std::string_view name) {
	return iequals(w, name);
}

bool starts_with_word(const std::string& w, std::string_view prefix) {
	return w.size() >= prefix.size() && iequals(std::string_view(w).substr(0, prefix.size()), prefix) &&
	       (w.size() == prefix.size() || w[prefix.size()] == '.');
}

std::string without_main(const std::vector<std::string>& ws) {
	std::string out;
	for (const auto& w : ws) {
		if (is_word(w, "meta.main")) continue;
		if (!out.empty()) out += ';';
		out += w;
	}
	return out;
}

} // namespace

std::string same_meaning_ucd(std::string_view ucd, bool quantities_only) {
	auto ws = words(ucd);
	if (ws.empty()) return {};
	if (quantities_only && starts_with_word(ws[0], "meta")) return {};
	return without_main(ws);
}

std::string statistic_ucd(std::string_view ucd, std::string_view stat) {
	auto ws = words(ucd);
	if (ws.empty() || starts_with_word(ws[0], "meta")) return {};
	for (const auto& w : ws)
		if (starts_with_word(w, "stat")) return {};
	std::string out = without_main(ws);
	return out.empty() ? out : concat(out, ";", stat);
}

std::string common_ucd(const std::vector<const ValueInfo*>& values) {
	std::optional<std::string> common;
	for (const ValueInfo* v : values) {
		if (!v->known || v->is_null) continue;
		std::string u = same_meaning_ucd(v->ucd, false);
		if (common && *common != u) return {};
		common = std::move(u);
	}
	return common.value_or(std::string());
}

} // namespace meles::adql
