#include "meles/core/config/config.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/suggest.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace meles {

namespace {

std::string map_key(std::string_view section, std::string_view key) {
	return to_lower(section) + "." + to_lower(key);
}

const ConfigKey* find_key(std::string_view section, std::string_view key) {
	for (auto& k : config_keys())
		if (iequals(k.section, section) && iequals(k.key, key)) return &k;
	return nullptr;
}

std::string suggestion(std::string_view section, std::string_view key) {
	Suggester s(key, 3);
	for (auto& k : config_keys())
		if (iequals(k.section, section)) s.offer(k.key);
	return s.suffix();
}

bool known_section(std::string_view section) {
	for (auto& k : config_keys())
		if (iequals(k.section, section)) return true;
	return false;
}

int64_t parse_int_strict(std::string_view t) {
	int64_t v = 0;
	auto s = trim(t);
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
	if (ec != std::errc() || p != s.data() + s.size())
		throw Error(ErrorKind::Validation, concat("'", t, "' is not an integer"));
	return v;
}

// Checks a raw value against its key's type; returns an error text or "".
void validate(const ConfigKey& k, const std::string& value) {
	auto check_range = [&](int64_t v) {
		if (v < k.min || v > k.max)
			throw Error(ErrorKind::Validation,
			            concat("value ", std::to_string(v), " out of range [", std::to_string(k.min), ", ",
			                   k.max == INT64_MAX ? "∞" : std::to_string(k.max), "]"));
	};
	switch (k.type) {
	case ConfigType::Integer:
		check_range(parse_int_strict(value));
		break;
	case ConfigType::Size:
		check_range(parse_size(value));
		break;
	case ConfigType::Duration:
		check_range(parse_duration(value));
		break;
	case ConfigType::Real: {
		char* end = nullptr;
		std::string s(trim(value));
		std::strtod(s.c_str(), &end);
		if (s.empty() || *end) throw Error(ErrorKind::Validation, concat("'", value, "' is not a number"));
		break;
	}
	case ConfigType::Boolean: {
		auto v = to_lower(trim(value));
		if (v != "true" && v != "false" && v != "yes" && v != "no" && v != "1" && v != "0" && v != "on" &&
		    v != "off")
			throw Error(ErrorKind::Validation, concat("'", value, "' is not a boolean (use true or false)"));
		break;
	}
	case ConfigType::Enum: {
		auto choices = split_list(k.choices);
		if (std::find(choices.begin(), choices.end(), to_lower(trim(value))) == choices.end())
			throw Error(ErrorKind::Validation,
			            concat("'", value, "' is not one of ", std::string(k.choices)));
		break;
	}
	case ConfigType::Url: {
		if (!value.empty() && !starts_with_ci(value, "http://") && !starts_with_ci(value, "https://") &&
		    value.find('{') == std::string::npos)
			throw Error(ErrorKind::Validation, concat("'", value, "' is not an http(s) URL"));
		break;
	}
	case ConfigType::String:
	case ConfigType::Path:
		break;
	}
}

} // namespace

int64_t parse_size(std::string_view text) {
	auto t = trim(text);
	size_t i = 0;
	while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.'))
		++i;
	if (i == 0) throw Error(ErrorKind::Validation, concat("'", text, "' is not a size (e.g. 512K, 20M, 2G)"));
	double v = std::strtod(std::string(t.substr(0, i)).c_str(), nullptr);
	auto unit = to_lower(trim(t.substr(i)));
	double mult = 1;
	if (unit.empty() || unit == "b")
		mult = 1;
	else if (unit == "k" || unit == "kb" || unit == "kib")
		mult = 1024.0;
	else if (unit == "m" || unit == "mb" || unit == "mib")
		mult = 1024.0 * 1024;
	else if (unit == "g" || unit == "gb" || unit == "gib")
		mult = 1024.0 * 1024 * 1024;
	else if (unit == "t" || unit == "tb" || unit == "tib")
		mult = 1024.0 * 1024 * 1024 * 1024;
	else
		throw Error(ErrorKind::Validation,
		            concat("unknown size unit '", unit, "' in '", text, "' (use K, M, G, T)"));
	return static_cast<int64_t>(std::llround(v * mult));
}

