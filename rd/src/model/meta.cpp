#include "meles/rd/model/meta.hpp"

#include "meles/core/common/strings.hpp"

#include <cctype>

namespace meles::rd {

namespace {

bool atom_char(char c) {
	return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

std::vector<std::string> atoms_of(std::string_view key) {
	if (!MetaBag::valid_key(key))
		throw Error(ErrorKind::Syntax,
		            concat("invalid meta key '", key,
		                   "' (expected names of letters, digits, '_' or '-' joined by dots)"));
	return split(key, '.');
}

void collect(const MetaBag& bag, const std::vector<std::string>& atoms, size_t i,
             std::vector<const MetaValue*>& out) {
	for (auto& [name, values] : bag.entries()) {
		if (name != atoms[i]) continue;
		for (auto& v : values) {
			if (i + 1 == atoms.size())
				out.push_back(&v);
			else
				collect(v.children, atoms, i + 1, out);
		}
	}
}

} // namespace

bool MetaBag::valid_key(std::string_view key) {
	if (key.empty()) return false;
	bool atom_start = true;
	for (char c : key) {
		if (c == '.') {
			if (atom_start) return false;
			atom_start = true;
		} else if (atom_char(c)) {
			atom_start = false;
		} else {
			return false;
		}
	}
	return !atom_start;
}

std::vector<MetaValue>* MetaBag::find_entry(std::string_view atom) {
	for (auto& e : entries_)
		if (e.first == atom) return &e.second;
	return nullptr;
}

const std::vector<MetaValue>* MetaBag::find_entry(std::string_view atom) const {
	for (auto& e : entries_)
		if (e.first == atom) return &e.second;
	return nullptr;
}

void MetaBag::add(std::string_view key, MetaValue value) {
	bool replace = false;
	if (!key.empty() && key.front() == '!') {
		replace = true;
		key.remove_prefix(1);
	}
	auto atoms = atoms_of(key);
	MetaBag* bag = this;
	for (size_t i = 0; i < atoms.size(); ++i) {
		auto* entry = bag->find_entry(atoms[i]);
		if (!entry) {
			bag->entries_.emplace_back(atoms[i], std::vector<MetaValue>{});
			entry = &bag->entries_.back().second;
		}
		if (i + 1 == atoms.size()) {
			if (replace) entry->clear();
			entry->push_back(std::move(value));
			return;
		}
		// Intermediate atom: descend into the current (last) value, creating an empty one.
		if (entry->empty()) {
			MetaValue holder;
			holder.pos = value.pos;
			entry->push_back(std::move(holder));
		}
		bag = &entry->back().children;
	}
}

void MetaBag::set(std::string_view key, MetaValue value) {
	if (!key.empty() && key.front() == '!') key.remove_prefix(1);
	add(concat("!", key), std::move(value));
}

void MetaBag::remove(std::string_view key) {
	auto atoms = atoms_of(key);
	MetaBag* bag = this;
	for (size_t i = 0; i + 1 < atoms.size(); ++i) {
		auto* entry = bag->find_entry(atoms[i]);
		if (!entry || entry->empty()) return;
		bag = &entry->back().children;
	}
	std::erase_if(bag->entries_, [&](const Entry& e) { return e.first == atoms.back(); });
}

std::vector<const MetaValue*> MetaBag::all(std::string_view key) const {
	std::vector<const MetaValue*> out;
	if (!valid_key(key)) return out;
	collect(*this, split(key, '.'), 0, out);
	return out;
}

const MetaValue* MetaBag::first(std::string_view key) const {
	auto v = all(key);
	return v.empty() ? nullptr : v.front();
}

std::optional<std::string> MetaBag::text(std::string_view key) const {
	if (auto* v = first(key)) return v->content;
	return std::nullopt;
}

void parse_meta_stream(std::string_view text, const SourcePos& pos, MetaBag& bag,
                       const std::function<std::string(std::string_view, const SourcePos&)>& transform) {
	// Join continuation lines first ("\" + newline + leading blanks disappear), keeping
	// track of the physical line each logical line started on.
	std::string logical;
	int line = pos.line > 0 ? pos.line : 1;
	int logical_start = line;
	auto flush = [&](std::string_view l, int at) {
		auto t = trim(l);
		if (t.empty() || t.front() == '#') return;
		auto colon = t.find(':');
		SourcePos lp{pos.source, pos.line > 0 ? at : 0, 0};
		if (colon == std::string_view::npos)
			throw Error(ErrorKind::Syntax,
			            concat("'", t, "' is not a meta stream line (expected 'key: value')"), lp);
		std::string key(trim(t.substr(0, colon)));
		MetaValue v;
		v.content = std::string(trim(t.substr(colon + 1)));
		v.pos = lp;
		if (transform) v.content = transform(v.content, lp);
		try {
			bag.add(key, std::move(v));
		} catch (const Error& e) {
			throw Error(e.kind(), e.message(), lp);
		}
	};
	for (size_t i = 0; i < text.size(); ++i) {
		char c = text[i];
		if (c == '\\' && (i + 1 < text.size()) &&
		    (text[i + 1] == '\n' || (text[i + 1] == '\r' && i + 2 < text.size() && text[i + 2] == '\n'))) {
			i += text[i + 1] == '\r' ? 2 : 1;
			++line;
			while (i + 1 < text.size() && (text[i + 1] == ' ' || text[i + 1] == '\t'))
				++i;
			continue;
		}
		if (c == '\n') {
			flush(logical, logical_start);
			logical.clear();
			++line;
			logical_start = line;
			continue;
		}
		logical += c;
	}
	flush(logical, logical_start);
}

const MetaValue* MetaChain::first(std::string_view key) const {
	for (auto* b : bags)
		if (b)
			if (auto* v = b->first(key)) return v;
	return nullptr;
}

std::vector<const MetaValue*> MetaChain::all(std::string_view key) const {
	for (auto* b : bags) {
		if (!b) continue;
		auto v = b->all(key);
		if (!v.empty()) return v;
	}
	return {};
}

std::optional<std::string> MetaChain::text(std::string_view key) const {
	if (auto* v = first(key)) return v->content;
	return std::nullopt;
}

} // namespace meles::rd
