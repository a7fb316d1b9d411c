#include "parse_context.hpp"

#include "did_you_mean.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/store/rd_id.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <regex>

namespace meles::rd::parse {

// ----- configuration defaults -----

namespace {

struct ConfigDefault {
	std::string_view section, item, value;
};

// DaCHS 2.7 defaults of the items RDs ask for with \getConfig (rd-language.md §3.6).
constexpr ConfigDefault kConfigDefaults[] = {
    {"general", "rootDir", "/var/gavo"},
    {"general", "inputsDir", "/var/gavo/inputs"},
    {"general", "cacheDir", "/var/gavo/cache"},
    {"general", "logDir", "/var/gavo/logs"},
    {"general", "tempDir", "/var/gavo/tmp"},
    {"general", "webDir", "/var/gavo/web"},
    {"general", "stateDir", "/var/gavo/state"},
    {"web", "serverURL", "http://localhost:8080"},
    {"web", "bindAddress", "127.0.0.1"},
    {"web", "serverPort", "8080"},
    {"web", "nevowRoot", "/"},
    {"web", "sitename", "Unnamed data center"},
    {"web", "sqlTimeout", "15"},
    {"ivoa", "authority", "x-unregistred"},
    {"ivoa", "dalDefaultLimit", "10000"},
    {"ivoa", "dalHardLimit", "1000000"},
    {"ivoa", "oaipmhPageSize", "500"},
    {"ivoa", "votDefaultEncoding", "binary"},
    {"ivoa", "VOSITableDetail", "max"},
    {"ivoa", "validOAISets", "ivo_managed, vosi, local"},
    {"async", "defaultExecTimeSync", "60"},
    {"async", "defaultExecTime", "3600"},
    {"async", "maxTAPRunning", "2"},
    {"async", "defaultLifetime", "172800"},
    {"async", "defaultMAXREC", "20000"},
    {"async", "hardMAXREC", "20000000"},
    {"db", "defaultLimit", "100"},
    {"db", "maintainers", "admin"},
    {"db", "queryProfiles", "trustedquery"},
    {"db", "adqlProfiles", "untrustedquery"},
};

std::string server_url(const ParseContext& ctx) {
	std::string u = ctx.config("web", "serverURL").value_or("http://localhost:8080");
	while (!u.empty() && u.back() == '/')
		u.pop_back();
	return u;
}

void need_args(std::string_view name, const std::vector<std::string>& args, size_t min, size_t max) {
	if (args.size() < min || args.size() > max) {
		std::string expect =
		    min == max ? std::to_string(min) : concat(std::to_string(min), " to ", std::to_string(max));
		throw Error(ErrorKind::Validation,
		            concat("macro \\", name, " takes ", expect, " argument", max == 1 ? "" : "s", ", not ",
		                   std::to_string(args.size())));
	}
}

std::string url_quote(std::string_view s) {
	// Like Python's urllib.parse.quote: '/' stays.
	std::string out;
	for (auto& part : split(s, '/')) {
		if (!out.empty() || s.front() == '/') out += '/';
		out += url_encode(part);
	}
	if (!s.empty() && s.front() == '/' && out.size() > 1 && out[0] == '/' && out[1] == '/') out.erase(0, 1);
	return out;
}

// Python-style replacement string (\1, \g<1>) to ECMAScript ($1).
std::string python_replacement(std::string_view repl) {
	std::string out;
	for (size_t i = 0; i < repl.size(); ++i) {
		if (repl[i] == '\\' && i + 1 < repl.size() && std::isdigit(static_cast<unsigned char>(repl[i + 1]))) {
			out += '$';
			out += repl[++i];
		} else if (repl[i] == '$') {
			out += "$$";
		} else {
			out += repl[i];
		}
	}
	return out;
}

} // namespace

std::optional<std::string> default_config_value_impl(std::string_view section, std::string_view item) {
	for (auto& d : kConfigDefaults)
		if (iequals(d.section, section) && iequals(d.item, item)) return std::string(d.value);
	return std::nullopt;
}

// ----- RD macros -----

std::optional<std::string> RdMacroScope::call(std::string_view name,
                                              const std::vector<std::string>& args) const {
	const Resource& rd = ctx_.rd;
	// macDefs (the latest definition wins; they shadow nothing built in because DaCHS
	// stores them on the RD the same way)
	for (auto it = rd.macdefs.rbegin(); it != rd.macdefs.rend(); ++it) {
		if (it->name == name) {
			need_args(name, args, 0, 0);
			return it->content;
		}
	}
	if (name == "schema") return need_args(name, args, 0, 0), rd.schema;
	if (name == "rdId") return need_args(name, args, 0, 0), rd.rd_id;
	if (name == "rdIdDotted") {
		need_args(name, args, 0, 0);
		std::string s = rd.rd_id;
		std::replace(s.begin(), s.end(), '/', '.');
		return s;
	}
	if (name == "resdir") return need_args(name, args, 0, 0), rd.resdir.string();
	if (name == "getConfig") {
		need_args(name, args, 1, 2);
		std::string section = args.size() == 2 ? args[0] : "general";
		std::string item = args.size() == 2 ? args[1] : args[0];
		if (auto v = ctx_.config(section, item)) return *v;
		throw Error(ErrorKind::NotFound, concat("\\getConfig: no configuration item [", section, "]", item));
	}
	if (name == "metaString" || name == "metaSeq") {
		need_args(name, args, 1, 2);
		MetaChain chain = rd.meta_chain(ctx_.current_table ? &ctx_.current_table->meta : nullptr);
		auto values = chain.all(args[0]);
		if (values.empty()) {
			if (args.size() == 2) return args[1];
			throw Error(ErrorKind::NotFound, concat("\\", name, ": no meta item '", args[0],
			                                        "' (give a default as second argument)"));
		}
		if (name == "metaString") return normalize_space(values.front()->content);
		std::vector<std::string> parts;
		for (auto* v : values)
			parts.push_back(normalize_space(v->content));
		return join(parts, ", ");
	}
	if (name == "internallink") {
		need_args(name, args, 1, 1);
		std::string p = args[0];
		while (!p.empty() && p.front() == '/')
			p.erase(0, 1);
		return server_url(ctx_) + "/" + p;
	}
	if (name == "RSTservicelink") {
		need_args(name, args, 1, 2);
		std::string title = args.size() == 2 ? args[1] : args[0];
		return concat("`", title, " <", server_url(ctx_), "/", args[0], ">`_");
	}
	if (name == "RSTtable") {
		need_args(name, args, 1, 1);
		return concat("`", args[0], " <", server_url(ctx_), "/tableinfo/", args[0], ">`_");
	}
	if (name == "today") {
		need_args(name, args, 0, 0);
		std::time_t t = std::time(nullptr);
		std::tm tm{};
		gmtime_r(&t, &tm);
		char buf[16];
		std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
		return std::string(buf);
	}
	if (name == "upper") return need_args(name, args, 1, 1), to_upper(args[0]);
	if (name == "lower") return need_args(name, args, 1, 1), to_lower(args[0]);
	if (name == "decapitalize") {
		need_args(name, args, 1, 1);
		std::string s = args[0];
		if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
		return s;
	}
	if (name == "quote") {
		need_args(name, args, 1, 1);
		std::string out = "\"";
		for (char c : args[0]) {
			if (c == '"') out += '\\';
			out += c;
		}
		return out + "\"";
	}
	if (name == "sqlquote") {
		need_args(name, args, 1, 1);
		std::string out = "'";
		for (char c : args[0]) {
			if (c == '\'') out += '\'';
			out += c;
		}
		return out + "'";
	}
	if (name == "urlquote") return need_args(name, args, 1, 1), url_quote(args[0]);
	if (name == "reSub") {
		need_args(name, args, 3, 3);
		try {
			std::regex re(args[0]);
			return std::regex_replace(args[2], re, python_replacement(args[1]));
		} catch (const std::regex_error& e) {
			throw Error(ErrorKind::Syntax, concat("\\reSub: bad regular expression '", args[0], "'"));
		}
	}
	if (name == "magicEmpty") {
		need_args(name, args, 1, 1);
		return args[0].empty() ? std::string("__EMPTY__") : args[0];
	}
	if (name == "test") return std::string("test macro expansion");
	if (name == "sql_standardPubDID") {
		need_args(name, args, 0, 0);
		std::string auth = ctx_.config("ivoa", "authority").value_or("x-unregistred");
		return concat("('ivo://", auth, "/~?' || accref)");
	}
	if (name == "RSTcc0") {
		need_args(name, args, 0, 1);
		return std::string(
		    "To the extent possible under law, the authors have waived all copyright and related or "
		    "neighboring rights to this data (`CC0 "
		    "<https://creativecommons.org/publicdomain/zero/1.0/>`_).");
	}
	if (name == "RSTccby" || name == "RSTccbysa") {
		need_args(name, args, 1, 1);
		bool sa = name == "RSTccbysa";
		return concat(args[0], " is licensed under the `Creative Commons Attribution",
		              sa ? "-ShareAlike" : "",
		              " 4.0 International License <https://creativecommons.org/licenses/",
		              sa ? "by-sa" : "by", "/4.0/>`_.");
	}
	return std::nullopt;
}

void RdMacroScope::names(std::vector<std::string>& out) const {
	for (auto& m : ctx_.rd.macdefs)
		out.push_back(m.name);
	for (auto n : {"schema",     "rdId",         "rdIdDotted",
	               "resdir",     "getConfig",    "metaString",
	               "metaSeq",    "internallink", "RSTservicelink",
	               "RSTtable",   "today",        "upper",
	               "lower",      "decapitalize", "quote",
	               "sqlquote",   "urlquote",     "reSub",
	               "magicEmpty", "test",         "sql_standardPubDID",
	               "RSTcc0",     "RSTccby",      "RSTccbysa"})
		out.emplace_back(n);
}

// ----- table macros -----

std::optional<std::string> TableMacroScope::call(std::string_view name,
                                                 const std::vector<std::string>& args) const {
	if (name == "qName" || name == "curtable") return need_args(name, args, 0, 0), table_.qualified_name();
	if (name == "tablename") return need_args(name, args, 0, 0), table_.id;
	if (name == "colNames") {
		need_args(name, args, 0, 0);
		std::vector<std::string> names;
		for (auto& c : table_.columns)
			names.push_back(c.meta.delimited ? "\"" + c.meta.name + "\"" : c.meta.name);
		return join(names, ", ");
	}
	if (name == "nameForUCD" || name == "nameForUCDs") {
		need_args(name, args, 1, 1);
		auto ucds = name == "nameForUCD" ? std::vector<std::string>{std::string(trim(args[0]))}
		                                 : split_list(args[0], '|');
		for (auto& ucd : ucds) {
			auto cols = table_.columns_with_ucd(ucd);
			if (cols.size() == 1) return cols.front()->meta.name;
			if (cols.size() > 1)
				throw Error(ErrorKind::Validation, concat("\\", name, "{", args[0], "}: table '", table_.id,
				                                          "' has more than one column with UCD ", ucd, " (",
				                                          cols[0]->meta.name, ", ", cols[1]->meta.name, ")"));
		}
		throw Error(ErrorKind::Validation,
		            concat("\\", name, "{", args[0], "}: table '", table_.id, "' has no column with UCD ",
		                   join(ucds, " or "), " (give exactly one column that UCD)"));
	}
	if (name == "getParam") {
		need_args(name, args, 1, 2);
		if (auto* p = table_.find_param(args[0])) return p->value.value_or("");
		if (args.size() == 2) return args[1];
		throw Error(ErrorKind::NotFound,
		            concat("\\getParam: table '", table_.id, "' has no param '", args[0], "'"));
	}
	return parent_.call(name, args);
}

void TableMacroScope::names(std::vector<std::string>& out) const {
	for (auto n : {"qName", "curtable", "tablename", "colNames", "nameForUCD", "nameForUCDs", "getParam"})
		out.emplace_back(n);
	parent_.names(out);
}

// ----- ParseContext -----

ParseContext::ParseContext(const ParseOptions& opts, Diagnostics& d, Resource& r)
    : options(opts), diags(d), rd(r), rd_scope_(std::make_unique<RdMacroScope>(*this)) {
	scopes_.push_back(rd_scope_.get());
}

void ParseContext::error(const SourcePos& pos, std::string message, ErrorKind kind) {
	diags.error(kind, std::move(message), pos);
}

void ParseContext::warning(const SourcePos& pos, std::string message) {
	diags.warning(std::move(message), pos);
}

std::string ParseContext::expand(std::string_view text, Expand mode, const SourcePos& pos) {
	if (mode == Expand::None || !may_contain_macros(text)) return std::string(text);
	ExpandOptions opts;
	opts.keep_row_macros = mode == Expand::Row;
	try {
		return expand_macros(text, scope(), opts, pos);
	} catch (const Error& e) {
		diags.add(e, pos);
		return std::string(text);
	}
}

SplitRef ParseContext::split_ref(std::string_view ref) const {
	ref = trim(ref);
	SplitRef out;
	auto hash = ref.find('#');
	if (hash == std::string_view::npos) {
		out.rd_id = rd.rd_id;
		out.path = std::string(ref);
		return out;
	}
	std::string rd_part(trim(ref.substr(0, hash)));
	out.path = std::string(trim(ref.substr(hash + 1)));
	if (rd_part.empty()) {
		out.rd_id = rd.rd_id;
		return out;
	}
	if (is_system_rd_id(rd_part)) rd_part = "//" + system_rd_name(rd_part);
	if (rd_part.size() > 3 && rd_part.ends_with(".rd")) rd_part.resize(rd_part.size() - 3);
	out.rd_id = rd_part;
	out.local = rd_part == rd.rd_id;
	return out;
}

std::string ParseContext::qualify(std::string_view ref) const {
	auto s = split_ref(ref);
	return s.rd_id + "#" + s.path;
}

const Resource* ParseContext::rd_for(const SplitRef& ref, const SourcePos& pos) {
	if (ref.local) return &rd;
	if (auto it = other_rds_.find(ref.rd_id); it != other_rds_.end()) return it->second.get();
	// An RD that could not be loaded is reported once; later references to it would only repeat that.
	if (failed_rds_.count(ref.rd_id)) return nullptr;
	if (!options.resolver) {
		error(pos, concat("cannot resolve a reference into RD '", ref.rd_id, "' here (no RD store)"),
		      ErrorKind::NotFound);
		return nullptr;
	}
	try {
		auto other = options.resolver->resolve(ref.rd_id);
		other_rds_[ref.rd_id] = other;
		return other.get();
	} catch (const Error& e) {
		error(pos, concat("cannot use RD '", ref.rd_id, "': ", e.full_message()), e.kind());
		failed_rds_.emplace(ref.rd_id, pos);
		return nullptr;
	}
}

std::optional<std::string> ParseContext::config(std::string_view section, std::string_view item) const {
	if (options.config)
		if (auto v = options.config(section, item)) return v;
	return default_config_value_impl(section, item);
}

const StreamDef* ParseContext::find_stream(std::string_view ref, const SourcePos& pos) {
	auto s = split_ref(ref);
	std::vector<std::string> known;
	if (s.local) {
		if (auto it = streams.find(s.path); it != streams.end()) return &it->second;
		for (auto& [k, v] : streams)
			known.push_back(k);
		error(pos,
		      concat("no STREAM '", s.path, "' defined before this point", did_you_mean(s.path, known),
		             " (STREAMs must precede the FEED or LOOP using them)"),
		      ErrorKind::NotFound);
		return nullptr;
	}
	const Resource* other = rd_for(s, pos);
	if (!other) return nullptr;
	if (auto* st = other->find_stream(s.path)) return st;
	if (!missing_reported_.insert("stream:" + s.rd_id + "#" + s.path).second) return nullptr;
	for (auto& st : other->streams)
		known.push_back(st.id);
	error(pos, concat("RD '", s.rd_id, "' has no STREAM '", s.path, "'", did_you_mean(s.path, known)),
	      ErrorKind::NotFound);
	return nullptr;
}

const MixinDef* ParseContext::find_mixin(std::string_view ref, const SourcePos& pos) {
	auto s = split_ref(ref);
	const Resource* where = rd_for(s, pos);
	if (!where) return nullptr;
	if (auto* m = where->find_mixin(s.path)) return m;
	if (!s.local && !missing_reported_.insert("mixin:" + s.rd_id + "#" + s.path).second) return nullptr;
	std::vector<std::string> known;
	for (auto& m : where->mixins)
		known.push_back(m.id);
	error(pos,
	      concat("no mixin '", s.path, "' in RD '", s.rd_id, "'", did_you_mean(s.path, known),
	             s.local ? " (mixinDefs must be defined in the RD)" : ""),
	      ErrorKind::NotFound);
	return nullptr;
}

// ----- Reader -----

Reader::Reader(ParseContext& ctx, const RawElement& element)
    : ctx_(ctx), e_(element), attr_used_(element.attributes.size(), false),
      child_used_(element.children.size(), false) {}

std::optional<std::string> Reader::get(std::string_view name, Expand mode) {
	known_attrs_.emplace_back(name);
	for (size_t i = 0; i < e_.attributes.size(); ++i) {
		if (e_.attributes[i].name != name) continue;
		attr_used_[i] = true;
		return ctx_.expand(trim(e_.attributes[i].value), mode, e_.attributes[i].pos);
	}
	for (size_t i = 0; i < e_.children.size(); ++i) {
		if (child_used_[i] || e_.children[i].name != name) continue;
		child_used_[i] = true;
		auto& c = e_.children[i];
		if (!c.children.empty())
			ctx_.error(c.children.front().pos,
			           concat("'", name, "' in ", e_.name, " is a plain value and cannot contain <",
			                  c.children.front().name, "> elements"));
		if (!c.attributes.empty())
			ctx_.error(c.attributes.front().pos, concat("unknown attribute '", c.attributes.front().name,
			                                            "' on ", name, " (a plain value)"));
		return ctx_.expand(trim(c.text), mode, c.pos);
	}
	return std::nullopt;
}

std::optional<std::string> Reader::attr(std::string_view name, Expand mode) {
	known_attrs_.emplace_back(name);
	for (size_t i = 0; i < e_.attributes.size(); ++i) {
		if (e_.attributes[i].name != name) continue;
		attr_used_[i] = true;
		return ctx_.expand(trim(e_.attributes[i].value), mode, e_.attributes[i].pos);
	}
	return std::nullopt;
}

std::string Reader::str(std::string_view name, std::string fallback, Expand mode) {
	auto v = get(name, mode);
	return v ? *v : fallback;
}

std::string Reader::required(std::string_view name, Expand mode) {
	auto v = get(name, mode);
	if (!v || v->empty()) {
		ctx_.error(v ? pos_of(name) : e_.pos, concat(describe(e_), " lacks required attribute '", name, "'"));
		return "";
	}
	return *v;
}

bool parse_bool_text(std::string_view text, bool& out) {
	auto t = to_lower(trim(text));
	if (t == "true" || t == "yes" || t == "1" || t == "on") return out = true, true;
	if (t == "false" || t == "no" || t == "0" || t == "off" || t.empty()) return out = false, true;
	return false;
}

bool Reader::flag(std::string_view name, bool fallback) {
	auto v = get(name, Expand::Rd);
	if (!v) return fallback;
	bool out = fallback;
	if (!parse_bool_text(*v, out))
		ctx_.error(pos_of(name),
		           concat("bad boolean '", *v, "' for ", name, " on ", e_.name, " (use True or False)"));
	return out;
}

std::optional<long long> Reader::integer(std::string_view name) {
	auto v = get(name, Expand::Rd);
	if (!v || v->empty()) return std::nullopt;
	long long out = 0;
	auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
	if (ec != std::errc() || p != v->data() + v->size()) {
		ctx_.error(pos_of(name), concat("bad integer '", *v, "' for ", name, " on ", e_.name));
		return std::nullopt;
	}
	return out;
}

std::optional<double> Reader::number(std::string_view name) {
	auto v = get(name, Expand::Rd);
	if (!v || v->empty()) return std::nullopt;
	char* end = nullptr;
	double d = std::strtod(v->c_str(), &end);
	if (end != v->c_str() + v->size()) {
		ctx_.error(pos_of(name), concat("bad number '", *v, "' for ", name, " on ", e_.name));
		return std::nullopt;
	}
	return d;
}

std::vector<std::string> Reader::list(std::string_view name, char sep, Expand mode) {
	auto v = get(name, mode);
	if (!v) return {};
	return split_list(*v, sep);
}

std::vector<std::pair<std::string, SourcePos>> Reader::all(std::string_view name, Expand mode) {
	known_attrs_.emplace_back(name);
	std::vector<std::pair<std::string, SourcePos>> out;
	for (size_t i = 0; i < e_.attributes.size(); ++i) {
		if (e_.attributes[i].name != name) continue;
		attr_used_[i] = true;
		out.emplace_back(ctx_.expand(trim(e_.attributes[i].value), mode, e_.attributes[i].pos),
		                 e_.attributes[i].pos);
	}
	for (size_t i = 0; i < e_.children.size(); ++i) {
		if (child_used_[i] || e_.children[i].name != name) continue;
		child_used_[i] = true;
		out.emplace_back(ctx_.expand(trim(e_.children[i].text), mode, e_.children[i].pos),
		                 e_.children[i].pos);
	}
	return out;
}

SourcePos Reader::pos_of(std::string_view name) const {
	if (auto* a = e_.attribute(name)) return a->pos;
	if (auto* c = e_.child(name)) return c->pos;
	return e_.pos;
}

bool Reader::has(std::string_view name) const {
	return e_.attribute(name) || e_.child(name);
}

void Reader::ignore(std::string_view name) {
	known_attrs_.emplace_back(name);
	for (size_t i = 0; i < e_.attributes.size(); ++i)
		if (e_.attributes[i].name == name) attr_used_[i] = true;
	for (size_t i = 0; i < e_.children.size(); ++i)
		if (e_.children[i].name == name) child_used_[i] = true;
}

std::string Reader::text(Expand mode) {
	text_used_ = true;
	return ctx_.expand(e_.text, mode, e_.pos);
}

bool Reader::has_text() const {
	return !trim(e_.text).empty();
}

std::vector<RawAttribute> Reader::take_other_attributes() {
	std::vector<RawAttribute> out;
	for (size_t i = 0; i < e_.attributes.size(); ++i) {
		if (attr_used_[i]) continue;
		attr_used_[i] = true;
		out.push_back(e_.attributes[i]);
	}
	return out;
}

std::vector<const RawElement*> Reader::take_children(std::string_view name) {
	known_children_.emplace_back(name);
	std::vector<const RawElement*> out;
	for (size_t i = 0; i < e_.children.size(); ++i) {
		if (child_used_[i] || e_.children[i].name != name) continue;
		child_used_[i] = true;
		out.push_back(&e_.children[i]);
	}
	return out;
}

std::vector<const RawElement*> Reader::unused_children() {
	std::vector<const RawElement*> out;
	for (size_t i = 0; i < e_.children.size(); ++i)
		if (!child_used_[i]) out.push_back(&e_.children[i]);
	return out;
}

void Reader::mark_used(const RawElement* child) {
	for (size_t i = 0; i < e_.children.size(); ++i)
		if (&e_.children[i] == child) child_used_[i] = true;
}

void Reader::finish() {
	for (size_t i = 0; i < e_.attributes.size(); ++i) {
		if (attr_used_[i]) continue;
		auto& a = e_.attributes[i];
		// XML namespace declarations and schema hints are not RD attributes.
		if (a.name.starts_with("xmlns") || a.name.find(':') != std::string::npos) continue;
		ctx_.error(
		    a.pos,
		    concat("unknown attribute '", a.name, "' on ", e_.name, did_you_mean(a.name, known_attrs_)),
		    ErrorKind::Name);
	}
	std::vector<std::string> known = known_children_;
	known.insert(known.end(), known_attrs_.begin(), known_attrs_.end());
	for (size_t i = 0; i < e_.children.size(); ++i) {
		if (child_used_[i]) continue;
		auto& c = e_.children[i];
		if (find_element(c.name) || c.name == "FEED" || c.name == "LOOP" || c.name == "STREAM")
			ctx_.error(c.pos, concat("element '", c.name, "' is not allowed in ", e_.name), ErrorKind::Name);
		else
			ctx_.error(c.pos,
			           concat("unknown element '", c.name, "' in ", e_.name, did_you_mean(c.name, known)),
			           ErrorKind::Name);
	}
	if (!text_used_ && has_text()) {
		std::string t = normalize_space(e_.text);
		if (t.size() > 40) t = t.substr(0, 37) + "...";
		ctx_.error(e_.pos, concat(e_.name, " elements have no text content (found '", t, "')"));
	}
}

// ----- dispatch -----

void dispatch_children(Reader& r, Target target, const std::vector<std::string_view>& allowed) {
	for (auto n : allowed)
		r.note_known_child(n);
	for (const RawElement* c : r.unused_children()) {
		if (std::find(allowed.begin(), allowed.end(), c->name) == allowed.end()) continue;
		const ElementEntry* entry = find_element(c->name);
		if (!entry) continue; // a programming error; finish() will report the element
		r.mark_used(c);
		entry->parse(r.ctx(), *c, target);
	}
}

std::string describe(const RawElement& e) {
	for (auto key : {"id", "name", "key", "dest", "table"})
		if (auto* a = e.attribute(key)) return concat(e.name, " '", trim(a->value), "'");
	return e.name;
}

std::vector<Property>* properties_of(Target t) {
	return std::visit(
	    [](auto* p) -> std::vector<Property>* {
		    using T = std::remove_pointer_t<decltype(p)>;
		    if constexpr (std::is_same_v<T, Resource> || std::is_same_v<T, TableDef> ||
		                  std::is_same_v<T, Column> || std::is_same_v<T, DataDesc> ||
		                  std::is_same_v<T, ServiceDef> || std::is_same_v<T, CondDesc> ||
		                  std::is_same_v<T, CoreDef> || std::is_same_v<T, OutputTable>)
			    return &p->properties;
		    else
			    return nullptr;
	    },
	    t);
}

MetaBag* meta_of(Target t) {
	return std::visit(
	    [](auto* p) -> MetaBag* {
		    using T = std::remove_pointer_t<decltype(p)>;
		    if constexpr (std::is_same_v<T, Resource> || std::is_same_v<T, TableDef> ||
		                  std::is_same_v<T, DataDesc> || std::is_same_v<T, ServiceDef>)
			    return &p->meta;
		    else
			    return nullptr;
	    },
	    t);
}

std::string dedent(std::string_view text) {
	// Text starting on the line of the start tag has no meaningful indentation on its first
	// line; otherwise every line counts.
	size_t first_content = text.find_first_not_of(" \t\r\n");
	bool first_on_tag_line = first_content != std::string_view::npos &&
	                         text.substr(0, first_content).find('\n') == std::string_view::npos;
	auto lines = split(text, '\n');
	for (auto& l : lines)
		if (!l.empty() && l.back() == '\r') l.pop_back();
	while (!lines.empty() && trim(lines.front()).empty())
		lines.erase(lines.begin());
	while (!lines.empty() && trim(lines.back()).empty())
		lines.pop_back();
	if (lines.empty()) return "";
	size_t indent = std::string::npos;
	for (size_t i = first_on_tag_line ? 1 : 0; i < lines.size(); ++i) {
		auto& l = lines[i];
		if (trim(l).empty()) continue;
		indent = std::min(indent, l.find_first_not_of(" \t"));
	}
	std::string out;
	for (size_t i = 0; i < lines.size(); ++i) {
		if (i) out += '\n';
		auto& l = lines[i];
		if (trim(l).empty()) continue;
		if (i == 0 && first_on_tag_line)
			out += std::string(trim(l));
		else
			out += indent == std::string::npos ? l : l.substr(std::min(indent, l.size()));
	}
	while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back())))
		out.pop_back();
	return out;
}

PythonCode code_of(const RawElement& e) {
	PythonCode c;
	c.text = dedent(e.text);
	c.pos = e.pos;
	size_t first = e.text.find_first_not_of(" \t\r\n");
	if (first != std::string::npos && c.pos.line > 0)
		c.pos.line +=
		    static_cast<int>(std::count(e.text.begin(), e.text.begin() + static_cast<long>(first), '\n'));
	return c;
}

PythonCode code_of(ParseContext& ctx, const RawElement& e) {
	PythonCode c = code_of(e);
	c.text = ctx.expand(c.text, Expand::Row, c.pos);
	return c;
}

} // namespace meles::rd::parse