int64_t parse_duration(std::string_view text) {
	auto t = trim(text);
	size_t i = 0;
	while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.'))
		++i;
	if (i == 0)
		throw Error(ErrorKind::Validation, concat("'", text, "' is not a duration (e.g. 60, 5m, 2h, 7d)"));
	double v = std::strtod(std::string(t.substr(0, i)).c_str(), nullptr);
	auto unit = to_lower(trim(t.substr(i)));
	double mult = 1;
	if (unit.empty() || unit == "s")
		mult = 1;
	else if (unit == "m" || unit == "min")
		mult = 60;
	else if (unit == "h")
		mult = 3600;
	else if (unit == "d")
		mult = 86400;
	else
		throw Error(ErrorKind::Validation,
		            concat("unknown duration unit '", unit, "' in '", text, "' (use s, m, h, d)"));
	return static_cast<int64_t>(std::llround(v * mult));
}

Config Config::defaults(const fs::path& state_dir) {
	Config c;
	c.state_dir_ = fs::absolute(state_dir).lexically_normal();
	c.file_ = c.state_dir_ / "meles.conf";
	return c;
}

fs::path Config::default_path(const std::string& explicit_path) {
	if (!explicit_path.empty()) return fs::absolute(explicit_path);
	if (const char* st = std::getenv("MELES_STATE"); st && *st)
		return fs::absolute(fs::path(st) / "meles.conf");
	if (geteuid() == 0) return "/var/lib/meles/meles.conf";
	const char* home = std::getenv("HOME");
	return fs::path(home ? home : "/tmp") / ".local/share/meles/meles.conf";
}

Config Config::load_or_defaults(const fs::path& file) {
	if (fs::exists(file)) return load(file);
	Config c = defaults(file.parent_path());
	c.file_ = fs::absolute(file);
	return c;
}

Config Config::load(const fs::path& file) {
	std::ifstream in(file);
	if (!in) throw Error(ErrorKind::Io, concat("cannot read configuration file ", file.string()));
	Config c = defaults(fs::absolute(file).parent_path());
	c.file_ = fs::absolute(file);
	c.file_exists_ = true;
	std::string name = file.string();
	std::string line, section, last_key;
	int lineno = 0;
	while (std::getline(in, line)) {
		++lineno;
		if (!line.empty() && line.back() == '\r') line.pop_back();
		auto t = trim(line);
		if (t.empty() || t[0] == '#' || t[0] == ';') continue;
		SourcePos pos{name, lineno, 0};
		if (std::isspace(static_cast<unsigned char>(line[0])) && !last_key.empty()) {
			// continuation line
			c.values_[last_key] += " " + std::string(t);
			continue;
		}
		if (t[0] == '[') {
			if (t.back() != ']') throw Error(ErrorKind::Syntax, "section header lacks the closing ']'", pos);
			section = std::string(trim(t.substr(1, t.size() - 2)));
			if (!known_section(section)) {
				std::string list;
				for (auto& k : config_keys())
					if (list.find(concat("[", k.section, "]")) == std::string::npos)
						list += (list.empty() ? "" : ", ") + concat("[", k.section, "]");
				throw Error(ErrorKind::Name, concat("unknown section [", section, "] (known: ", list, ")"),
				            pos);
			}
			last_key.clear();
			continue;
		}
		auto eq = t.find_first_of("=:");
		if (eq == std::string_view::npos)
			throw Error(ErrorKind::Syntax, concat("expected 'key = value', found '", t, "'"), pos);
		if (section.empty()) throw Error(ErrorKind::Syntax, "key outside any [section]", pos);
		std::string key(trim(t.substr(0, eq)));
		std::string value(trim(t.substr(eq + 1)));
		const ConfigKey* k = find_key(section, key);
		if (!k)
			throw Error(ErrorKind::Name,
			            concat("unknown key '", key, "' in [", section, "]", suggestion(section, key)), pos);
		try {
			validate(*k, value);
		} catch (const Error& e) {
			throw Error(ErrorKind::Validation, concat("[", k->section, "] ", k->key, ": ", e.message()), pos);
		}
		last_key = map_key(section, key);
		c.values_[last_key] = value;
	}
	return c;
}

void Config::set(std::string_view section, std::string_view key, std::string_view value) {
	const ConfigKey* k = find_key(section, key);
	if (!k) throw Error(ErrorKind::Name, concat("unknown configuration key [", section, "] ", key));
	std::string v(value);
	try {
		validate(*k, v);
	} catch (const Error& e) {
		throw Error(ErrorKind::Validation, concat("[", k->section, "] ", k->key, ": ", e.message()));
	}
	values_[map_key(section, key)] = v;
}

bool Config::is_set(std::string_view section, std::string_view key) const {
	return values_.count(map_key(section, key)) > 0;
}

std::optional<std::string> Config::lookup(std::string_view section, std::string_view key) const {
	if (!find_key(section, key)) return std::nullopt;
	return get(section, key);
}

