// rd/src/parse/parse_context.hpp — state shared by the element parsers while one RD loads.
//
// ParseContext holds the Resource being built, the diagnostics, the macro scope in effect and
// access to other RDs.  Reader wraps one RawElement: it hands out atomic values (written as
// attribute or as child element, §1.1 of rd-language.md), expands macros where asked, and at
// finish() reports everything the parse function did not consume, with "did you mean" hints.
// Thread-safety: single-threaded, one per load.
#pragma once

#include "meles/rd/model/resource.hpp"
#include "meles/rd/parse/diagnostics.hpp"
#include "meles/rd/parse/macros.hpp"
#include "meles/rd/parse/rd_parser.hpp"

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace meles::rd::parse {

// Macro expansion applied to an atomic value.
enum class Expand {
	None, // kept as written
	Rd,   // RD (and table) macros expanded; unknown macros are errors
	Row,  // like Rd, but rowmaker-scope macros are kept for the importer
};

class ParseContext;

// The RD-wide macros (\schema, \rdId, \getConfig, \metaString, macDefs, \upper, ...).
class RdMacroScope : public MacroScope {
public:
	explicit RdMacroScope(const ParseContext& ctx) : ctx_(ctx) {}
	std::optional<std::string> call(std::string_view name,
	                                const std::vector<std::string>& args) const override;
	void names(std::vector<std::string>& out) const override;

private:
	const ParseContext& ctx_;
};

// Table macros (\qName, \tablename, \curtable, \colNames, \nameForUCD(s), \getParam) over a parent.
class TableMacroScope : public MacroScope {
public:
	TableMacroScope(const TableDef& table, const MacroScope& parent) : table_(table), parent_(parent) {}
	std::optional<std::string> call(std::string_view name,
	                                const std::vector<std::string>& args) const override;
	void names(std::vector<std::string>& out) const override;

private:
	const TableDef& table_;
	const MacroScope& parent_;
};

// A reference split into RD id and element path: "//scs#q3cindex" -> ("//scs", "q3cindex");
// "main" -> (own RD, "main"); "other/q#t.col" -> ("other/q", "t.col").
struct SplitRef {
	std::string rd_id;
	std::string path;
	bool local = true;
};

class ParseContext {
public:
	ParseContext(const ParseOptions& options, Diagnostics& diags, Resource& rd);
	ParseContext(const ParseContext&) = delete;
	ParseContext& operator=(const ParseContext&) = delete;

	const ParseOptions& options;
	Diagnostics& diags;
	Resource& rd;

	void error(const SourcePos& pos, std::string message, ErrorKind kind = ErrorKind::Validation);
	void warning(const SourcePos& pos, std::string message);

	// Macro scopes: RD scope at the bottom; tables and active tags push theirs.
	const MacroScope& scope() const { return *scopes_.back(); }
	const MacroScope& rd_scope() const { return *rd_scope_; }
	void push_scope(const MacroScope* s) { scopes_.push_back(s); }
	void pop_scope() { scopes_.pop_back(); }
	// Expands text in the current scope; on failure records the error and returns text as is.
	std::string expand(std::string_view text, Expand mode, const SourcePos& pos);

	// References.
	SplitRef split_ref(std::string_view ref) const;
	std::string qualify(std::string_view ref) const; // "rdid#path"
	// The RD a reference points into: this one, or another loaded through the resolver.
	// Records an error (at pos) and returns nullptr when it cannot be loaded.
	const Resource* rd_for(const SplitRef& ref, const SourcePos& pos);

	std::optional<std::string> config(std::string_view section, std::string_view item) const;

	// STREAMs defined so far in this RD (FEED/LOOP resolve them in document order).
	std::map<std::string, StreamDef> streams;
	const StreamDef* find_stream(std::string_view ref, const SourcePos& pos);
	const MixinDef* find_mixin(std::string_view ref, const SourcePos& pos);

	// Nesting, for messages and table scopes.
	TableDef* current_table = nullptr;
	const TableDef* current_queried_table = nullptr; // inside a core: its queriedTable

	// The MixinDefs applied to current_table, parallel to its new mixins (nullptr: failed).
	std::vector<const MixinDef*> table_mixins;

	// Tables of this RD whose mixins could not be applied ("rd#id"): checks on their columns
	// would only repeat that problem.
	std::set<std::string> incomplete_tables;
	bool incomplete(const TableDef* t) const { return t && incomplete_tables.count(t->rd_id + "#" + t->id); }

private:
	std::unique_ptr<RdMacroScope> rd_scope_;
	std::vector<const MacroScope*> scopes_;
	std::map<std::string, std::shared_ptr<const Resource>> other_rds_;
	std::map<std::string, SourcePos> failed_rds_;
	std::set<std::string>
	    missing_reported_; // "stream:rd#id" already reported once // RD id -> where loading it failed first
};

// RAII scope push.
class ScopeGuard {
public:
	ScopeGuard(ParseContext& ctx, const MacroScope* s) : ctx_(ctx) { ctx_.push_scope(s); }
	~ScopeGuard() { ctx_.pop_scope(); }
	ScopeGuard(const ScopeGuard&) = delete;
	ScopeGuard& operator=(const ScopeGuard&) = delete;

private:
	ParseContext& ctx_;
};

class Reader {
public:
	Reader(ParseContext& ctx, const RawElement& element);

	const RawElement& element() const { return e_; }
	const SourcePos& pos() const { return e_.pos; }
	ParseContext& ctx() { return ctx_; }

	// An atomic value: the attribute, else the (trimmed) text of a child element of that name.
	std::optional<std::string> get(std::string_view name, Expand mode = Expand::None);
	// Only the XML attribute (for names that are also struct children, like make's rowmaker).
	std::optional<std::string> attr(std::string_view name, Expand mode = Expand::None);
	std::string str(std::string_view name, std::string fallback = {}, Expand mode = Expand::None);
	// Records "missing required attribute" when absent or empty.
	std::string required(std::string_view name, Expand mode = Expand::None);
	bool flag(std::string_view name, bool fallback);
	std::optional<long long> integer(std::string_view name);
	std::optional<double> number(std::string_view name);
	// Comma-separated (or sep-separated) list, trimmed, empty items dropped.
	std::vector<std::string> list(std::string_view name, char sep = ',', Expand mode = Expand::None);
	// Every occurrence: attribute value and each child element's text (repeatable atoms).
	std::vector<std::pair<std::string, SourcePos>> all(std::string_view name, Expand mode = Expand::None);
	SourcePos pos_of(std::string_view name) const;
	bool has(std::string_view name) const;
	// Declares an accepted name whose value is not used (documentation, legacy attributes).
	void ignore(std::string_view name);

	// Element content (untrimmed); marks it used.
	std::string text(Expand mode = Expand::None);
	bool has_text() const;

	// Attributes not consumed so far (FEED-like free attributes, mixin parameters, typed meta).
	std::vector<RawAttribute> take_other_attributes();
	// Child elements with this name, marked used (for parents handling some children themselves).
	std::vector<const RawElement*> take_children(std::string_view name);

	// Reports unknown attributes, children and stray text.
	void finish();

	// Unused child elements (for dispatch).
	std::vector<const RawElement*> unused_children();
	void mark_used(const RawElement* child);
	void note_known_child(std::string_view name) { known_children_.emplace_back(name); }
	const std::vector<std::string>& known_children() const { return known_children_; }

private:
	ParseContext& ctx_;
	const RawElement& e_;
	std::vector<bool> attr_used_;
	std::vector<bool> child_used_;
	std::vector<std::string> known_attrs_;
	std::vector<std::string> known_children_;
	bool text_used_ = false;
};

// Where a child element's parse result goes.
using Target =
    std::variant<Resource*, TableDef*, Column*, Values*, DataDesc*, SourcesDef*, MakeDef*, RowmakerDef*,
                 ApplyDef*, ProcDef*, IgnoreOn*, IgnoreCondition*, ServiceDef*, CoreDef*, CondDesc*,
                 OutputTable*, MixinDef*, RegSuite*, RegTest*, ExecuteDef*, CoverageDef*, GrammarDef*>;

using ElementParser = void (*)(ParseContext&, const RawElement&, Target);

// One row per RD element Meles understands: its parse function and a one-line summary.
struct ElementEntry {
	std::string_view name;
	ElementParser parse;
	std::string_view summary;
};
const std::vector<ElementEntry>& element_table();
const ElementEntry* find_element(std::string_view name);

// Parses the children of r's element whose names are in `allowed` through the element table;
// others are reported (unknown, or not allowed here).
void dispatch_children(Reader& r, Target target, const std::vector<std::string_view>& allowed);
inline void dispatch_children(Reader& r, Target target, std::initializer_list<std::string_view> allowed) {
	dispatch_children(r, target, std::vector<std::string_view>(allowed));
}

// "column 'ra'", "table 'main'", "make" — for messages.
std::string describe(const RawElement& e);

// DaCHS defaults for \getConfig items (used when the caller's lookup has no value).
std::optional<std::string> default_config_value_impl(std::string_view section, std::string_view item);

// The element with this id among items, or nullptr.
template <typename T> const T* find_with_id(const std::vector<T>& items, std::string_view id) {
	for (auto& x : items)
		if (x.id == id) return &x;
	return nullptr;
}

// original="ref" on an element of kind T: copies the element with that id from
// members(rd of the reference) into out and records the qualified reference in out.original.
template <typename T, typename Members>
void copy_original(Reader& r, T& out, std::string_view kind, Members members) {
	auto orig = r.get("original");
	if (!orig) return;
	ParseContext& ctx = r.ctx();
	SourcePos pos = r.pos_of("original");
	auto s = ctx.split_ref(*orig);
	const Resource* where = ctx.rd_for(s, pos);
	if (!where) return;
	if (const T* src = find_with_id(members(*where), s.path)) {
		out = *src;
		out.original = s.rd_id + "#" + s.path;
		return;
	}
	ctx.error(pos, concat("no ", kind, " '", s.path, "' in RD '", s.rd_id, "'"), ErrorKind::NotFound);
}

// Helpers shared by the parse functions.
std::vector<Property>* properties_of(Target t);
MetaBag* meta_of(Target t);
std::string dedent(std::string_view text);
// Python code in an element's text, dedented, positioned at its first non-blank line.
PythonCode code_of(const RawElement& e);
// The same with macros expanded (rowmaker macros kept for the importer), as DaCHS expands
// macros in code that runs: `\\` gives a backslash.
PythonCode code_of(ParseContext& ctx, const RawElement& e);
bool parse_bool_text(std::string_view text, bool& out);

} // namespace meles::rd::parse
