#include "active_tags.hpp"

#include "did_you_mean.hpp"
#include "element_parsers.hpp"

#include "meles/core/common/strings.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>

namespace meles::rd::parse {

namespace {

std::string replay_text(ParseContext& ctx, const std::string& text, const MacroScope& scope,
                        const SourcePos& pos) {
	if (!may_contain_macros(text)) return text;
	ExpandOptions opts;
	opts.keep_unknown = true;
	opts.keep_row_macros = true;
	try {
		return expand_macros(text, scope, opts, pos);
	} catch (const Error& e) {
		ctx.diags.add(e, pos);
		return text;
	}
}

RawElement replay_copy(ParseContext& ctx, const RawElement& e, const MacroScope& scope) {
	RawElement out;
	out.name = e.name;
	out.pos = e.pos;
	out.text = replay_text(ctx, e.text, scope, e.pos);
	out.attributes.reserve(e.attributes.size());
	for (auto& a : e.attributes)
		out.attributes.push_back({a.name, replay_text(ctx, a.value, scope, a.pos), a.pos});
	out.children.reserve(e.children.size());
	for (auto& c : e.children)
		out.children.push_back(replay_copy(ctx, c, scope));
	return out;
}

// Only these attributes are the tags' own; everything else on a FEED is a macro.
bool check_attributes(ParseContext& ctx, const RawElement& e,
                      std::initializer_list<std::string_view> allowed) {
	bool ok = true;
	std::vector<std::string> known(allowed.begin(), allowed.end());
	for (auto& a : e.attributes) {
		if (std::find(allowed.begin(), allowed.end(), a.name) != allowed.end()) continue;
		ctx.error(a.pos, concat("unknown attribute '", a.name, "' on ", e.name, did_you_mean(a.name, known)),
		          ErrorKind::Name);
		ok = false;
	}
	return ok;
}

void record_stream(ParseContext& ctx, const RawElement& e) {
	StreamDef s;
	s.no_expand = e.name == "NXSTREAM";
	s.pos = e.pos;
	check_attributes(ctx, e, {"id", "doc"});
	if (auto* a = e.attribute("id")) s.id = std::string(trim(a->value));
	if (auto* a = e.attribute("doc")) s.doc = a->value;
	if (s.id.empty()) {
		ctx.error(e.pos, concat(e.name, " needs an id (it can only be used through FEED source=\"id\")"));
		return;
	}
	std::vector<RawElement> events;
	for (auto& c : e.children) {
		if (c.name == "doc") {
			s.doc = c.text;
		} else if (c.name == "DEFAULTS") {
			for (auto& a : c.attributes)
				s.defaults[a.name] = a.value;
		} else {
			events.push_back(c);
		}
	}
	s.events = s.no_expand ? std::move(events) : expand_active_tags(ctx, std::move(events));
	if (ctx.streams.count(s.id)) ctx.error(e.pos, concat("duplicate STREAM id '", s.id, "'"));
	ctx.streams[s.id] = std::move(s);
}

const RawElement* find_by_id_or_name(std::vector<RawElement>& events, std::string_view ref) {
	for (auto& ev : events) {
		for (auto key : {"id", "name", "key"})
			if (auto* a = ev.attribute(key); a && trim(a->value) == ref) return &ev;
		if (auto* found = find_by_id_or_name(ev.children, ref)) return found;
	}
	return nullptr;
}

bool attribute_matches(std::string_view pattern, std::string_view value) {
	if (pattern == value) return true;
	try {
		return std::regex_match(std::string(value), std::regex(std::string(pattern)));
	} catch (const std::regex_error&) {
		return false;
	}
}

size_t prune(std::vector<RawElement>& events, const RawElement& spec) {
	size_t n = 0;
	for (auto it = events.begin(); it != events.end();) {
		bool match = !spec.attributes.empty();
		for (auto& a : spec.attributes) {
			auto* have = it->attribute(a.name);
			if (!have || !attribute_matches(trim(a.value), trim(have->value))) {
				match = false;
				break;
			}
		}
		if (match) {
			it = events.erase(it);
			++n;
		} else {
			n += prune(it->children, spec);
			++it;
		}
	}
	return n;
}

// Macro names left in replayed events, outside nested LOOPs (whose \item etc. come later).
void leftover_macros(const RawElement& e, std::set<std::string>& out) {
	if (e.name == "LOOP") return;
	auto scan = [&](std::string_view t) {
		for (size_t i = 0; i + 2 < t.size(); ++i) {
			if (t[i] != '\\') continue;
			if (t[i + 1] == '\\') {
				++i;
				continue;
			}
			size_t j = i + 1;
			if (!std::isalpha(static_cast<unsigned char>(t[j])) && t[j] != '_') continue;
			while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_'))
				++j;
			if (j - i - 1 >= 2) out.emplace(t.substr(i + 1, j - i - 1));
			i = j - 1;
		}
	};
	scan(e.text);
	for (auto& a : e.attributes)
		scan(a.value);
	for (auto& c : e.children)
		leftover_macros(c, out);
}

// A macro the replay left that nobody else defines is a FEED attribute someone forgot
// (DaCHS fails the same way); report it at the FEED rather than deep in the stream.
bool check_leftovers(ParseContext& ctx, const RawElement& feed, const StreamDef& stream,
                     const std::vector<RawElement>& events) {
	std::set<std::string> left;
	for (auto& e : events)
		leftover_macros(e, left);
	if (left.empty()) return true;
	bool ok = true;
	std::vector<std::string> known;
	ctx.rd_scope().names(known);
	for (auto n : {"qName", "curtable", "tablename", "colNames", "nameForUCD", "nameForUCDs", "getParam"})
		known.emplace_back(n);
	for (auto n : row_macro_names())
		known.emplace_back(n);
	for (auto& name : left)
		if (std::find(known.begin(), known.end(), name) == known.end() && (ok = false, true))
			ctx.error(feed.pos, concat("STREAM '", stream.id, "' uses the macro \\", name, ", which this ",
			                           feed.name, " does not set (add ", name, "=\"...\" to it)"));
	return ok;
}

std::vector<RawElement> replay_feed(ParseContext& ctx, const RawElement& feed) {
	auto* src = feed.attribute("source");
	if (!src || trim(src->value).empty()) {
		ctx.error(feed.pos, concat(feed.name, " needs a source attribute naming a STREAM"));
		return {};
	}
	const StreamDef* stream = ctx.find_stream(src->value, src->pos);
	if (!stream) return {};
	std::map<std::string, std::string> macros = stream->defaults;
	for (auto& a : feed.attributes)
		if (a.name != "source") macros[a.name] = a.value;
	auto events = replay_events(ctx, stream->events, macros);
	if (!check_leftovers(ctx, feed, *stream, events)) return {}; // replaying it would only cascade
	for (auto& c : feed.children) {
		if (c.name == "EDIT") {
			auto* ref = c.attribute("ref");
			if (!ref) {
				ctx.error(c.pos, "EDIT needs a ref attribute naming an element of the stream");
				continue;
			}
			auto* target = const_cast<RawElement*>(find_by_id_or_name(events, trim(ref->value)));
			if (!target) {
				ctx.error(ref->pos,
				          concat("EDIT: STREAM '", stream->id, "' has no element '", trim(ref->value), "'"));
				continue;
			}
			for (auto& a : c.attributes)
				if (a.name != "ref") target->set_attribute(a.name, a.value, a.pos);
			for (auto& ch : c.children)
				target->children.push_back(ch);
			if (!trim(c.text).empty()) target->text = c.text;
		} else if (c.name == "PRUNE") {
			if (prune(events, c) == 0)
				ctx.warning(c.pos, concat("PRUNE removed nothing from STREAM '", stream->id, "'"));
		} else if (c.name == "events") {
			for (auto& ev : c.children)
				events.push_back(ev);
		} else {
			ctx.error(
			    c.pos,
			    concat("unknown element '", c.name, "' in ", feed.name, " (allowed: EDIT, PRUNE, events)"),
			    ErrorKind::Name);
		}
	}
	return expand_active_tags(ctx, std::move(events));
}

// Splits one CSV line (comma-separated, double quotes quote, "" inside quotes is a quote).
std::vector<std::string> csv_fields(std::string_view line) {
	std::vector<std::string> out;
	std::string cur;
	bool quoted = false;
	for (size_t i = 0; i < line.size(); ++i) {
		char c = line[i];
		if (quoted) {
			if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
				cur += '"';
				++i;
			} else if (c == '"') {
				quoted = false;
			} else {
				cur += c;
			}
		} else if (c == '"' && trim(cur).empty()) {
			cur.clear();
			quoted = true;
		} else if (c == ',') {
			out.emplace_back(trim(cur));
			cur.clear();
		} else {
			cur += c;
		}
	}
	out.emplace_back(trim(cur));
	return out;
}

std::vector<RawElement> replay_loop(ParseContext& ctx, const RawElement& loop) {
	check_attributes(ctx, loop, {"listItems", "csvItems", "codeItems", "source"});
	auto value_of = [&](std::string_view name) -> std::optional<std::pair<std::string, SourcePos>> {
		if (auto* a = loop.attribute(name)) return std::make_pair(a->value, a->pos);
		if (auto* c = loop.child(name)) return std::make_pair(c->text, c->pos);
		return std::nullopt;
	};
	std::vector<std::map<std::string, std::string>> items;
	if (auto code = value_of("codeItems")) {
		// Python, run now (while the RD loads), as DaCHS does; its rows become the macros.
		PythonCode pc;
		pc.pos = code->second;
		const RawElement* c = loop.child("codeItems");
		if (c)
			pc = code_of(*c);
		else
			pc.text = dedent(code->first);
		try {
			items = python::loop_items(pc, load_hooks(ctx, loop.pos));
		} catch (const Error& e) {
			ctx.diags.add(e, pc.pos);
			return {};
		}
	} else if (auto list = value_of("listItems")) {
		for (auto& word : split(normalize_space(list->first), ' '))
			if (!word.empty()) items.push_back({{"item", word}});
	} else if (auto csv = value_of("csvItems")) {
		std::vector<std::string> header;
		for (auto& line : split(csv->first, '\n')) {
			if (trim(line).empty()) continue;
			auto fields = csv_fields(line);
			if (header.empty()) {
				header = fields;
				continue;
			}
			std::map<std::string, std::string> row;
			for (size_t i = 0; i < header.size(); ++i)
				row[header[i]] = i < fields.size() ? fields[i] : "";
			items.push_back(std::move(row));
		}
	} else {
		ctx.error(loop.pos, "LOOP needs listItems or csvItems");
		return {};
	}
	const std::vector<RawElement>* events = nullptr;
	std::vector<RawElement> local_events;
	if (auto* src = loop.attribute("source")) {
		if (auto* stream = ctx.find_stream(src->value, src->pos)) events = &stream->events;
	} else if (auto* ev = loop.child("events")) {
		local_events = ev->children;
		events = &local_events;
	} else {
		ctx.error(loop.pos, "LOOP needs events (an events child or source=\"stream id\")");
	}
	for (auto& c : loop.children)
		if (c.name != "events" && c.name != "csvItems" && c.name != "listItems" && c.name != "codeItems")
			ctx.error(c.pos,
			          concat("unknown element '", c.name, "' in LOOP (allowed: events, listItems, csvItems)"),
			          ErrorKind::Name);
	if (!events) return {};
	std::vector<RawElement> out;
	for (auto& item : items) {
		auto copies = replay_events(ctx, *events, item);
		for (auto& c : expand_active_tags(ctx, std::move(copies)))
			out.push_back(std::move(c));
	}
	return out;
}

} // namespace