std::string Config::get(std::string_view section, std::string_view key) const {
	const ConfigKey* k = find_key(section, key);
	if (!k) throw Error(ErrorKind::Name, concat("unknown configuration key [", section, "] ", key));
	auto it = values_.find(map_key(section, key));
	std::string v = it != values_.end() ? it->second : std::string(k->default_value);
	// Placeholders, expanded one level deep (they never refer to each other cyclically).
	auto replace = [&](std::string_view ph, const std::string& with) {
		for (size_t p; (p = v.find(ph)) != std::string::npos;)
			v.replace(p, ph.size(), with);
	};
	if (v.find('{') != std::string::npos) {
		replace("{stateDir}", state_dir_.string());
		if (v.find("{bindAddress}") != std::string::npos) replace("{bindAddress}", get("web", "bindAddress"));
		if (v.find("{serverPort}") != std::string::npos) replace("{serverPort}", get("web", "serverPort"));
	}
	return v;
}

int64_t Config::get_int(std::string_view section, std::string_view key) const {
	const ConfigKey* k = find_key(section, key);
	std::string v = get(section, key);
	if (k && k->type == ConfigType::Size) return parse_size(v);
	if (k && k->type == ConfigType::Duration) return parse_duration(v);
	return parse_int_strict(v);
}

double Config::get_real(std::string_view section, std::string_view key) const {
	return std::strtod(get(section, key).c_str(), nullptr);
}

bool Config::get_bool(std::string_view section, std::string_view key) const {
	auto v = to_lower(trim(get(section, key)));
	return v == "true" || v == "yes" || v == "1" || v == "on";
}

fs::path Config::get_path(std::string_view section, std::string_view key) const {
	fs::path p = get(section, key);
	if (p.empty()) return p;
	if (p.is_relative()) p = state_dir_ / p;
	return p.lexically_normal();
}

std::string Config::server_url() const {
	std::string u = get("web", "serverURL");
	while (!u.empty() && u.back() == '/')
		u.pop_back();
	return u;
}

std::vector<std::pair<std::string, std::string>> Config::effective() const {
	std::vector<std::pair<std::string, std::string>> out;
	for (auto& k : config_keys())
		out.emplace_back(concat("[", k.section, "] ", k.key), get(k.section, k.key));
	return out;
}

std::string Config::documentation() {
	std::ostringstream o;
	o << "# Configuration\n\n"
	     "Meles reads one INI-style file, `meles.conf`. It is looked for at `$MELES_CONFIG` (or the\n"
	     "`--config` option), else `$MELES_STATE/meles.conf`, else `/var/lib/meles/meles.conf` when run as\n"
	     "root and `~/.local/share/meles/meles.conf` otherwise. The directory holding the file is the\n"
	     "*state directory* (`{stateDir}` below): the embedded database, logs, job results and RDs live\n"
	     "there unless configured otherwise.\n\n"
	     "Syntax: `[section]` headers, `key = value` lines, comments starting with `#` or `;`, lines\n"
	     "starting with whitespace continue the previous value. Keys are case-insensitive. Unknown\n"
	     "sections or keys and invalid values are errors naming the file, line and key. Sizes take the\n"
	     "suffixes K, M, G, T; durations are seconds or take s, m, h, d.\n\n"
	     "`meles config` prints every key with its effective value; `meles config SECTION.KEY` one value,\n"
	     "also written as `dachs config` takes it: `meles config web serverPort`, or a bare key\n"
	     "(`meles config inputsDir`: a key of `[general]`, else of the one section that has it).\n"
	     "This page is generated by `meles config --doc` from the table in\n"
	     "`core/src/config/config_keys.cpp`.\n";
	std::string cur;
	auto tname = [](ConfigType t) {
		switch (t) {
		case ConfigType::String:
			return "string";
		case ConfigType::Integer:
			return "integer";
		case ConfigType::Real:
			return "number";
		case ConfigType::Boolean:
			return "boolean";
		case ConfigType::Path:
			return "path";
		case ConfigType::Url:
			return "URL";
		case ConfigType::Enum:
			return "choice";
		case ConfigType::Size:
			return "size";
		case ConfigType::Duration:
			return "duration";
		}
		return "string";
	};
	for (auto& k : config_keys()) {
		if (k.section != cur) {
			cur = k.section;
			o << "\n## [" << cur << "]\n\n| key | type | default | meaning |\n|---|---|---|---|\n";
		}
		std::string type = tname(k.type);
		if (k.type == ConfigType::Enum) type += " (" + std::string(k.choices) + ")";
		o << "| `" << k.key << "` | " << type << " | "
		  << (k.default_value.empty() ? "(empty)" : concat("`", k.default_value, "`")) << " | " << k.doc
		  << " |\n";
	}
	return o.str();
}

} // namespace meles
