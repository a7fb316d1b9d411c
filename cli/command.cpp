#include "command.hpp"

#include "meles/core/common/error.hpp"

namespace meles::cli {

ArgParser::ArgParser(std::string_view command, std::set<std::string> flags, std::set<std::string> valued)
    : command_(command), flags_(std::move(flags)), valued_(std::move(valued)) {}

std::optional<std::string> ArgParser::value(const std::string& name) const {
	auto it = values_.find(name);
	if (it == values_.end()) return std::nullopt;
	return it->second;
}

std::string ArgParser::value_or(const std::string& name, const std::string& fallback) const {
	auto v = value(name);
	return v ? *v : fallback;
}

void ArgParser::parse(const std::vector<std::string>& args) {
	auto known = [&]() {
		std::string list;
		for (auto& f : flags_)
			list += (list.empty() ? "" : ", ") + std::string(f.size() == 1 ? "-" : "--") + f;
		for (auto& f : valued_)
			list += (list.empty() ? "" : ", ") + std::string(f.size() == 1 ? "-" : "--") + f;
		return list.empty() ? std::string("none") : list;
	};
	bool only_positionals = false;
	for (size_t i = 0; i < args.size(); ++i) {
		const std::string& a = args[i];
		if (only_positionals || a.size() < 2 || a[0] != '-') {
			positionals_.push_back(a);
			continue;
		}
		if (a == "--") {
			only_positionals = true;
			continue;
		}
		if (a == "--help" || a == "-h") {
			help_ = true;
			continue;
		}
		std::string name, val;
		bool has_val = false;
		if (a.starts_with("--")) {
			name = a.substr(2);
			auto eq = name.find('=');
			if (eq != std::string::npos) {
				val = name.substr(eq + 1);
				name = name.substr(0, eq);
				has_val = true;
			}
		} else {
			name = a.substr(1);
			if (name.size() > 1 && !flags_.count(name) && !valued_.count(name) && !aliases_.count(name)) {
				// -Ifoo style is not supported; treat as unknown below.
			}
		}
		if (auto al = aliases_.find(name); al != aliases_.end()) name = al->second;
		if (flags_.count(name)) {
			if (has_val)
				throw Error(ErrorKind::Validation, concat(command_, ": option ", a, " takes no value"));
			flags_set_.insert(name);
		} else if (valued_.count(name)) {
			if (!has_val) {
				if (i + 1 >= args.size())
					throw Error(ErrorKind::Validation, concat(command_, ": option ", a, " needs a value"));
				val = args[++i];
			}
			values_[name] = val;
		} else {
			throw Error(ErrorKind::Validation,
			            concat(command_, ": unknown option ", a, " (known: ", known(), ")"));
		}
	}
}

} // namespace meles::cli