bool is_active_tag(std::string_view name) {
	return name == "STREAM" || name == "NXSTREAM" || name == "FEED" || name == "LFEED" || name == "LOOP" ||
	       name == "EDIT" || name == "PRUNE" || name == "DEFAULTS";
}

std::vector<RawElement> replay_events(ParseContext& ctx, const std::vector<RawElement>& events,
                                      const std::map<std::string, std::string>& macros) {
	MapMacroScope scope(macros, &ctx.rd_scope());
	std::vector<RawElement> out;
	out.reserve(events.size());
	for (auto& e : events)
		out.push_back(replay_copy(ctx, e, scope));
	return out;
}

std::vector<RawElement> expand_active_tags(ParseContext& ctx, std::vector<RawElement> children) {
	bool any = false;
	for (auto& c : children)
		if (is_active_tag(c.name) || !c.children.empty()) any = true;
	if (!any) return children;
	std::vector<RawElement> out;
	out.reserve(children.size());
	for (auto& c : children) {
		if (c.name == "STREAM" || c.name == "NXSTREAM") {
			record_stream(ctx, c);
		} else if (c.name == "FEED" || c.name == "LFEED") {
			for (auto& r : replay_feed(ctx, c))
				out.push_back(std::move(r));
		} else if (c.name == "LOOP") {
			for (auto& r : replay_loop(ctx, c))
				out.push_back(std::move(r));
		} else if (c.name == "EDIT" || c.name == "PRUNE") {
			ctx.error(c.pos, concat(c.name, " is only allowed inside FEED"));
		} else if (c.name == "DEFAULTS") {
			ctx.error(c.pos, "DEFAULTS is only allowed inside STREAM");
		} else {
			c.children = expand_active_tags(ctx, std::move(c.children));
			out.push_back(std::move(c));
		}
	}
	return out;
}

} // namespace meles::rd::parse
